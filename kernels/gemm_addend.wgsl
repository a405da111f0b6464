// The GEMM kernels' addend (gemm_regblock, gemm_tex, gemm_tiled and gemm_splitk bind `addend`):
// C = act(A·B + bias) + R with R (the `addend` binding) laid out as C: a gradient summed into the one before
// it, a residual connection — one pass instead of the GEMM's and an elementwise add's (src/ops/matmul.ts).
override ADDEND: bool = false;

/** The stored value of output ci (flat index into C) from its activated (and dropped-out) value o. */
fn plus_addend(o: f32, ci: u32) -> f32 {
  if (ADDEND) { return o + addend[ci]; }
  return o;
}
