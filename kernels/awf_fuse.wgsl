// Fused similarity S_f[a,b] = w_I[a] * S_I[a,b] + w_T[a] * S_T[a,b] with per-row weights w = [w_I; w_T].
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.m * p.m) { return; }
  let a = i / p.m;
  y[i] = w[a] * si[i] + w[p.m + a] * st[i];
}
