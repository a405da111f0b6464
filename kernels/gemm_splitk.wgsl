// Second pass of a split-K GEMM (src/ops/matmul.ts): the first pass (gemm_sg / gemm_reg / gemm_tiled with
// nsplit > 1) wrote S partial products per output, laid out [batch, S, M, N]; this sums them in split order,
// then applies the shared epilogue (column bias, activation, addend) and writes C [batch, M, N].
// Splitting K feeds more workgroups when M·N is small and K long (M = 32 rows against 4096-long K).
//#include common.wgsl
//#include gemm_epilogue.wgsl
//#include gemm_addend.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let r = i % p.MN;
  let base = (i - r) * p.S + r;
  var s = 0.0;
  for (var j = 0u; j < p.S; j++) { s += part[base + j * p.MN]; }
  if (HAS_BIAS) { s += bias[r % p.N]; }
  c[i] = plus_addend(activate(s), i);
}
