// Image batch HWC (u8 packed four per u32, or f32) → NCHW f32, per-channel (x·scale − mean) / std.
// One invocation per output element, no barriers. U8 selects the input format.
//#include common.wgsl

override U8: bool = true;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  // Output index i = ((b·C + c)·H + y)·W + x.
  let hw = p.height * p.width;
  let pix = i % hw;
  let bc = i / hw;
  let c = bc % p.channels;
  let b = bc / p.channels;
  let e = (b * hw + pix) * p.stride + c;   // HWC element index in the source
  var v: f32;
  if (U8) {
    v = f32((src[e >> 2u] >> ((e & 3u) * 8u)) & 0xffu);
  } else {
    v = bitcast<f32>(src[e]);
  }
  dst[i] = (v * p.scale - p.mean[c]) * p.invStd[c];
}
