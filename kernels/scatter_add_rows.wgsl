// Backward of gather (scatter-add) without atomics: every output element dx[r, j] walks the index
// list and sums g[m, j] over the m with idx[m] == r (deterministic order, no float atomics).
// Cost O(N·D·M): meant for index lists of batch size.
struct Params { n_out: u32, m: u32, d: u32, _p0: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n_out) { return; }
  let r = i / p.d;
  let j = i - r * p.d;
  var acc = 0.0;
  for (var m = 0u; m < p.m; m++) {
    if (idx[m] == r) { acc += g[m * p.d + j]; }
  }
  dx[i] = acc;
}
