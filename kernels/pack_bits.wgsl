// Sign + bit-pack: codes [n, k] f32 -> words [n, ceil(k/32)] u32. Bit j of word w is set iff
// code[32w + j] >= 0 (sign(0) -> +1). Padding bits past k are 0. One invocation per output word.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = global_index(gid, nwg);
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
