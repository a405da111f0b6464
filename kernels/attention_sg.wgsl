enable subgroups;
// The fused attention of attention.wgsl (same maths, bindings and outputs) for adapters with a fixed subgroup
// size SG of 4 or 8, where one workgroup is one subgroup. The lanes of a workgroup take SG consecutive rows of
// one (item, head) — query rows in main/dq, key rows in dkv — so the rows they all need (k_j, v_j in main/dq;
// q_i, g_i in dkv) are the same for every lane: lane l loads elements l, l + SG, … of such a row and
// subgroupBroadcast hands each value to all lanes. On lavapipe every lane-divergent load is a per-lane loop
// (≈ 12 instructions per lane), so this turns the 2–4 row loads per (i, j) pair of the per-row kernel
// (dh loads each) into dh/SG loads each; the lane's own rows are loaded once. Bindings as attention.wgsl, except:
// dq also writes D_i = g_i·o_i ([B, H, T]) to out2, and dkv reads that D in the place of o (dq runs first).
//   rows of a workgroup: group g = bh · chunks + c (bh = b·H + h), lane l → row c·SG + l (lanes ≥ T load row
//   T − 1 and write nothing). lanes = groups · SG, the grid.
//#include attention_rows.wgsl

override SG: u32 = 8u;
// Elements of a head row each lane carries for a broadcast row: ⌈DH / SG⌉ (≤ 16).
override NC: u32 = (DH + SG - 1u) / SG;
const MAX_NC = 16u;

// The SG values of x across the subgroup (lane u's value at [u]); SG is 4 or 8.
fn spread(x: f32) -> array<f32, 8> {
  var r: array<f32, 8>;
  r[0] = subgroupBroadcast(x, 0u);
  r[1] = subgroupBroadcast(x, 1u);
  r[2] = subgroupBroadcast(x, 2u);
  r[3] = subgroupBroadcast(x, 3u);
  if (SG == 8u) {
    r[4] = subgroupBroadcast(x, 4u);
    r[5] = subgroupBroadcast(x, 5u);
    r[6] = subgroupBroadcast(x, 6u);
    r[7] = subgroupBroadcast(x, 7u);
  }
  return r;
}

// Element a of q (0), k (1), v (2), g (3) or o (4); `which` is a constant at every call, so the switch folds
// away. Every entry point thus statically uses g: the forward binds q in its place (a read-only alias).
fn load(which: u32, a: u32) -> f32 {
  switch which {
    case 0u: { return q[a]; }
    case 1u: { return k[a]; }
    case 2u: { return v[a]; }
    case 3u: { return g[a]; }
    default: { return o[a]; }
  }
}

// Lane's share of a broadcast head row: elements lane + c·SG (c < NC), 0 past DH (there the load repeats
// element DH − 1), so products with the padded shares vanish.
fn share(which: u32, base: u32, lane: u32) -> array<f32, MAX_NC> {
  var r: array<f32, MAX_NC>;
  for (var c = 0u; c < NC; c++) {
    let e = c * SG + lane;
    r[c] = select(0.0, load(which, base + min(e, DH - 1u)), e < DH);
  }
  return r;
}

// The lane's own head row at `base` (zero past DH).
fn own(which: u32, base: u32) -> array<f32, MAX_DH> {
  var r: array<f32, MAX_DH>;
  for (var e = 0u; e < DH; e++) { r[e] = load(which, base + e); }
  return r;
}

// Σ_e mine[e] · row[e] for the broadcast row whose lane shares are `sh`.
fn dot_shared(mine: ptr<function, array<f32, MAX_DH>>, sh: ptr<function, array<f32, MAX_NC>>) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < NC; c++) {
    let b = spread((*sh)[c]);
    for (var u = 0u; u < SG; u++) { s += (*mine)[c * SG + u] * b[u]; }
  }
  return s;
}

// acc[e] = acc[e] · keep + w · row[e] for the broadcast row whose lane shares are `sh`.
fn axpy_shared(acc: ptr<function, array<f32, MAX_DH>>, keep: f32, w: f32, sh: ptr<function, array<f32, MAX_NC>>) {
  for (var c = 0u; c < NC; c++) {
    let b = spread((*sh)[c]);
    for (var u = 0u; u < SG; u++) { (*acc)[c * SG + u] = (*acc)[c * SG + u] * keep + w * b[u]; }
  }
}

struct Group { b: u32, h: u32, bh: u32, c: u32, live: bool }

// The workgroup's (item, head, row chunk); live = false for the padding workgroups of a folded grid.
fn group_of(wid: vec3u, nwg: vec3u) -> Group {
  let w = wid.x + wid.y * nwg.x;
  let bh = w / p.chunks;
  return Group(bh / p.H, bh % p.H, bh, w % p.chunks, w < p.lanes / SG);
}

// The lane's row: index (≥ T on the padding lanes: nothing is written), the index clamped to a real row, and
// that row's offset.
struct Row { idx: u32, clamped: u32, at: u32 }

fn row_of(gr: Group, lane: u32) -> Row {
  let r = gr.c * SG + lane;
  let rc = min(r, p.T - 1u);
  return Row(r, rc, at_row(gr.b, rc, gr.h));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let gr = group_of(wid, nwg);
  if (!gr.live) { return; }
  let me = row_of(gr, lane);
  let qi = me.at;
  var qr = own(0u, qi);
  var acc: array<f32, MAX_DH>;
  var m = -bitcast<f32>(0x7f7fffffu);
  var l = 0.0;
  for (var j = 0u; j < p.T; j++) {
    let kj = at_row(gr.b, j, gr.h);
    var ks = share(1u, kj, lane);
    var vs = share(2u, kj, lane);
    let s = p.scale * dot_shared(&qr, &ks);
    let mn = max(m, s);
    let c = exp(m - mn);
    let w = exp(s - mn);
    l = l * c + w;
    axpy_shared(&acc, c, w, &vs);
    m = mn;
  }
  if (me.idx < p.T) {
    let inv = 1.0 / l;
    for (var e = 0u; e < DH; e++) { o[qi + e] = acc[e] * inv; }
    lse[gr.bh * p.T + me.idx] = m + log(l);
  }
}

@compute @workgroup_size(WG)
fn dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let gr = group_of(wid, nwg);
  if (!gr.live) { return; }
  let me = row_of(gr, lane);
  let qi = me.at;
  var qr = own(0u, qi);
  var gi = own(3u, qi);
  var di = 0.0;
  for (var e = 0u; e < DH; e++) { di += gi[e] * load(4u, qi + e); }
  let li = lse[gr.bh * p.T + me.clamped];
  var acc: array<f32, MAX_DH>;
  for (var j = 0u; j < p.T; j++) {
    let kj = at_row(gr.b, j, gr.h);
    var ks = share(1u, kj, lane);
    var vs = share(2u, kj, lane);
    let pij = exp(p.scale * dot_shared(&qr, &ks) - li);
    let ds = pij * (dot_shared(&gi, &vs) - di);
    axpy_shared(&acc, 1.0, ds, &ks);
  }
  if (me.idx < p.T) {
    for (var e = 0u; e < DH; e++) { out1[qi + e] = p.scale * acc[e]; }
    // D_i for dkv, which then needs neither o nor a subgroup sum per query row.
    out2[gr.bh * p.T + me.idx] = di;
  }
}

@compute @workgroup_size(WG)
fn dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let gr = group_of(wid, nwg);
  if (!gr.live) { return; }
  let me = row_of(gr, lane);
  let kj = me.at;
  var kr = own(1u, kj);
  var vr = own(2u, kj);
  var ak: array<f32, MAX_DH>;
  var av: array<f32, MAX_DH>;
  for (var i = 0u; i < p.T; i++) {
    let qi = at_row(gr.b, i, gr.h);
    var qs = share(0u, qi, lane);
    var gs = share(3u, qi, lane);
    // In dkv the o binding holds D = g·o per row (dq's out2), [B, H, T] like lse.
    let di = o[gr.bh * p.T + i];
    let pij = exp(p.scale * dot_shared(&kr, &qs) - lse[gr.bh * p.T + i]);
    let ds = pij * (dot_shared(&vr, &gs) - di);
    axpy_shared(&ak, 1.0, ds, &qs);
    axpy_shared(&av, 1.0, pij, &gs);
  }
  if (me.idx < p.T) {
    for (var e = 0u; e < DH; e++) {
      out1[kj + e] = p.scale * ak[e];
      out2[kj + e] = av[e];
    }
  }
}
