// Row softmax / log-softmax over the last axis with a fused scale and an optional additive mask:
// z = scale * x + mask, y = exp(z - max z) / sum exp(z - max z)   (LOG: y = z - max z - log sum).
// One invocation per row, no barriers (fastest on lavapipe: a workgroup runs on one CPU thread).
// The mask broadcasts over the leading (row) dimensions: its offset for a row is built from the
// row's coordinates and per-dimension strides (0 on broadcast dimensions); its column stride is
// 0 or 1. Without a mask (MASK = false) the wrapper binds x again as the mask (never read).
//#include common.wgsl

override LOG: bool = false;
override MASK: bool = false;

fn z(base: u32, moff: u32, j: u32) -> f32 {
  var v = p.scale * x[base + j];
  if (MASK) { v += mask[moff + j * p.mask_col_stride]; }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var moff = 0u;
  if (MASK) {
    var rem = r;
    for (var d = i32(p.lead_rank) - 1; d >= 0; d--) {
      let k = u32(d);
      let s = at(p.lead_shape, k);
      moff += (rem % s) * at(p.mask_stride, k);
      rem = rem / s;
    }
  }
  var m = bitcast<f32>(0xff7fffffu);
  for (var j = 0u; j < p.cols; j++) { m = max(m, z(base, moff, j)); }
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) {
    let e = exp(z(base, moff, j) - m);
    s += e;
    if (!LOG) { y[base + j] = e; }
  }
  if (LOG) {
    let ls = m + log(s);
    for (var j = 0u; j < p.cols; j++) { y[base + j] = z(base, moff, j) - ls; }
  } else {
    // s >= 1 unless every z is -inf; then the row is all zeros rather than NaN.
    let inv = select(0.0, 1.0 / s, s > 0.0);
    for (var j = 0u; j < p.cols; j++) { y[base + j] = y[base + j] * inv; }
  }
}
