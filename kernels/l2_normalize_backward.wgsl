// Backward of row L2-normalisation. With n = |x| and y = x / n (n > eps):
//   dx = (g - y * <y, g>) / n;  when n <= eps the denominator is the constant eps: dx = g / eps.
//#include common.wgsl
//#include l2_rows.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.d;
  let n = row_norm(base);
  if (n <= p.eps) {
    for (var k = 0u; k < p.d; k++) { dx[base + k] = g[base + k] / p.eps; }
    return;
  }
  var xg = 0.0;
  for (var k = 0u; k < p.d; k++) { xg += x[base + k] * g[base + k]; }
  let inv = 1.0 / n;
  let proj = xg * inv * inv; // <y, g> / n
  for (var k = 0u; k < p.d; k++) { dx[base + k] = (g[base + k] - x[base + k] * proj) * inv; }
}
