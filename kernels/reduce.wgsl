// Reduction over any set of axes: one invocation per output element, no barriers (fast on lavapipe,
// where a workgroup runs on one CPU thread). Kept and reduced dimensions are each described by
// (shape, stride) lists of rank <= 8 in the input's memory layout. y = alpha * reduce(x).
//#include common.wgsl

override OP: u32 = 0u;       // 0 sum, 1 max, 2 min

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = global_index(gid, nwg);
  if (o >= p.n_out) { return; }
  var base = 0u;
  var rem = o;
  for (var d = i32(p.keep_rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let s = at(p.keep_shape, k);
    base += (rem % s) * at(p.keep_stride, k);
    rem = rem / s;
  }
  var acc: f32;
  switch (OP) {
    case 1u: { acc = bitcast<f32>(0xff7fffffu); }
    case 2u: { acc = bitcast<f32>(0x7f7fffffu); }
    default: { acc = 0.0; }
  }
  // Fast path: a single reduced axis (the common case: last axis or one middle axis).
  if (p.red_rank == 1u) {
    let st = at(p.red_stride, 0u);
    for (var r = 0u; r < p.n_red; r++) {
      let v = x[base + r * st];
      switch (OP) {
        case 1u: { acc = max(acc, v); }
        case 2u: { acc = min(acc, v); }
        default: { acc += v; }
      }
    }
  } else {
    for (var r = 0u; r < p.n_red; r++) {
      var off = base;
      var rr = r;
      for (var d = i32(p.red_rank) - 1; d >= 0; d--) {
        let k = u32(d);
        let s = at(p.red_shape, k);
        off += (rr % s) * at(p.red_stride, k);
        rr = rr / s;
      }
      let v = x[off];
      switch (OP) {
        case 1u: { acc = max(acc, v); }
        case 2u: { acc = min(acc, v); }
        default: { acc += v; }
      }
    }
  }
  y[o] = p.alpha * acc;
}
