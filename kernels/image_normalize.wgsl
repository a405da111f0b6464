// Image batch HWC (u8 packed four per u32, or f32) → NCHW f32, per-channel (x·scale − mean) / std.
// One invocation per output element, no barriers. U8 selects the input format.
struct Params {
  n: u32,          // batch · channels · height · width (output elements)
  batch: u32,
  height: u32,
  width: u32,
  channels: u32,   // output channels (≤ 4)
  stride: u32,     // input channels per pixel (≥ channels: 4 for RGBA input)
  scale: f32,      // applied to the raw value first (1/255 for u8)
  _pad: u32,
  mean: vec4f,
  invStd: vec4f,
}

override U8: bool = true;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
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
