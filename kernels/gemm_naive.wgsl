// Naive GEMM reference kernel for benchmarks: one output element per invocation, every operand read
// straight from storage. Same uniforms and bindings as gemm_reg.wgsl (no bias/activation).
struct Params {
  M: u32, N: u32, K: u32, act_alpha: f32,
  sam: u32, sak: u32, sbk: u32, sbn: u32,
  batch_a: u32, batch_b: u32, batch_c: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

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
