// GEMM, register-blocked and barrier-free (the CPU-Vulkan path: lavapipe, SwiftShader).
//   C[b] = act(op(A[b]) · op(B[b]) + bias)
// Operands are addressed through element strides in the uniforms, so one pipeline serves every
// transpose combination and batch broadcast: A(m, k) = a[b·batch_a + m·sam + k·sak],
// B(k, n) = b[b·batch_b + k·sbk + n·sbn]. A workgroup is a row of WG invocations that share TM rows
// (row indices depend only on workgroup_id, so A loads are uniform scalar loads); each invocation
// owns TN columns strided by WG, so neighbouring invocations (SIMD lanes) read neighbouring columns.
// Loads clamp their indices into range; stores are guarded.
struct Params {
  M: u32, N: u32, K: u32, act_alpha: f32,
  sam: u32, sak: u32, sbk: u32, sbn: u32,
  batch_a: u32, batch_b: u32, batch_c: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // any buffer when HAS_BIAS is false
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override WG: u32 = 16u;        // invocations per workgroup (along N)
override TM: u32 = 8u;         // rows per invocation, at most 16
override TN: u32 = 2u;         // columns per invocation, at most 8; TM·TN ≤ 64
override KU: u32 = 4u;         // K-loop unroll factor (1, 2, 4 or 8)
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;        // 0 none, 1 relu, 2 tanh, 3 sigmoid, 4 tanh(act_alpha·x)

fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return tanh(x); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return tanh(p.act_alpha * x); }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * WG * TN + lid.x;
  var aoff: array<u32, 16>;
  var boff: array<u32, 8>;
  for (var i = 0u; i < TM; i++) { aoff[i] = wid.z * p.batch_a + min(row0 + i, p.M - 1u) * p.sam; }
  for (var j = 0u; j < TN; j++) { boff[j] = wid.z * p.batch_b + min(col0 + j * WG, p.N - 1u) * p.sbn; }
  var acc: array<f32, 64>;
  var bv: array<f32, 8>;
  let kmain = p.K - p.K % KU;
  var k = 0u;
  for (; k < kmain; k += KU) {
    for (var u = 0u; u < KU; u++) {
      for (var j = 0u; j < TN; j++) { bv[j] = b[boff[j] + (k + u) * p.sbk]; }
      for (var i = 0u; i < TM; i++) {
        let av = a[aoff[i] + (k + u) * p.sak];
        for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(av, bv[j], acc[i * TN + j]); }
      }
    }
  }
  for (; k < p.K; k++) {
    for (var j = 0u; j < TN; j++) { bv[j] = b[boff[j] + k * p.sbk]; }
    for (var i = 0u; i < TM; i++) {
      let av = a[aoff[i] + k * p.sak];
      for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(av, bv[j], acc[i * TN + j]); }
    }
  }
  let cbase = wid.z * p.batch_c;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WG;
      if (col < p.N) {
        var v = acc[i * TN + j];
        if (HAS_BIAS) { v += bias[col]; }
        c[cbase + row * p.N + col] = activate(v);
      }
    }
  }
}
