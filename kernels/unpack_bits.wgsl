// Inverse of pack_bits: words [n, ceil(k/32)] u32 -> codes [n, k] f32 in {-1, +1}.
struct Params { n: u32, k: u32, words: u32, _p0: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> packed: array<u32>;
@group(0) @binding(2) var<storage, read_write> codes: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * WG;
  if (o >= p.n * p.k) { return; }
  let row = o / p.k;
  let j = o % p.k;
  let bit = (packed[row * p.words + j / 32u] >> (j % 32u)) & 1u;
  codes[o] = select(-1.0, 1.0, bit == 1u);
}
