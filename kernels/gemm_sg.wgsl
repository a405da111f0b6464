enable subgroups;
// GEMM and implicit-GEMM convolution, register-blocked, barrier-free, with subgroup broadcasts
// (the fast path on CPU Vulkan drivers such as lavapipe, where a subgroup is one 8-wide SIMD group).
//   C[z] (M×N) = act(A[z] (M×K) · B[z] (K×N) + bias)
// A workgroup of WG invocations shares TM rows (row indices depend only on workgroup_id); each
// invocation owns TN columns strided by WG so neighbouring lanes read neighbouring columns. For every
// block of SGK values of k, lane l fetches A(row, k + l) for each row and subgroupBroadcast hands the
// values to all lanes: one gather per row per SGK steps instead of SGK slow uniform loads.
// gemm_reg.wgsl is the same kernel without subgroups (keep the two in step).
//
// MODE selects how B (and A's k index) are addressed:
//   0 dense:   A(m,k) = a[z·batch_a + m·sam + k·sak],  B(k,n) = b[z·batch_b + k·sbk + n·sbn]
//   1 conv2d forward (implicit im2col), z = image:   A = w [O, C·KH·KW],  B(k=(c,kh,kw), n=(oh,ow)) = x
//   2 conv2d backward data, z = image:  A(c, k=(o,r)) = w[o·a_hi + c·sam + r],  B(k=(o,kh,kw), n=(ih,iw)) = dy
//   3 conv2d backward filter (z = 0):   A(o, k=(n,p)) = dy[n·a_hi + o·sam + p],  B(k=(n,oh,ow), n=(c,kh,kw)) = x
// For modes 1–3, k splits as (k / a_div, k % a_div) on the A side. Out-of-range taps read as zero.
struct Params {
  M: u32, N: u32, K: u32, act_alpha: f32,
  sam: u32, sak: u32, sbk: u32, sbn: u32,
  batch_a: u32, batch_b: u32, batch_c: u32, a_div: u32,
  a_hi: u32, C: u32, H: u32, W: u32,
  KH: u32, KW: u32, SH: u32, SW: u32,
  PH: u32, PW: u32, DH: u32, DW: u32,
  OH: u32, OW: u32, inv_sh: f32, inv_sw: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // any buffer when HAS_BIAS is false
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override WG: u32 = 8u;         // invocations per workgroup, a multiple of SGK
override TM: u32 = 16u;        // rows per invocation, at most 32
override TN: u32 = 2u;         // columns per invocation, at most 8; TM·TN ≤ 64
override SGK: u32 = 8u;        // subgroup size: 4 or 8
override MODE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_ROWS: bool = false;  // bias indexed by row (conv channels) instead of column
override ACT: u32 = 0u;        // 0 none, 1 relu, 2 tanh, 3 sigmoid, 4 tanh(act_alpha·x)

var<private> acc: array<f32, 64>;
var<private> bv: array<f32, 8>;
var<private> ar: array<f32, 32>;
var<private> aoff: array<u32, 32>;
var<private> boff: array<u32, 8>;
var<private> bi: array<i32, 8>;
var<private> bj: array<i32, 8>;
// B-side position of k (uniform): mode 0 k; modes 1, 2 (c|o, kh, kw); mode 3 (n, oh, ow).
var<private> kb: u32;
var<private> kc0: u32;
var<private> kc1: u32;
var<private> kc2: u32;
var<private> bbase: u32;

fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return tanh(x); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return tanh(p.act_alpha * x); }
    default: { return x; }
  }
}

fn in_image(ih: i32, iw: i32) -> bool {
  return ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
}

// Load row k of B (the current counters) into bv, then advance the counters to k + 1.
fn load_b() {
  if (MODE == 0u) {
    for (var j = 0u; j < TN; j++) { bv[j] = b[boff[j] + kb * p.sbk]; }
    kb++;
    return;
  }
  if (MODE == 1u) {
    let khd = i32(kc1 * p.DH);
    let kwd = i32(kc2 * p.DW);
    let base = bbase + kc0 * p.H * p.W;
    for (var j = 0u; j < TN; j++) {
      let ih = bi[j] + khd;
      let iw = bj[j] + kwd;
      let ok = in_image(ih, iw);
      bv[j] = select(0.0, b[select(0u, base + u32(ih) * p.W + u32(iw), ok)], ok);
    }
  } else if (MODE == 2u) {
    let khd = i32(kc1 * p.DH);
    let kwd = i32(kc2 * p.DW);
    let base = bbase + kc0 * p.OH * p.OW;
    for (var j = 0u; j < TN; j++) {
      let th = bi[j] - khd;
      let tw = bj[j] - kwd;
      let thc = u32(max(th, 0));
      let twc = u32(max(tw, 0));
      // Exact integer quotients for th < 2^20 and strides ≤ 16: floor((t + 0.5) / s).
      let oh = u32((f32(thc) + 0.5) * p.inv_sh);
      let ow = u32((f32(twc) + 0.5) * p.inv_sw);
      let ok = th >= 0 && tw >= 0 && oh * p.SH == thc && ow * p.SW == twc && oh < p.OH && ow < p.OW;
      bv[j] = select(0.0, b[select(0u, base + oh * p.OW + ow, ok)], ok);
    }
  } else {
    let ihb = i32(kc1 * p.SH) - i32(p.PH);
    let iwb = i32(kc2 * p.SW) - i32(p.PW);
    let base = kc0 * p.C * p.H * p.W;
    for (var j = 0u; j < TN; j++) {
      let ih = ihb + bi[j];
      let iw = iwb + bj[j];
      let ok = in_image(ih, iw);
      bv[j] = select(0.0, b[select(0u, base + boff[j] + u32(ih) * p.W + u32(iw), ok)], ok);
    }
  }
  // Advance (kc0, kc1, kc2) with extents (·, L1, L2).
  let l1 = select(p.KH, p.OH, MODE == 3u);
  let l2 = select(p.KW, p.OW, MODE == 3u);
  kc2++;
  if (kc2 == l2) {
    kc2 = 0u;
    kc1++;
    if (kc1 == l1) { kc1 = 0u; kc0++; }
  }
}

fn mac(i: u32, av: f32) {
  for (var j = 0u; j < TN; j++) { acc[i * TN + j] = fma(av, bv[j], acc[i * TN + j]); }
}

// A(row i, k) for a uniform k (the K tail).
fn load_a(i: u32, k: u32) -> f32 {
  if (MODE == 0u) { return a[aoff[i] + k * p.sak]; }
  return a[aoff[i] + (k / p.a_div) * p.a_hi + (k % p.a_div) * p.sak];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = wid.y * TM;
  let col0 = wid.x * WG * TN + lid.x;
  for (var i = 0u; i < TM; i++) { aoff[i] = wid.z * p.batch_a + min(row0 + i, p.M - 1u) * p.sam; }
  bbase = wid.z * p.batch_b;
  for (var j = 0u; j < TN; j++) {
    let col = min(col0 + j * WG, p.N - 1u);
    if (MODE == 0u) {
      boff[j] = bbase + col * p.sbn;
    } else if (MODE == 1u) {
      bi[j] = i32((col / p.OW) * p.SH) - i32(p.PH);
      bj[j] = i32((col % p.OW) * p.SW) - i32(p.PW);
    } else if (MODE == 2u) {
      bi[j] = i32(col / p.W + p.PH);
      bj[j] = i32(col % p.W + p.PW);
    } else {
      let kk = p.KH * p.KW;
      let r = col % kk;
      boff[j] = (col / kk) * p.H * p.W;
      bi[j] = i32((r / p.KW) * p.DH);
      bj[j] = i32((r % p.KW) * p.DW);
    }
  }
  // Lane's position (hi, lo) of k + lane on the A side, advanced by SGK per block.
  let div = select(p.a_div, 0xffffffffu, MODE == 0u);
  var ahi = lane / div;
  var alo = lane % div;
  let qstep = SGK / div;
  let rstep = SGK % div;
  let kmain = p.K - p.K % SGK;
  var k = 0u;
  for (; k < kmain; k += SGK) {
    if (MODE == 0u) {
      for (var i = 0u; i < TM; i++) { ar[i] = a[aoff[i] + (k + lane) * p.sak]; }
    } else {
      let off = ahi * p.a_hi + alo * p.sak;
      for (var i = 0u; i < TM; i++) { ar[i] = a[aoff[i] + off]; }
      alo += rstep;
      ahi += qstep;
      if (alo >= div) { alo -= div; ahi++; }
    }
    load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 0u)); }
    load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 1u)); }
    load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 2u)); }
    load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 3u)); }
    if (SGK == 8u) {
      load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 4u)); }
      load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 5u)); }
      load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 6u)); }
      load_b(); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 7u)); }
    }
  }
  for (; k < p.K; k++) {
    load_b();
    for (var i = 0u; i < TM; i++) { mac(i, load_a(i, k)); }
  }
  let cbase = wid.z * p.batch_c;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WG;
      if (col < p.N) {
        var v = acc[i * TN + j];
        if (HAS_BIAS) { v += bias[select(col, row, BIAS_ROWS)]; }
        c[cbase + row * p.N + col] = activate(v);
      }
    }
  }
}
