// Shared by the multi-tensor optimiser kernels (`//#include optim_table.wgsl`). One dispatch updates every
// tensor of an arena: the arenas (parameters, gradients, moments) are bound as vec4 arrays, and `table`
// holds one row of ROW words per tensor, rows sorted by their first workgroup:
//   [0] first workgroup  [1] offset in the arena (vec4s)  [2] vec4s to update  [3] flags
//   [4..11] f32 hyper-parameters (bitcast), per kernel.
// Each invocation updates one vec4. The last vec4 of a tensor may reach into the arena's padding up to
// the next 256-byte slot, which belongs to no tensor, so updating it is harmless and needs no mask.
//#include common.wgsl

const ROW: u32 = 12u;

struct Slot {
  row: u32,   // first word of the tensor's table row
  at: u32,    // vec4 index in the arenas, or 0xffffffff when this invocation has no vec4 to update
}

// The tensor that workgroup `i / WG` belongs to (binary search over the rows' first workgroups).
fn find_slot(i: u32, rows: u32) -> Slot {
  let wid = i / WG;
  var lo = 0u;
  var hi = rows - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (table[mid * ROW] <= wid) { lo = mid; } else { hi = mid - 1u; }
  }
  let row = lo * ROW;
  let k = (wid - table[row]) * WG + i % WG;
  return Slot(row, select(0xffffffffu, table[row + 1u] + k, k < table[row + 2u]));
}

fn hyper(row: u32, k: u32) -> f32 { return bitcast<f32>(table[row + 4u + k]); }
