// Shared by l2_normalize.wgsl and l2_normalize_backward.wgsl (both declare x and Params { rows, d, eps }):
// the L2 norm of the row of x starting at `base`.
fn row_norm(base: u32) -> f32 {
  var s = 0.0;
  for (var k = 0u; k < p.d; k++) { let v = x[base + k]; s += v * v; }
  return sqrt(s);
}
