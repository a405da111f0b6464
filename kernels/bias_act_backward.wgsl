// Backward of a linear layer's epilogue y = act(x·W + b) in one pass (src/ops/matmul.ts): per column n of
// the [rows, N] output, gz = act'(y)·g (written when WANT_GZ) and the bias gradient Σ_rows gz (written when
// WANT_BIAS). Replaces an elementwise activation-backward dispatch and a column-sum reduction. One
// invocation per column walking the rows: adjacent invocations read adjacent columns.
//#include common.wgsl
//#include gemm_epilogue.wgsl

override WANT_GZ: bool = true;
override WANT_BIAS: bool = true;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = global_index(gid, nwg);
  if (n >= p.N) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r++) {
    let i = r * p.N + n;
    let v = activate_grad(y[i], g[i]);
    if (WANT_GZ) { gz[i] = v; }
    acc += v;
  }
  if (WANT_BIAS) { gbias[n] = acc; }
}
