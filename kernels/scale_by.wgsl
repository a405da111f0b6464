// y = x · s[0]: a tensor times a scalar that lives on the GPU (an upstream gradient), without the
// broadcasting binary kernel's per-element index arithmetic. Used by the fused losses' backward rules
// (src/ops/loss-partial.ts): their forward pass saved dL/dx per unit upstream gradient.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = x[i] * s[0];
}
