// Elementwise binary ops on f32 with NumPy broadcasting (rank <= 8). The output is contiguous;
// each operand carries strides in the output's index space (0 on broadcast dimensions).
// BROADCAST=false is the fast path for equal shapes (no index arithmetic).
// `apply(u, v)` is generated from BINARY_OP_TABLE in src/kernels/descriptors.ts (also the TS op names).
//#include common.wgsl
//#include safe_math.wgsl

override OP: u32 = 0u;
override BROADCAST: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  if (!BROADCAST) {
    y[i] = apply(a[i], b[i]);
    return;
  }
  var ia = 0u;
  var ib = 0u;
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let s = p.shape[k / 4u][k % 4u];
    let c = rem % s;
    rem = rem / s;
    ia += c * p.sa[k / 4u][k % 4u];
    ib += c * p.sb[k / 4u][k % 4u];
  }
  y[i] = apply(a[ia], b[ib]);
}
