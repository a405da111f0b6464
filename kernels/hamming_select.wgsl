// Top-k / radius search, pass 2 of 3: one invocation per query turns its block histograms into output
// positions (a counting sort by distance, stable in database-index order).
//   MODE 0 (top-k): find the threshold T = smallest d with count(dist <= d) >= k, write
//     info[q] = (T, base = q*k, limit = base + k, count(dist < T)), then offsets.
//   MODE 1 (radius count): info[q].w = count(dist <= radius); hist untouched.
//   MODE 2 (radius offsets): T = info[q].x and base = info[q].y were uploaded; write offsets.
// Offsets: for d <= T and each block b in order, hist[q, b, d] becomes the output position of that
// block's first item at distance d: base + count(dist < d) + sum over earlier blocks of hist[q, b', d].
//#include common.wgsl

override MODE: u32 = 0u;

fn bucket_total(row: u32, d: u32) -> u32 {
  var c = 0u;
  for (var b = 0u; b < p.nblocks; b++) { c += hist[(row + b) * p.bins + d]; }
  return c;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let q = global_index(gid, nwg);
  if (q >= p.nq) { return; }
  let row = q * p.nblocks;
  if (MODE == 1u) {
    var c = 0u;
    for (var d = 0u; d <= min(p.radius, p.bins - 1u); d++) { c += bucket_total(row, d); }
    info[q] = vec4u(min(p.radius, p.bins - 1u), 0u, 0u, c);
    return;
  }
  var t = p.bins - 1u;
  var base = 0u;
  if (MODE == 0u) {
    base = q * p.k;
    var below = 0u;
    for (var d = 0u; d < p.bins; d++) {
      let c = bucket_total(row, d);
      if (below + c >= p.k) { t = d; break; }
      below += c;
    }
    info[q] = vec4u(t, base, base + p.k, below);
  } else {
    t = info[q].x;
    base = info[q].y;
  }
  var run = base;
  for (var d = 0u; d <= t; d++) {
    for (var b = 0u; b < p.nblocks; b++) {
      let s = (row + b) * p.bins + d;
      let c = hist[s];
      hist[s] = run;
      run += c;
    }
  }
}
