// Top-k / radius search, pass 3 of 3: same grid as hamming_hist. Each (query, block) invocation
// rescans its block in index order and writes every item with distance d <= T to its output position
// hist[q, b, d] (then increments it), skipping positions >= limit (the tail of the threshold bucket).
// Only this invocation touches its (q, b) row of hist, so no atomics are needed. Results are ordered
// by (distance, database index) and equal a stable CPU counting sort exactly.
struct Params {
  nq: u32,
  n: u32,
  block: u32,
  nblocks_total: u32,
  block0: u32,
  bins: u32,
  last_mask: u32,
  index0: u32,        // global database index of this chunk's first item
}

override WORDS: u32 = 2u;
override WG: u32 = 32u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> db: array<u32>;
@group(0) @binding(2) var<storage, read> queries: array<u32>;
@group(0) @binding(3) var<storage, read_write> hist: array<u32>;
@group(0) @binding(4) var<storage, read> info: array<vec4u>;
@group(0) @binding(5) var<storage, read_write> out_idx: array<u32>;
@group(0) @binding(6) var<storage, read_write> out_dist: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let q = gid.x;
  if (q >= p.nq) { return; }
  let b = wid.y;
  let qi = info[q];
  let t = qi.x;
  let limit = qi.z;
  var qv: array<u32, 4>;
  for (var w = 0u; w < WORDS; w++) { qv[w] = queries[q * WORDS + w]; }
  qv[WORDS - 1u] &= p.last_mask;
  let row = (q * p.nblocks_total + p.block0 + b) * p.bins;
  let start = b * p.block;
  let end = min(start + p.block, p.n);
  for (var i = start; i < end; i++) {
    var d = 0u;
    for (var w = 0u; w < WORDS; w++) {
      var x = db[i * WORDS + w];
      if (w == WORDS - 1u) { x &= p.last_mask; }
      d += countOneBits(x ^ qv[w]);
    }
    if (d <= t) {
      let pos = hist[row + d];
      if (pos < limit) {
        out_idx[pos] = p.index0 + i;
        out_dist[pos] = d;
        hist[row + d] = pos + 1u;
      }
    }
  }
}
