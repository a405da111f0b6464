// Overflow-safe activations shared by the elementwise kernels and the GEMM epilogue.

// tanh without overflow for large |v| (some drivers return NaN from the builtin there).
fn safe_tanh(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}

fn safe_sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
