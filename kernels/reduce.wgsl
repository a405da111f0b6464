// Reduction over any set of axes, no barriers (fast on lavapipe, where a workgroup runs on one CPU
// thread). Kept and reduced dimensions are each described by (shape, stride) lists of rank <= 8 in the
// input's memory layout (src/ops/reduce.ts merges adjacent axes first, so a contiguous full, row or
// column reduction arrives with one reduced axis).
// Invocation i = c·n_out + o computes part c of output o: the reduced positions r = c, c + n_chunk,
// c + 2·n_chunk, … (interleaved, so neighbouring invocations of a full reduction read neighbouring
// words). y[c·n_out + o] = alpha · reduce(those). With n_chunk = 1 that is the whole reduction; with
// n_chunk > 1 it is the first stage of a two-stage reduction whose second stage reduces the
// [n_chunk, n_out] partials over their first axis (same kernel, fixed order: deterministic).
//#include common.wgsl

override OP: u32 = 0u;       // 0 sum, 1 max, 2 min

fn combine(acc: f32, v: f32) -> f32 {
  switch (OP) {
    case 1u: { return max(acc, v); }
    case 2u: { return min(acc, v); }
    default: { return acc + v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n_out * p.n_chunk) { return; }
  let c = i / p.n_out;
  let o = i - c * p.n_out;
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
  if (p.red_rank == 1u) {
    // Fast path: a single reduced axis.
    let st = at(p.red_stride, 0u);
    for (var r = c; r < p.n_red; r += p.n_chunk) {
      acc = combine(acc, x[base + r * st]);
    }
  } else {
    for (var r = c; r < p.n_red; r += p.n_chunk) {
      var off = base;
      var rr = r;
      for (var d = i32(p.red_rank) - 1; d >= 0; d--) {
        let k = u32(d);
        let s = at(p.red_shape, k);
        off += (rr % s) * at(p.red_stride, k);
        rr = rr / s;
      }
      acc = combine(acc, x[off]);
    }
  }
  y[i] = p.alpha * acc;
}
