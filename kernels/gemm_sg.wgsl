enable subgroups;
// GEMM and implicit-GEMM convolution, register-blocked, barrier-free, with subgroup broadcasts
// (the fast path on CPU Vulkan drivers such as lavapipe, where a subgroup is one 8-wide SIMD group).
//   C[z] (M×N) = act(A[z] (M×K) · B[z] (K×N) + bias)
// The core (operand modes, B loader, set-up, store) is gemm_regblock.wgsl, shared with gemm_reg.wgsl.
// For every block of SGK values of k, lane l fetches A(row, k + l) for each row and subgroupBroadcast hands the
// values to all lanes: one gather per row per SGK steps instead of SGK slow uniform loads.
//#include gemm_regblock.wgsl

override TM: u32 = 16u;        // rows per invocation, at most 32
override SGK: u32 = 8u;        // subgroup size: 4 or 8; WG is a multiple of SGK

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32) {
  gemm_begin(wid, lid);
  // Lane's position (hi, lo) of k + lane on the A side, advanced by SGK per block.
  let div = select(p.a_div, 0xffffffffu, MODE == 0u);
  var ahi = lane / div;
  var alo = lane % div;
  let qstep = SGK / div;
  let rstep = SGK % div;
  // A split starts at a multiple of SGK (the host rounds ksplit), so the lanes' A positions start aligned.
  let kr = k_range(wid);
  let kmain = kr.y - (kr.y - kr.x) % SGK;
  var k = kr.x;
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
  for (; k < kr.y; k++) {
    load_b();
    for (var i = 0u; i < TM; i++) { mac(i, load_a(i, k)); }
  }
  gemm_store(wid);
}
