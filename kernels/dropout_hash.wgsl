// The dropout mask as a pure function of (element index, seed): element i is kept when
// hash(i, seed) >= threshold (threshold = p · 2³²). hash = PCG output permutation (O'Neill), chained
// twice with the seed. Shared by dropout.wgsl and the GEMM epilogue (gemm_regblock.wgsl, DROPOUT), so a
// fused relu + dropout draws exactly the mask of the separate pass.

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

fn dropout_keep(i: u32, seed: u32, threshold: u32) -> bool {
  return pcg(pcg(i ^ pcg(seed)) + seed) >= threshold;
}
