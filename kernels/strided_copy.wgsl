// Strided copy over an iteration shape of rank <= 8: for every coordinate c of `shape`,
//   dst[dst_off + sum c_d * dst_stride_d] = src[src_off + sum c_d * src_stride_d].
// Serves permute/transpose (permuted source strides), slice (source offset + strides), concat and the
// slice backward (destination offset + strides into a larger, zero-filled tensor). One invocation per
// element, no barriers.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  var rem = i;
  var s = p.src_off;
  var d = p.dst_off;
  for (var k = i32(p.rank) - 1; k >= 0; k--) {
    let kk = u32(k);
    let e = at(p.shape, kk);
    let c = rem % e;
    rem = rem / e;
    s += c * at(p.src_stride, kk);
    d += c * at(p.dst_stride, kk);
  }
  dst[d] = src[s];
}
