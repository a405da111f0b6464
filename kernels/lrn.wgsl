// Local response normalisation across channels (AlexNet / CNN-F; PyTorch semantics) on NCHW:
//   s_c = k + (alpha / size) · Σ_{c' ∈ win(c)} x_{c'}²,  y_c = x_c · s_c^(−beta),
//   win(c) = [c − size/2, c + (size−1)/2] ∩ [0, C)   (integer division)
// backward: dx_i = g_i s_i^(−β) − (2αβ/size) · x_i · Σ_{j : i ∈ win(j)} g_j x_j s_j^(−β−1),
//   j ∈ [i − (size−1)/2, i + size/2]. One invocation per element; s_j is recomputed (no saved state).
//#include common.wgsl

// s for channel c of the column starting at `col` (element offset of channel 0), stride HW.
fn scale_at(col: u32, c: i32) -> f32 {
  let lo = max(c - i32(p.size / 2u), 0);
  let hi = min(c + i32((p.size - 1u) / 2u), i32(p.C) - 1);
  var acc = 0.0;
  for (var j = lo; j <= hi; j++) {
    let v = x[col + u32(j) * p.HW];
    acc += v * v;
  }
  return p.k + p.alpha_n * acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let c = (i / p.HW) % p.C;
  let col = i - c * p.HW;
  y[i] = x[i] * pow(scale_at(col, i32(c)), -p.beta);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let c = i32((i / p.HW) % p.C);
  let col = i - u32(c) * p.HW;
  let lo = max(c - i32((p.size - 1u) / 2u), 0);
  let hi = min(c + i32(p.size / 2u), i32(p.C) - 1);
  var acc = 0.0;
  var own = 0.0;
  for (var j = lo; j <= hi; j++) {
    let o = col + u32(j) * p.HW;
    let s = scale_at(col, j);
    let t = pow(s, -p.beta);
    acc += g[o] * x[o] * t / s;
    if (j == c) { own = t; }
  }
  y[i] = g[i] * own - 2.0 * p.alpha_n * p.beta * x[i] * acc;
}
