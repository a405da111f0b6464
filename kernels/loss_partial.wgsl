// Fused elementwise losses, forward, first stage: partial sums of a per-element loss l_e over n elements.
// Invocation c sums e = c, c + n_part, … (neighbouring invocations read neighbouring words) into
// y[c] = alpha · Σ; with one part alpha carries the loss's scale and y is the loss, else the reduce
// kernel sums the n_part partials in a fixed order (deterministic, no atomics). LOSS selects l_e:
//  0 squared error (src/ops/squared-error.ts):  l_e = (a_e − b_e)²,
//    saved derivative  da_e = coef · (a_e − b_e);
//  1 pairwise logistic NLL (src/ops/pairwise-nll.ts), a = scores t [rows, cols], b = 0/1 similarities s,
//    w [cols] column weights (WEIGHTED), θ = scale · a:  l_e = w_j · (softplus(θ_e) − b_e·θ_e),
//    saved derivative  da_e = coef · w_j · (σ(θ_e) − b_e), sharing e^−|θ| with the softplus.
//  2 logistic loss against a constant target (src/ops/bce-logits.ts): LOSS 1 with s = 0 and b unread,
//    l_e = softplus(θ_e), θ = scale · a (target 1: scale −1, softplus(−z); target 0: scale 1).
// SAVE_GRAD writes da (dL/da per unit upstream gradient), so the backward is one multiply. One pass in
// place of the unfused chains (sub/square/sum/scale; affine/softplus/mul/sub/weight/mean) and their
// backward rules, each of which read and wrote the whole tensor.
//#include common.wgsl

override LOSS: u32 = 0u;
override WEIGHTED: bool = false;
override SAVE_GRAD: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = global_index(gid, nwg);
  if (c >= p.n_part) { return; }
  var acc = 0.0;
  var j = c % p.cols;
  for (var e = c; e < p.n; e += p.n_part) {
    var l: f32;
    var d: f32;
    if (LOSS != 0u) {
      let th = p.scale * a[e];
      var s = 0.0;
      if (LOSS == 1u) { s = b[e]; }
      let q = exp(-abs(th));
      var wj = 1.0;
      if (WEIGHTED) {
        wj = w[j];
        // The next element is n_part further on: advance its column without a division.
        j += p.col_step;
        if (j >= p.cols) { j -= p.cols; }
      }
      l = wj * (max(th, 0.0) + log(1.0 + q) - s * th);
      // σ(θ) without overflow: q / (1 + q) below 0, 1 / (1 + q) above.
      d = wj * (select(q, 1.0, th >= 0.0) / (1.0 + q) - s);
    } else {
      d = a[e] - b[e];
      l = d * d;
    }
    acc += l;
    if (SAVE_GRAD) { da[e] = p.coef * d; }
  }
  y[c] = p.alpha * acc;
}
