// Shared by the multi-tensor optimiser kernels (`//#include optim_table.wgsl`). One dispatch updates every
// tensor of an arena: the arenas (parameters, gradients, moments) are bound as vec4 arrays, and `table`
// holds one row of ROW words per tensor, rows sorted by their first workgroup:
//   [0] first workgroup  [1] offset in the arena (vec4s)  [2] vec4s to update  [3] flags
//   [4..11] f32 hyper-parameters (bitcast), per kernel.
// Each workgroup updates WG × VPI consecutive vec4s of one tensor (invocation j: vec4s j, j + WG, …):
// lavapipe pays a fixed cost per workgroup, so fewer, fuller workgroups run faster. The last vec4 of a
// tensor may reach into the arena's padding up to the next 256-byte slot, which belongs to no tensor, so
// updating it is harmless and needs no mask.
//#include common.wgsl

const ROW: u32 = 12u;
override VPI: u32 = 8u;

struct Slot {
  row: u32,    // first word of the tensor's table row
  first: u32,  // the workgroup's first vec4 in the arenas
  end: u32,    // one past the tensor's last vec4 in the arenas
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
  let base = table[row + 1u];
  return Slot(row, base + (wid - table[row]) * WG * VPI + i % WG, base + table[row + 2u]);
}

fn hyper(row: u32, k: u32) -> f32 { return bitcast<f32>(table[row + 4u + k]); }
