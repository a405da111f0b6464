// Dropout with a counter-based RNG: element i is kept when hash(i, seed) >= threshold
// (threshold = p · 2³²), kept values are scaled by 1 / (1 − p). The mask is a pure function of
// (seed, i), so the backward pass applies this same kernel to the gradient with the same seed and
// nothing is stored. hash = PCG output permutation (O'Neill), chained twice with the seed.
//#include common.wgsl

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let r = pcg(pcg(i ^ pcg(p.seed)) + p.seed);
  y[i] = select(0.0, x[i] * p.scale, r >= p.threshold);
}
