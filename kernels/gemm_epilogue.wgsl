// The GEMM epilogue shared by gemm_sg, gemm_reg and gemm_tiled: optional bias, then an activation.
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;        // 0 none, 1 relu, 2 tanh, 3 sigmoid, 4 tanh(act_alpha·x)

fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return tanh(x); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return tanh(p.act_alpha * x); }
    default: { return x; }
  }
}
