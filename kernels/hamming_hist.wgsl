// Top-k / radius search over a packed database, pass 1 of 3: per-(query, block) histograms of Hamming
// distances. Invocation (queries QPI*x .. QPI*x+QPI-1, block b = workgroup y) scans the block's items
// in index order; the lanes of a workgroup read the same database item (a uniform load), each item is
// loaded once for QPI queries, and every query keeps a private histogram (no atomics). Distances are
// popcount(query XOR item) over WORDS u32 words with the last word's padding bits masked.
// hist is [nq, nblocks_total, bins]. Params (HAMMING_SCAN_UNIFORMS in src/kernels/descriptors.ts): nq
// queries in this batch, n items in this database chunk, block items per block, nblocks_total blocks per
// query row of hist (all chunks), block0 the global block index of this chunk's first block, bins = bits + 1
// (index0 is hamming_emit's).

override WORDS: u32 = 2u;
const QPI: u32 = 4u;     // queries per invocation (measured best on lavapipe: 2x over 1, 8 spills)
const BINS: u32 = 129u;  // histogram stride (bits <= 128)

//#include hamming_scan.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let q0 = gid.x * QPI;
  if (q0 >= p.nq) { return; }
  var qv = load_queries(q0);
  var h: array<u32, QPI * BINS>;
  let b = wid.y;
  let start = b * p.block;
  let end = min(start + p.block, p.n);
  for (var i = start; i < end; i++) {
    let x = item(i);
    for (var j = 0u; j < QPI; j++) { h[j * BINS + distance(x, qv[j])] += 1u; }
  }
  for (var j = 0u; j < QPI; j++) {
    let q = q0 + j;
    if (q < p.nq) {
      let base = (q * p.nblocks_total + p.block0 + b) * p.bins;
      for (var d = 0u; d < p.bins; d++) { hist[base + d] = h[j * BINS + d]; }
    }
  }
}
