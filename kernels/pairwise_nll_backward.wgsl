// Pairwise logistic NLL, backward (forward: pairwise_nll.wgsl): with the loss L = coef/scale · Σ_e l_e,
//   dt_e = g · coef · w_j · (σ(scale · t_e) − s_e),   j = e mod cols,
// where g = dL_out (one value, read on the GPU) and coef = scale / count for the mean. One pass in
// place of the backward kernels of the unfused chain (sigmoid, mul, sub, broadcast, scale).
//#include common.wgsl

override WEIGHTED: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = global_index(gid, nwg);
  if (e >= p.n) { return; }
  let th = p.scale * t[e];
  // σ(θ) without overflow: e^−|θ| / (1 + e^−|θ|) below 0, 1 / (1 + e^−|θ|) above.
  let q = exp(-abs(th));
  let sig = select(q, 1.0, th >= 0.0) / (1.0 + q);
  var d = g[0] * p.coef * (sig - s[e]);
  if (WEIGHTED) { d *= w[e % p.cols]; }
  dt[e] = d;
}
