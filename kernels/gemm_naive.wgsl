// Naive GEMM reference kernel for benchmarks: one output element per invocation, every operand read
// straight from storage. Same uniforms and bindings as gemm_reg.wgsl (no bias/activation).
override WX: u32 = 16u;
override WY: u32 = 16u;

@compute @workgroup_size(WX, WY)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row = gid.y;
  let col = gid.x;
  if (row >= p.M || col >= p.N) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) {
    s = fma(a[gid.z * p.batch_a + row * p.sam + k * p.sak], b[gid.z * p.batch_b + k * p.sbk + col * p.sbn], s);
  }
  c[gid.z * p.batch_c + row * p.N + col] = s;
}
