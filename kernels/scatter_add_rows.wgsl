// Backward of gather (scatter-add) without atomics: every output element dx[r, j] walks the index
// list and sums g[m, j] over the m with idx[m] == r (deterministic order, no float atomics).
// Cost O(N·D·M): meant for index lists of batch size.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n_out) { return; }
  let r = i / p.d;
  let j = i - r * p.d;
  var acc = 0.0;
  for (var m = 0u; m < p.m; m++) {
    if (idx[m] == r) { acc += g[m * p.d + j]; }
  }
  dx[i] = acc;
}
