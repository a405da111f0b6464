// Gather rows: y[m, j] = x[idx[m], j] for x viewed as [N, D] and idx of M entries (u32). An index
// >= N yields NaN in its output row (a visible error, never a silent clamp). One invocation per element.
// Elements are moved as raw 32-bit words (f32 bits are copied unchanged).
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n_out) { return; }
  let m = i / p.d;
  let j = i - m * p.d;
  let r = idx[m];
  if (r >= p.rows) { y[i] = 0x7fc00000u; return; }
  y[i] = x[r * p.d + j];
}
