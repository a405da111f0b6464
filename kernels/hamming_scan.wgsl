// Shared by the two scans of a Hamming search, hamming_hist.wgsl and hamming_emit.wgsl (both have `db`,
// `queries` and Params { nq, last_mask, … } from their descriptors, and declare WORDS and QPI).
// The QPI query codes invocation q0 scans with, the last word masked to the code width.
// Lanes past the batch repeat the last query (they read valid memory; the kernels never write for them).
fn load_queries(q0: u32) -> array<vec4u, QPI> {
  var qv: array<vec4u, QPI>;
  for (var j = 0u; j < QPI; j++) {
    let q = min(q0 + j, p.nq - 1u);
    for (var w = 0u; w < WORDS; w++) { qv[j][w] = queries[q * WORDS + w]; }
    qv[j][WORDS - 1u] &= p.last_mask;
  }
  return qv;
}

// Database item i, the last word masked to the code width.
fn item(i: u32) -> vec4u {
  var x: vec4u;
  for (var w = 0u; w < WORDS; w++) { x[w] = db[i * WORDS + w]; }
  x[WORDS - 1u] &= p.last_mask;
  return x;
}

// Hamming distance of two masked codes.
fn distance(x: vec4u, qv: vec4u) -> u32 {
  var d = 0u;
  for (var w = 0u; w < WORDS; w++) { d += countOneBits(x[w] ^ qv[w]); }
  return d;
}
