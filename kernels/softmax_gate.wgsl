// y = tanh(alpha · q ⊙ softmax(l)) over the rows of [rows, cols] (JSGHCA's Jo-Attention codes: q one net's
// output, l the partner's attention logits). One invocation per row, as softmax.wgsl; the softmax o is
// written too, for the backward (softmax_gate_backward.wgsl). Replaces a softmax and a mulTanh pass.
//#include common.wgsl
//#include safe_math.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var m = bitcast<f32>(0xff7fffffu);
  for (var j = 0u; j < p.cols; j++) { m = max(m, l[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let e = exp(l[base + j] - m);
    s += e;
    o[base + j] = e;
  }
  // s >= 1 unless every logit is -inf; then the weights are zeros rather than NaN.
  let inv = select(0.0, 1.0 / s, s > 0.0);
  for (var j = 0u; j < p.cols; j++) {
    let w = o[base + j] * inv;
    o[base + j] = w;
    y[base + j] = safe_tanh(p.alpha * q[base + j] * w);
  }
}
