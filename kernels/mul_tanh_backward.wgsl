// Backward of y = tanh(alpha·q ⊙ w) (same shapes): with t = alpha·g·(1 − y²), dq = t·w and dw = t·q, both
// from one pass (the unfused chain took a tanh backward, two scalings and two products).
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let yv = y[i];
  let t = p.alpha * (g[i] * (1.0 - yv * yv));
  dq[i] = t * w[i];
  dw[i] = t * q[i];
}
