// Row replacement, second half: y already holds a copy of x (a buffer copy recorded by
// src/ops/layout.ts scatterRows); row idx[k] of y becomes row k of v. One invocation per (k, block of CB
// columns), O(m·d) copies. Every replaced row is written by exactly one invocation: the one with the
// last k that names it (a later equal entry makes the earlier ones skip), so repeats are deterministic
// (last wins) without atomics; entries >= rows replace nothing. Words are copied as raw 32-bit values.
//#include common.wgsl
//#include row_block.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.m * p.blocks) { return; }
  let t = row_block(i, p.m);
  let r = idx[t.r];
  if (r >= p.rows) { return; }
  for (var k = t.r + 1u; k < p.m; k++) {
    if (idx[k] == r) { return; }
  }
  for (var j = t.j0; j < t.j1; j++) { y[r * p.d + j] = v[t.r * p.d + j]; }
}
