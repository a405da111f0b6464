// Dropout with a counter-based RNG (dropout_hash.wgsl): kept values are scaled by 1 / (1 − p). The mask
// is a pure function of (seed, i), so the backward pass applies this same kernel to the gradient with the
// same seed and nothing is stored.
//#include common.wgsl
//#include dropout_hash.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = select(0.0, x[i] * p.scale, dropout_keep(i, p.seed, p.threshold));
}
