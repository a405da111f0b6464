// The register-blocked GEMM core shared by gemm_sg.wgsl (subgroup broadcasts) and gemm_reg.wgsl
// (plain loads): operand addressing for every MODE, the B-row loader, the multiply-accumulate, and the
// per-invocation set-up and store. The including kernel declares WG and TM and runs the k loop.
// A workgroup of WG invocations shares TM rows (row indices depend only on workgroup_id); each
// invocation owns TN columns strided by WG so neighbouring lanes read neighbouring columns.
// MODE selects how B (and A's k index) are addressed:
//   0 dense:   A(m,k) = a[z·batch_a + m·sam + k·sak],  B(k,n) = b[z·batch_b + k·sbk + n·sbn]
//   1 conv2d forward (implicit im2col), z = image:   A = w [O, C·KH·KW],  B(k=(c,kh,kw), n=(oh,ow)) = x
//   2 conv2d backward data, z = image:  A(c, k=(o,r)) = w[o·a_hi + c·sam + r],  B(k=(o,kh,kw), n=(ih,iw)) = dy
//   3 conv2d backward filter (z = 0):   A(o, k=(n,p)) = dy[n·a_hi + o·sam + p],  B(k=(n,oh,ow), n=(c,kh,kw)) = x
// For modes 1–3, k splits as (k / a_div, k % a_div) on the A side. Out-of-range taps read as zero.
//#include gemm_epilogue.wgsl
//#include gemm_addend.wgsl
//#include dropout_hash.wgsl

override TN: u32 = 2u;         // columns per invocation, at most 8; TM·TN ≤ 64
override MODE: u32 = 0u;
override BIAS_ROWS: bool = false;  // bias indexed by row (conv channels) instead of column
// Dropout after the activation (dense, unsplit GEMMs only; src/ops/linear-dropout.ts): the mask of
// element (row, col) is the separate dropout pass's for flat index batch_c·z + row·N + col.
override DROPOUT: bool = false;

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
var<private> row0: u32;
var<private> col0: u32;
// This workgroup's range [x, y) of k: all of it, or one split of a split-K GEMM (mode 0 only; see
// descriptors.ts). A function of wid and uniforms, so the k loop stays in subgroup-uniform control flow
// (a private variable would not).
fn k_range(wid: vec3u) -> vec2u {
  let k0 = (wid.z % p.nsplit) * p.ksplit;
  return vec2u(k0, min(p.K, k0 + p.ksplit));
}

// Row offsets of A, and B's column offsets or image positions for this invocation's TN columns.
fn gemm_begin(wid: vec3u, lid: vec3u) {
  row0 = wid.y * TM;
  col0 = wid.x * WG * TN + lid.x;
  let z = wid.z / p.nsplit;
  kb = k_range(wid).x;
  for (var i = 0u; i < TM; i++) { aoff[i] = z * p.batch_a + min(row0 + i, p.M - 1u) * p.sam; }
  bbase = z * p.batch_b;
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
}

// Bias, activation and the store of the TM×TN accumulators (a split-K pass stores its partial sums at
// batch_c = M·N per split, with no bias and no activation: gemm_splitk.wgsl adds them).
fn gemm_store(wid: vec3u) {
  let cbase = wid.z * p.batch_c;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = col0 + j * WG;
      if (col < p.N) {
        var v = acc[i * TN + j];
        if (HAS_BIAS) { v += bias[select(col, row, BIAS_ROWS)]; }
        let ci = cbase + row * p.N + col;
        var o = activate(v);
        if (DROPOUT) { o = select(0.0, o * p.drop_scale, dropout_keep(ci, p.drop_seed, p.drop_threshold)); }
        c[ci] = plus_addend(o, ci);
      }
    }
  }
}
