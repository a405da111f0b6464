// Pairwise logistic NLL, forward, first stage: partial sums of
//   l_e = w_j · (softplus(θ_e) − s_e·θ_e),  θ_e = scale · t_e,  e = i·cols + j
// over a [rows, cols] score matrix t (DCMH/SSAH: t = a·bᵀ, scale ½) and 0/1 similarities s; w [cols]
// are column weights (WEIGHTED) or absent. Invocation c sums e = c, c + n_part, … (neighbouring
// invocations read neighbouring words) into y[c]; src/ops/pairwise-nll.ts reduces the n_part partials
// with the reduce kernel (fixed order, deterministic). One pass over t and s instead of the affine,
// softplus, mul, sub, weight and reduce kernels each reading and writing the whole matrix.
//#include common.wgsl

override WEIGHTED: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = global_index(gid, nwg);
  if (c >= p.n_part) { return; }
  var acc = 0.0;
  var j = c % p.cols;
  for (var e = c; e < p.n; e += p.n_part) {
    let th = p.scale * t[e];
    var l = max(th, 0.0) + log(1.0 + exp(-abs(th))) - s[e] * th;
    if (WEIGHTED) {
      l *= w[j];
      // The next element is n_part further on: advance its column without a division.
      j += p.col_step;
      if (j >= p.cols) { j -= p.cols; }
    }
    acc += l;
  }
  y[c] = acc;
}
