// GEMM and implicit-GEMM convolution, register-blocked and barrier-free, without subgroups, for
// adapters that lack the subgroups feature: gemm_regblock.wgsl's core (operand modes: read its header)
// with a k loop that reads A with one (uniform) load per row and k (gemm_sg.wgsl broadcasts instead).
//#include gemm_regblock.wgsl

override TM: u32 = 8u;         // rows per invocation, at most 32

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  gemm_begin(wid, lid);
  // A-side position (hi, lo) of k for modes 1-3.
  var ahi = 0u;
  var alo = 0u;
  let kr = k_range(wid);
  for (var k = kr.x; k < kr.y; k++) {
    load_b();
    if (MODE == 0u) {
      for (var i = 0u; i < TM; i++) { mac(i, a[aoff[i] + k * p.sak]); }
    } else {
      let off = ahi * p.a_hi + alo * p.sak;
      for (var i = 0u; i < TM; i++) { mac(i, a[aoff[i] + off]); }
      alo++;
      if (alo == p.a_div) { alo = 0u; ahi++; }
    }
  }
  gemm_store(wid);
}
