// Backward of row L2-normalisation. With n = |x| and y = x / n (n > eps):
//   dx = (g - y * <y, g>) / n;  when n <= eps the denominator is the constant eps: dx = g / eps.
struct Params { rows: u32, d: u32, eps: f32, _p0: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.rows) { return; }
  let base = r * p.d;
  var s = 0.0;
  var xg = 0.0;
  for (var k = 0u; k < p.d; k++) {
    let v = x[base + k];
    s += v * v;
    xg += v * g[base + k];
  }
  let n = sqrt(s);
  if (n <= p.eps) {
    for (var k = 0u; k < p.d; k++) { dx[base + k] = g[base + k] / p.eps; }
    return;
  }
  let inv = 1.0 / n;
  let proj = xg * inv * inv; // <y, g> / n
  for (var k = 0u; k < p.d; k++) { dx[base + k] = (g[base + k] - x[base + k] * proj) * inv; }
}
