enable subgroups;
// Dense GEMM C[z] (M×N) = act(A[z] (M×K) · B[z] (K×N) + bias) with B read from an rgba32float texture that
// a buffer-to-texture copy filled straight from B's storage (src/ops/matmul.ts), in one of two layouts:
//   KV = false (B row-major, K×N):        texel (n / 4, z·K + k) = B(k, n..n+3)
//   KV = true  (Bᵀ stored, N×K: B(k, n) = b[n·K + k]):  texel (k / 4, z·N + n) = B(k..k+3, n)
// (z = 0 when B is shared by every batch item, batch_b = 0).
// Why a texture: lavapipe turns every lane-divergent storage-buffer load into a per-lane loop with a bounds
// test per scalar, while a texel fetch is one vectorised gather of four floats per lane, so one fetch feeds
// four multiply-adds (BENCHMARKS.md, issue 13, s5-big). A is read as in gemm_sg.wgsl: lane l fetches
// A(row, k + l) and subgroupBroadcast hands it to all lanes. Each invocation owns 4 adjacent columns.
//#include gemm_epilogue.wgsl
//#include gemm_addend.wgsl
//#include dropout_hash.wgsl

override TM: u32 = 16u;        // rows per invocation, at most 16 (TM·4 accumulators)
override SGK: u32 = 8u;        // subgroup size: 4 or 8; WG is a multiple of SGK
override KV: bool = false;     // texel layout (above)
override DROPOUT: bool = false; // dropout after the activation, the mask of flat index z·batch_c + row·N + col (as gemm_regblock.wgsl)

var<private> acc: array<f32, 64>;
var<private> ar: array<f32, 16>;
var<private> aoff: array<u32, 16>;
var<private> bv: vec4f;
// KV = false: the next texel to fetch (x = this lane's 4 columns, y = z·K + k).
var<private> texel: vec2u;
// KV = true: the texture rows of this lane's 4 columns, and 4 k values of each column (f[j] = B(k..k+3, col j)).
var<private> trow: vec4u;
var<private> f0: vec4f;
var<private> f1: vec4f;
var<private> f2: vec4f;
var<private> f3: vec4f;

// KV = false: texel rows k … k + 3 of B into f0 … f3 (fetched together, so the fetches overlap), then on to row k + 4.
fn load_rows() {
  f0 = textureLoad(bt, texel, 0);
  f1 = textureLoad(bt, texel + vec2u(0u, 1u), 0);
  f2 = textureLoad(bt, texel + vec2u(0u, 2u), 0);
  f3 = textureLoad(bt, texel + vec2u(0u, 3u), 0);
  texel.y += 4u;
}

// KV = true: B(k..k+3, ·) of the 4 columns (k a multiple of 4).
fn load_cols(k: u32) {
  f0 = textureLoad(bt, vec2u(k / 4u, trow.x), 0);
  f1 = textureLoad(bt, vec2u(k / 4u, trow.y), 0);
  f2 = textureLoad(bt, vec2u(k / 4u, trow.z), 0);
  f3 = textureLoad(bt, vec2u(k / 4u, trow.w), 0);
}

fn mac(i: u32, av: f32) {
  acc[i * 4u] = fma(av, bv.x, acc[i * 4u]);
  acc[i * 4u + 1u] = fma(av, bv.y, acc[i * 4u + 1u]);
  acc[i * 4u + 2u] = fma(av, bv.z, acc[i * 4u + 2u]);
  acc[i * 4u + 3u] = fma(av, bv.w, acc[i * 4u + 3u]);
}

// B(k + t, ·) of this lane's columns into bv, for step t (0…7) of an SGK block, from the texels load_cols / load_rows fetched.
fn next_b(t: u32) {
  let u = t % 4u;
  if (KV) {
    bv = vec4f(f0[u], f1[u], f2[u], f3[u]);
  } else {
    switch (u) {
      case 0u: { bv = f0; }
      case 1u: { bv = f1; }
      case 2u: { bv = f2; }
      default: { bv = f3; }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = wid.y * TM;
  let q = wid.x * WG + lid.x;
  let z = wid.z;
  for (var i = 0u; i < TM; i++) { aoff[i] = z * p.batch_a + min(row0 + i, p.M - 1u) * p.sam; }
  // Lanes past the last column read clamped copies (they must take part in the broadcasts) and store nothing.
  let zb = select(0u, z, p.batch_b != 0u);
  texel = vec2u(min(q, (p.N + 3u) / 4u - 1u), zb * p.K);
  trow = zb * p.N + min(vec4u(q * 4u) + vec4u(0u, 1u, 2u, 3u), vec4u(p.N - 1u));
  let kmain = p.K - p.K % SGK;
  var k = 0u;
  for (; k < kmain; k += SGK) {
    for (var i = 0u; i < TM; i++) { ar[i] = a[aoff[i] + (k + lane) * p.sak]; }
    // subgroupBroadcast takes a constant lane: the steps are written out.
    if (KV) { load_cols(k); } else { load_rows(); }
    next_b(0u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 0u)); }
    next_b(1u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 1u)); }
    next_b(2u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 2u)); }
    next_b(3u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 3u)); }
    if (SGK == 8u) {
      if (KV) { load_cols(k + 4u); } else { load_rows(); }
      next_b(4u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 4u)); }
      next_b(5u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 5u)); }
      next_b(6u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 6u)); }
      next_b(7u); for (var i = 0u; i < TM; i++) { mac(i, subgroupBroadcast(ar[i], 7u)); }
    }
  }
  for (; k < p.K; k++) {
    if (KV) { load_cols(k - k % 4u); next_b(k % 4u); } else { bv = textureLoad(bt, texel, 0); texel.y++; }
    for (var i = 0u; i < TM; i++) { mac(i, a[aoff[i] + k * p.sak]); }
  }
  let cbase = z * p.batch_c;
  // The 4 columns' biases once per invocation, not once per row (each load is a per-lane loop on lavapipe).
  var bcol = vec4f(0.0);
  if (HAS_BIAS) {
    for (var j = 0u; j < 4u; j++) { bcol[j] = bias[min(q * 4u + j, p.N - 1u)]; }
  }
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = q * 4u + j;
      if (col < p.N) {
        var v = acc[i * 4u + j];
        if (HAS_BIAS) { v += bcol[j]; }
        let ci = cbase + row * p.N + col;
        var o = activate(v);
        if (DROPOUT) { o = select(0.0, o * p.drop_scale, dropout_keep(ci, p.drop_seed, p.drop_threshold)); }
        c[ci] = plus_addend(o, ci);
      }
    }
  }
}
