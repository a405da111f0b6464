// Strided copy over an iteration shape of rank <= 8: for every coordinate c of `shape`,
//   dst[dst_off + sum c_d * dst_stride_d] = src[src_off + sum c_d * src_stride_d].
// Serves permute/transpose (permuted source strides), slice (source offset + strides), concat and the
// slice backward (destination offset + strides into a larger, zero-filled tensor). One invocation per
// element, no barriers.
struct Params {
  n: u32,
  rank: u32,
  src_off: u32,
  dst_off: u32,
  shape: array<vec4u, 2>,
  src_stride: array<vec4u, 2>,
  dst_stride: array<vec4u, 2>,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn at(v: array<vec4u, 2>, k: u32) -> u32 { return v[k / 4u][k % 4u]; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
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
