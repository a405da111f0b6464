// Adam / AdamW step, in place (PyTorch semantics). Bias corrections are computed on the host in
// float64: lr_t = lr / (1 - b1^t), inv_sqrt_bc2 = 1 / sqrt(1 - b2^t).
//   DECOUPLED (AdamW): param *= 1 - lr * wd;  else (Adam, L2): g += wd * param
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;  param -= lr_t * m / (sqrt(v) * inv_sqrt_bc2 + eps)
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  var w = param[i];
  var g = grad[i];
  if (p.decoupled != 0u) { w = w * (1.0 - p.lr * p.wd); } else { g = g + p.wd * w; }
  let m = p.b1 * m1[i] + (1.0 - p.b1) * g;
  let v = p.b2 * m2[i] + (1.0 - p.b2) * g * g;
  m1[i] = m;
  m2[i] = v;
  param[i] = w - p.lr_t * m / (sqrt(v) * p.inv_sqrt_bc2 + p.eps);
}
