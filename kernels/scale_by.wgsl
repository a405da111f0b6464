// y = x · s[0]: a tensor times a scalar that lives on the GPU (an upstream gradient), without the
// broadcasting binary kernel's per-element index arithmetic. Used by the fused losses' backward rules
// (src/ops/loss-partial.ts): their forward pass saved dL/dx per unit upstream gradient. Four vec4s per
// invocation (vec4_grid.wgsl).
//#include vec4_grid.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = vec4_range(gid, nwg, p.n);
  let s0 = s[0];
  for (var j = r.x; j < r.y; j++) {
    y[j] = x[j] * s0;
  }
}
