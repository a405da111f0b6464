// Fill a buffer with one value (f32 bits reinterpreted for u32/i32 by the caller), or an affine ramp.
// y[i] = value + i * step.
struct Params { n: u32, _pad: u32, value: f32, step: f32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  y[i] = p.value + f32(i) * p.step;
}
