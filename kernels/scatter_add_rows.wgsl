// Backward of gather (scatter-add) without atomics: dx[r, j] = Σ g[k, j] over the k with idx[k] == r,
// summed in k order (deterministic, no float atomics). One invocation per (row r, block of CB columns):
// it scans the index list once for its row and adds only the matching rows of g, so the cost is
// O(rows·m·d/CB + m·d) instead of one scan per output element.
//#include common.wgsl
//#include row_block.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.rows * p.blocks) { return; }
  let t = row_block(i, p.rows);
  for (var j = t.j0; j < t.j1; j++) { dx[t.r * p.d + j] = 0.0; }
  for (var k = 0u; k < p.m; k++) {
    if (idx[k] == t.r) {
      for (var j = t.j0; j < t.j1; j++) { dx[t.r * p.d + j] += g[k * p.d + j]; }
    }
  }
}
