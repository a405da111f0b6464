// Inverse of pack_bits: words [n, ceil(k/32)] u32 -> codes [n, k] f32 in {-1, +1}.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = global_index(gid, nwg);
  if (o >= p.n * p.k) { return; }
  let row = o / p.k;
  let j = o % p.k;
  let bit = (packed[row * p.words + j / 32u] >> (j % 32u)) & 1u;
  codes[o] = select(-1.0, 1.0, bit == 1u);
}
