// Gather rows: y[m, j] = x[idx[m], j] for x viewed as [N, D] and idx of M entries (u32). An index
// >= N yields NaN in its output row (a visible error, never a silent clamp). One invocation per element.
// Elements are moved as raw 32-bit words (f32 bits are copied unchanged).
struct Params { n_out: u32, rows: u32, d: u32, _p0: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n_out) { return; }
  let m = i / p.d;
  let j = i - m * p.d;
  let r = idx[m];
  if (r >= p.rows) { y[i] = 0x7fc00000u; return; }
  y[i] = x[r * p.d + j];
}
