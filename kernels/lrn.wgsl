// Local response normalisation across channels (AlexNet / CNN-F; PyTorch semantics) on NCHW:
//   s_c = k + (alpha / size) · Σ_{c' ∈ win(c)} x_{c'}²,  y_c = x_c · s_c^(−beta),
//   win(c) = [c − size/2, c + (size−1)/2] ∩ [0, C)   (integer division)
// backward: dx_i = g_i s_i^(−β) − (2αβ/size) · x_i · Σ_{j : i ∈ win(j)} g_j x_j s_j^(−β−1),
//   j ∈ [i − (size−1)/2, i + size/2]. One invocation per element.
// The forward saves r = s^(−β−1) per element when SAVE (training): the backward then needs no pow and
// reads each neighbour's r instead of recomputing its window (it was 5 pows and 25 loads per element,
// ≈ 4× the forward's time); s_i^(−β) = r_i · s_i with s_i recomputed from the window.
//#include common.wgsl

override SAVE: bool = false;

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
  let s = scale_at(col, i32(c));
  let t = pow(s, -p.beta);
  y[i] = x[i] * t;
  if (SAVE) { r[i] = t / s; }
}

// y = dx; r = the forward's saved s^(−β−1).
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let c = i32((i / p.HW) % p.C);
  let col = i - u32(c) * p.HW;
  let lo = max(c - i32((p.size - 1u) / 2u), 0);
  let hi = min(c + i32(p.size / 2u), i32(p.C) - 1);
  var acc = 0.0;
  for (var j = lo; j <= hi; j++) {
    let o = col + u32(j) * p.HW;
    acc += g[o] * x[o] * r[o];
  }
  y[i] = g[i] * r[i] * scale_at(col, c) - 2.0 * p.alpha_n * p.beta * x[i] * acc;
}
