// The GEMM epilogue shared by gemm_sg, gemm_reg and gemm_tiled: optional bias, then an activation; and
// the activation's derivative for the fused backward (bias_act_backward.wgsl), in terms of the output y.
// tanh goes through safe_tanh, as the elementwise tanh does (the builtin can return NaN for large |x|).
//#include safe_math.wgsl
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;        // 0 none, 1 relu, 2 tanh, 3 sigmoid, 4 tanh(act_alpha·x), 5 act_alpha·relu(x)

fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return safe_tanh(x); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return safe_tanh(p.act_alpha * x); }
    case 5u: { return p.act_alpha * max(x, 0.0); }
    default: { return x; }
  }
}

/** dL/dx from dL/dy = g for y = activate(x); the same expressions as the elementwise *Backward ops. */
fn activate_grad(y: f32, g: f32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, g, y > 0.0); }
    case 2u: { return g * (1.0 - y * y); }
    case 3u: { return g * y * (1.0 - y); }
    case 4u: { return p.act_alpha * (g * (1.0 - y * y)); }
    // y > 0 exactly where x > 0 (act_alpha > 0); also the relu + dropout backward of src/ops/linear-dropout.ts,
    // where y = 0 marks a dropped or negative unit and the kept ones carry the dropout scale act_alpha.
    case 5u: { return select(0.0, p.act_alpha * g, y > 0.0); }
    default: { return g; }
  }
}
