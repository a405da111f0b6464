// Fill a buffer with one value (f32 bits reinterpreted for u32/i32 by the caller), or an affine ramp.
// y[i] = value + i * step.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = p.value + f32(i) * p.step;
}
