// Sign + bit-pack: codes [n, k] f32 -> words [n, ceil(k/32)] u32. Bit j of word w is set iff
// code[32w + j] >= 0 (sign(0) -> +1). Padding bits past k are 0. One invocation per output word.
struct Params { n: u32, k: u32, words: u32, _p0: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> codes: array<f32>;
@group(0) @binding(2) var<storage, read_write> packed: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * WG;
  if (o >= p.n * p.words) { return; }
  let row = o / p.words;
  let w = o % p.words;
  let base = row * p.k + w * 32u;
  let cnt = min(32u, p.k - w * 32u);
  var bits = 0u;
  for (var j = 0u; j < cnt; j++) {
    bits |= select(0u, 1u << j, codes[base + j] >= 0.0);
  }
  packed[o] = bits;
}
