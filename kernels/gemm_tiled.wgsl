// GEMM, workgroup-memory tiled with register blocking (the discrete/integrated GPU path).
//   C[b] = act(op(A[b]) · op(B[b]) + bias)
// Same operand addressing as gemm_reg.wgsl (element strides in the uniforms cover transposes and
// batch broadcast). A workgroup of TX×TY invocations computes a (TY·RM)×(TX·RN) tile of C; each
// K step of BK stages an A and a B tile in workgroup memory (zero-filled outside the matrix), then
// each invocation accumulates its RM×RN sub-tile from registers.
//#include gemm_epilogue.wgsl
//#include gemm_addend.wgsl

override TX: u32 = 16u;        // invocations along N
override TY: u32 = 16u;        // invocations along M
override RM: u32 = 4u;         // rows per invocation, at most 8
override RN: u32 = 4u;         // columns per invocation, at most 8
override BK: u32 = 16u;        // K depth of a staged tile
override A_TILE: u32 = BK * TY * RM;
override B_TILE: u32 = BK * TX * RN;

var<workgroup> As: array<f32, A_TILE>;   // [BK][TY·RM]
var<workgroup> Bs: array<f32, B_TILE>;   // [BK][TX·RN]

@compute @workgroup_size(TX, TY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let BM = TY * RM;
  let BN = TX * RN;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let tid = lid.y * TX + lid.x;
  let nthreads = TX * TY;
  // Split-K: z = batch · nsplit + split; this workgroup sums k in [kbeg, kend).
  let z = wid.z / p.nsplit;
  let kbeg = (wid.z % p.nsplit) * p.ksplit;
  let kend = min(p.K, kbeg + p.ksplit);
  let abase = z * p.batch_a;
  let bbase = z * p.batch_b;
  var acc: array<f32, 64>;
  var ar: array<f32, 8>;
  var br: array<f32, 8>;
  for (var k0 = kbeg; k0 < kend; k0 += BK) {
    for (var idx = tid; idx < BM * BK; idx += nthreads) {
      let kk = idx / BM;
      let m = idx % BM;
      let gr = row0 + m;
      let gk = k0 + kk;
      var v = 0.0;
      if (gr < p.M && gk < kend) { v = a[abase + gr * p.sam + gk * p.sak]; }
      As[idx] = v;
    }
    for (var idx = tid; idx < BN * BK; idx += nthreads) {
      let kk = idx / BN;
      let n = idx % BN;
      let gc = col0 + n;
      let gk = k0 + kk;
      var v = 0.0;
      if (gc < p.N && gk < kend) { v = b[bbase + gk * p.sbk + gc * p.sbn]; }
      Bs[idx] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      for (var i = 0u; i < RM; i++) { ar[i] = As[kk * BM + lid.y * RM + i]; }
      for (var j = 0u; j < RN; j++) { br[j] = Bs[kk * BN + lid.x + j * TX]; }
      for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) { acc[i * RN + j] = fma(ar[i], br[j], acc[i * RN + j]); }
      }
    }
    workgroupBarrier();
  }
  let cbase = wid.z * p.batch_c;
  for (var i = 0u; i < RM; i++) {
    let row = row0 + lid.y * RM + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < RN; j++) {
      let col = col0 + lid.x + j * TX;
      if (col < p.N) {
        var v = acc[i * RN + j];
        if (HAS_BIAS) { v += bias[col]; }
        let ci = cbase + row * p.N + col;
        c[ci] = plus_addend(activate(v), ci);
      }
    }
  }
}
