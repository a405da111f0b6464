// Scaled dot-product attention over heads read in place from the token layout, so no permutes are needed:
// q, k, v, o are [B, T, d] with head h in columns h·dh … h·dh + dh − 1 (d = H·dh), i.e. exactly the output
// of the Q/K/V projections ([B·T, d]). One invocation per (b, h, row), no barriers; rows = B·H·T.
//   main (forward): o_i = Σ_j softmax_j(scale·q_i·k_j) v_j (online softmax), lse_i = log Σ_j exp(scale·q_i·k_j)
//   dq:  dq_i = scale Σ_j p_ij (g_i·v_j − g_i·o_i) k_j                                    (out1 = dq)
//   dkv: dk_j = scale Σ_i p_ij (g_i·v_j − g_i·o_i) q_i, dv_j = Σ_i p_ij g_i             (out1 = dk, out2 = dv)
// with p_ij = exp(scale·q_i·k_j − lse_i) recomputed from the saved lse. Each entry point uses a prefix of
// the bindings (forward 1–5, dq 1–7, dkv 1–8). dh ≤ MAX_DH (the wrapper checks).
//#include common.wgsl
//#include attention_rows.wgsl

// Row r, ordered (item, head, token): its head h, item b, the (item, head) pair bh and the token's offset.
struct HeadRow { h: u32, b: u32, bh: u32, at: u32 }

fn head_row(r: u32) -> HeadRow {
  let bh = r / p.T;
  let h = bh % p.H;
  let b = bh / p.H;
  return HeadRow(h, b, bh, at_row(b, r % p.T, h));
}

fn dot_qk(a: u32, c: u32) -> f32 {
  var s = 0.0;
  for (var e = 0u; e < DH; e++) { s += q[a + e] * k[c + e]; }
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let me = head_row(r);
  let qi = me.at;
  var acc: array<f32, MAX_DH>;
  var m = -bitcast<f32>(0x7f7fffffu);
  var l = 0.0;
  for (var j = 0u; j < p.T; j++) {
    let kj = at_row(me.b, j, me.h);
    let s = p.scale * dot_qk(qi, kj);
    let mn = max(m, s);
    let c = exp(m - mn);
    let w = exp(s - mn);
    l = l * c + w;
    for (var e = 0u; e < DH; e++) { acc[e] = acc[e] * c + w * v[kj + e]; }
    m = mn;
  }
  let inv = 1.0 / l;
  for (var e = 0u; e < DH; e++) { o[qi + e] = acc[e] * inv; }
  lse[r] = m + log(l);
}

// g_i · o_i (the softmax-backward row term D_i).
fn dot_go(a: u32) -> f32 {
  var s = 0.0;
  for (var e = 0u; e < DH; e++) { s += g[a + e] * o[a + e]; }
  return s;
}

fn dot_gv(a: u32, c: u32) -> f32 {
  var s = 0.0;
  for (var e = 0u; e < DH; e++) { s += g[a + e] * v[c + e]; }
  return s;
}

@compute @workgroup_size(WG)
fn dq(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let me = head_row(r);
  let qi = me.at;
  let di = dot_go(qi);
  let li = lse[r];
  var acc: array<f32, MAX_DH>;
  for (var j = 0u; j < p.T; j++) {
    let kj = at_row(me.b, j, me.h);
    let pij = exp(p.scale * dot_qk(qi, kj) - li);
    let ds = pij * (dot_gv(qi, kj) - di);
    for (var e = 0u; e < DH; e++) { acc[e] += ds * k[kj + e]; }
  }
  for (var e = 0u; e < DH; e++) { out1[qi + e] = p.scale * acc[e]; }
}

@compute @workgroup_size(WG)
fn dkv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let me = head_row(r);
  let kj = me.at;
  var ak: array<f32, MAX_DH>;
  var av: array<f32, MAX_DH>;
  for (var i = 0u; i < p.T; i++) {
    let qi = at_row(me.b, i, me.h);
    let pij = exp(p.scale * dot_qk(qi, kj) - lse[me.bh * p.T + i]);
    let ds = pij * (dot_gv(qi, kj) - dot_go(qi));
    for (var e = 0u; e < DH; e++) {
      ak[e] += ds * q[qi + e];
      av[e] += pij * g[qi + e];
    }
  }
  for (var e = 0u; e < DH; e++) {
    out1[kj + e] = p.scale * ak[e];
    out2[kj + e] = av[e];
  }
}
