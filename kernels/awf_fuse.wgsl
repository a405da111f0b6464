// Fused similarity S_f[a,b] = w_I[a] * S_I[a,b] + w_T[a] * S_T[a,b] with per-row weights w = [w_I; w_T].
struct Params { m: u32, _p0: u32, _p1: u32, _p2: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> si: array<f32>;
@group(0) @binding(2) var<storage, read> st: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.m * p.m) { return; }
  let a = i / p.m;
  y[i] = w[a] * si[i] + w[p.m + a] * st[i];
}
