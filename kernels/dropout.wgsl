// Dropout with a counter-based RNG: element i is kept when hash(i, seed) >= threshold
// (threshold = p · 2³²), kept values are scaled by 1 / (1 − p). The mask is a pure function of
// (seed, i), so the backward pass applies this same kernel to the gradient with the same seed and
// nothing is stored. hash = PCG output permutation (O'Neill), chained twice with the seed.
struct Params { n: u32, threshold: u32, seed: u32, _p0: u32, scale: f32, _p1: u32, _p2: u32, _p3: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let r = pcg(pcg(i ^ pcg(p.seed)) + p.seed);
  y[i] = select(0.0, x[i] * p.scale, r >= p.threshold);
}
