// Row L2-normalisation y[r,:] = x[r,:] / max(|x[r,:]|, eps); one invocation per row, no barriers.
//#include common.wgsl
//#include l2_rows.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.d;
  let inv = 1.0 / max(row_norm(base), p.eps);
  for (var k = 0u; k < p.d; k++) { y[base + k] = x[base + k] * inv; }
}
