// Top-k / radius search, pass 3 of 3: same grid as hamming_hist. Each (queries, block) invocation
// rescans its block in index order and writes every item with distance d <= T (per query) to its output
// position hist[q, b, d] (then increments it), skipping positions >= limit (the tail of the threshold
// bucket). Only this invocation touches its queries' (q, b) rows of hist, so no atomics are needed.
// Results are ordered by (distance, database index) and equal a stable CPU counting sort exactly.
// Candidates are rare, and a CPU SIMD driver runs both sides of a divergent branch with masked
// (scalarised) memory operations, so each sweep of 1024 items first records candidates as bits in
// private masks (vector ops only), then drains the set bits with loops that run only while some lane
// still has a candidate.
// COLLECT = true (the one-scan top-k path, src/retrieval/hamming-plan.ts; info[q].x is then an upper
// bound from a sample, not the exact k-th distance): no offsets to honour; each invocation appends every
// item with d <= bound, in index order, to its own list out_idx[(q, b) * cap ..] as (d << 16) | (item -
// block start) (blocks of at most 65536 items), and stores the list's full length — even past cap, so
// hamming_gather can tell an overflowed list — in hist[q, b]. `bins` holds cap; out_dist is unused.
// Params as hamming_hist's (HAMMING_SCAN_UNIFORMS); index0 is the global database index of this chunk's first item.

override WORDS: u32 = 2u;
override COLLECT: bool = false;
const QPI: u32 = 4u;        // queries per invocation, as in hamming_hist
const SWEEP: u32 = 1024u;   // items per candidate mask (32 words of 32 bits)

//#include hamming_scan.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let q0 = gid.x * QPI;
  if (q0 >= p.nq) { return; }
  let b = wid.y;
  var qv = load_queries(q0);
  var t: array<u32, QPI>;   // threshold + 1 per query
  for (var j = 0u; j < QPI; j++) {
    // t holds T + 1 (select d < t); queries past the batch (padding lanes) get 0 and select nothing.
    t[j] = select(0u, info[min(q0 + j, p.nq - 1u)].x + 1u, q0 + j < p.nq);
  }
  var found: array<u32, QPI>;   // COLLECT: list lengths so far
  let start = b * p.block;
  let end = min(start + p.block, p.n);
  for (var s = start; s < end; s += SWEEP) {
    let se = min(s + SWEEP, end);
    var cand: array<array<u32, 32>, QPI>;
    for (var c = 0u; c < 32u; c++) {
      let i0 = s + c * 32u;
      let cnt = min(32u, max(se, i0) - i0);
      var m = vec4u(0u);
      for (var e = 0u; e < cnt; e++) {
        let x = item(i0 + e);
        for (var j = 0u; j < QPI; j++) {
          m[j] |= select(0u, 1u << e, distance(x, qv[j]) < t[j]);
        }
      }
      for (var j = 0u; j < QPI; j++) { cand[j][c] = m[j]; }
    }
    for (var j = 0u; j < QPI; j++) {
      let q = q0 + j;
      let row = (q * p.nblocks_total + p.block0 + b) * select(p.bins, 1u, COLLECT);
      let limit = info[min(q, p.nq - 1u)].z;
      var listed = found[j];
      for (var c = 0u; c < 32u; c++) {
        var m = cand[j][c];
        loop {
          if (m == 0u) { break; }
          let i = s + c * 32u + firstTrailingBit(m);
          m &= m - 1u;
          let d = distance(item(i), qv[j]);
          if (COLLECT) {
            if (listed < p.bins) { out_idx[row * p.bins + listed] = (d << 16u) | (i - start); }
            listed += 1u;
          } else {
            let pos = hist[row + d];
            if (pos < limit) {
              out_idx[pos] = p.index0 + i;
              out_dist[pos] = d;
              hist[row + d] = pos + 1u;
            }
          }
        }
      }
      found[j] = listed;
    }
  }
  if (COLLECT) {
    for (var j = 0u; j < QPI; j++) {
      if (q0 + j < p.nq) { hist[(q0 + j) * p.nblocks_total + p.block0 + b] = found[j]; }
    }
  }
}
