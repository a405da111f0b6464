// Row L2-normalisation y[r,:] = x[r,:] / max(|x[r,:]|, eps); one invocation per row, no barriers.
struct Params { rows: u32, d: u32, eps: f32, _p0: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.rows) { return; }
  let base = r * p.d;
  var s = 0.0;
  for (var k = 0u; k < p.d; k++) { let v = x[base + k]; s += v * v; }
  let inv = 1.0 / max(sqrt(s), p.eps);
  for (var k = 0u; k < p.d; k++) { y[base + k] = x[base + k] * inv; }
}
