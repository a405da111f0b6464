// Row replacement: y[r, :] = v[k, :] for the last k with idx[k] == r, else x[r, :] (index entries
// >= rows replace nothing). Each output row is written once, by the invocation that owns it, from the
// one row that maps to it: O(rows·m·d/CB) index compares and O(rows·d) copies, no accumulation.
// One invocation per (row r, block of CB columns); words are copied as raw 32-bit values.
//#include common.wgsl
//#include row_block.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.rows * p.blocks) { return; }
  let t = row_block(i);
  var src = p.m;
  for (var k = 0u; k < p.m; k++) {
    if (idx[k] == t.r) { src = k; }
  }
  if (src == p.m) {
    for (var j = t.j0; j < t.j1; j++) { y[t.r * p.d + j] = x[t.r * p.d + j]; }
  } else {
    for (var j = t.j0; j < t.j1; j++) { y[t.r * p.d + j] = v[src * p.d + j]; }
  }
}
