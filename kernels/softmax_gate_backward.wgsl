// Backward of y = tanh(alpha · q ⊙ o), o = softmax(l) per row (softmax_gate.wgsl), one invocation per row:
// t = alpha·g·(1 − y²); dq = t·o; with do = t·q, dl = o·(do − Σ_j o_j·do_j). One pass instead of the
// mulTanh backward and the softmax backward.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var acc = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let i = base + j;
    let yv = y[i];
    let t = p.alpha * (g[i] * (1.0 - yv * yv));
    let ov = o[i];
    dq[i] = t * ov;
    let dov = t * q[i];
    dl[i] = dov;
    acc += dov * ov;
  }
  for (var j = 0u; j < p.cols; j++) {
    let i = base + j;
    dl[i] = o[i] * (dl[i] - acc);
  }
}
