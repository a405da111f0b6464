// Elementwise unary ops on f32: y = f(x) with op selected by the OP override constant.
// alpha/beta are op parameters (leaky slope, clamp bounds, affine scale/shift, power).
// `apply(v)` (one case per op) is generated from UNARY_OP_TABLE in src/kernels/descriptors.ts, the table
// that also gives the TypeScript op names and codes (src/ops/raw.ts). Four vec4s per invocation
// (vec4_grid.wgsl); each element gets the same scalar `apply` as before, so results are unchanged.
//#include vec4_grid.wgsl
//#include safe_math.wgsl

override OP: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = vec4_range(gid, nwg, p.n);
  for (var j = r.x; j < r.y; j++) {
    let v = x[j];
    y[j] = vec4f(apply(v.x), apply(v.y), apply(v.z), apply(v.w));
  }
}
