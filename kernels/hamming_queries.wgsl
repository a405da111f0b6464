// Shared by hamming_hist.wgsl and hamming_emit.wgsl (both have `queries` and Params { nq, last_mask, … } from
// their descriptors, and declare WORDS and QPI): the QPI query codes invocation q0 scans with, the last word masked to the code width.
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
