// Backward of a linear layer's epilogue y = act(x·W + b) in one pass (src/ops/matmul.ts): per column n of
// the [rows, N] output, gz = act'(y)·g (written when WANT_GZ) and the bias gradient Σ_rows gz (written when
// WANT_BIAS). Replaces an elementwise activation-backward dispatch and a column-sum reduction. Each
// invocation walks the rows for EPI = 4 adjacent columns (the last one for the 1–3 left over), summing
// each column in row order as one invocation per column did: on lavapipe the per-row cost of an
// invocation (loop, addresses, bounds) then covers four columns instead of one.
//#include common.wgsl
//#include gemm_epilogue.wgsl

override WANT_GZ: bool = true;
override WANT_BIAS: bool = true;

const_assert EPI == 4u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = global_index(gid, nwg) * EPI;
  if (n >= p.N) { return; }
  // Columns n … n + m − 1; a missing column's loads repeat column n (kept in range, results unused).
  let m = min(p.N - n, EPI);
  let k = vec3u(min(1u, m - 1u), min(2u, m - 1u), min(3u, m - 1u));
  var acc = vec4f(0.0);
  for (var r = 0u; r < p.rows; r++) {
    let i = r * p.N + n;
    let v = vec4f(activate_grad(y[i], g[i]), activate_grad(y[i + k.x], g[i + k.x]),
                  activate_grad(y[i + k.y], g[i + k.y]), activate_grad(y[i + k.z], g[i + k.z]));
    if (WANT_GZ) {
      gz[i] = v.x;
      if (m > 1u) { gz[i + 1u] = v.y; }
      if (m > 2u) { gz[i + 2u] = v.z; }
      if (m > 3u) { gz[i + 3u] = v.w; }
    }
    acc += v;
  }
  if (WANT_BIAS) {
    gbias[n] = acc.x;
    if (m > 1u) { gbias[n + 1u] = acc.y; }
    if (m > 2u) { gbias[n + 2u] = acc.z; }
    if (m > 3u) { gbias[n + 3u] = acc.w; }
  }
}
