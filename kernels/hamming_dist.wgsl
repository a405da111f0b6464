// Full Hamming distance matrix d[q, i] = popcount(query_q XOR item_i) over WORDS u32 words, with the
// padding bits of the last word masked off. One invocation per (query, item); for small problems and
// tests (the index uses hamming_hist / hamming_select / hamming_emit and never stores distances).
//#include common.wgsl

override WORDS: u32 = 2u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = global_index(gid, nwg);
  if (o >= p.nq * p.n) { return; }
  let q = o / p.n;
  let i = o % p.n;
  var d = 0u;
  for (var w = 0u; w < WORDS; w++) {
    var x = queries[q * WORDS + w] ^ db[i * WORDS + w];
    if (w == WORDS - 1u) { x &= p.last_mask; }
    d += countOneBits(x);
  }
  dist[o] = d;
}
