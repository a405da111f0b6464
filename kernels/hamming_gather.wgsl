// Top-k, one-scan path, pass 3 of 3: one invocation per query merges its per-block candidate lists
// (hamming_collect) into the top-k ordered by (distance, database index): a histogram of the candidates'
// distances gives the exact k-th distance T (every item within the sample bound is a candidate, and
// there are at least k of them), prefix sums turn it into output positions, and one pass over the lists
// in block order — database-index order — writes items with d < T and the first items with d == T.
// A list longer than its capacity, or fewer than k candidates (impossible unless the bound was wrong),
// sets info[q].w = 1 and writes nothing: the host answers that query again (src/retrieval/hamming-search.ts).
//#include common.wgsl

const BINS: u32 = 129u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let q = global_index(gid, nwg);
  if (q >= p.nq) { return; }
  let row = q * p.nblocks;
  var h: array<u32, BINS>;
  for (var d = 0u; d < BINS; d++) { h[d] = 0u; }
  var overflow = false;
  for (var b = 0u; b < p.nblocks; b++) {
    let c = counts[row + b];
    if (c > p.cap) { overflow = true; break; }
    for (var s = 0u; s < c; s++) { h[min(cands[(row + b) * p.cap + s] >> 16u, BINS - 1u)] += 1u; }
  }
  // Threshold T and output positions: h[d] becomes base + count(dist < d) for d <= T.
  var t = BINS;
  var run = q * p.k;
  if (!overflow) {
    for (var d = 0u; d < BINS; d++) {
      let c = h[d];
      h[d] = run;
      run += c;
      if (run >= q * p.k + p.k) { t = d; break; }
    }
  }
  if (overflow || t == BINS) {
    info[q] = vec4u(info[q].x, 0u, 0u, 1u);
    return;
  }
  let limit = q * p.k + p.k;
  for (var b = 0u; b < p.nblocks; b++) {
    let c = counts[row + b];
    let s0 = starts[b];
    for (var s = 0u; s < c; s++) {
      let v = cands[(row + b) * p.cap + s];
      let d = v >> 16u;
      if (d <= t) {
        let pos = h[d];
        if (pos < limit) {
          out_idx[pos] = s0 + (v & 0xffffu);
          out_dist[pos] = d;
          h[d] = pos + 1u;
        }
      }
    }
  }
  info[q] = vec4u(t, 0u, 0u, 0u);
}
