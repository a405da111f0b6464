// Fused forward of the cosine reconstruction loss (DJSRH / JSGHCA Eq. 9) for codes A, B [m, k] and the
// target S [m, m]:  L = w_ab·mean((cos(A,B) − S)²) + w_aa·mean((cos(A,A) − S)²) + w_bb·mean((cos(B,B) − S)²).
// One invocation per row r of [A; B] (2m rows; "own" row o = A_r or B_(r−m)), looping over the m partner
// rows q of both codes: the dots <o, A_q>, <o, B_q> and the partners' squared norms come from one pass.
// It writes what the loss needs (per-row sums of squared errors) and what the backward kernel needs:
//   coef[r, ·] (2m values): dL/d(normalised row r) = Σ_q coef[r, q]·Â_q + coef[r, m + q]·B̂_q (for a
//   unit upstream gradient), and rows[r] = (sum0, sum1, t_r = <ô, dL/dô>, |o|) with
//   A rows: sum0 = Σ_q (cos(A_r,B_q) − S[r,q])², sum1 = Σ_q (cos(A_r,A_q) − S[r,q])²;
//   B rows: sum0 = Σ_q (cos(B_r,B_q) − S[r,q])², sum1 = 0.
// A cross-modal cosine cos(A_i, B_j) is compared with S[i, j]: on a B row (own j, partner i) that is
// S[q, r]. A same-modality cosine appears in S's row r and column r (S need not be symmetric: JSGHCA's
// adaptive weights are per row), so its gradient coefficient carries both errors.
// Norms are clamped at eps as in l2_normalize (an all-zero row has cosine 0 with everything).
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let m = p.m;
  let own_a = r < m;
  let ro = select(r - m, r, own_a);
  let base = ro * p.k;
  var no2 = 0.0;
  for (var c = 0u; c < p.k; c++) {
    let v = select(b[base + c], a[base + c], own_a);
    no2 += v * v;
  }
  let no = sqrt(no2);
  let inv_o = 1.0 / max(no, p.eps);
  let f = 2.0 / (f32(m) * f32(m));
  let w_same = select(p.w_bb, p.w_aa, own_a);
  // Column offsets in coef of the same-modality and the cross-modal partners.
  let off_same = select(m, 0u, own_a);
  let off_cross = select(0u, m, own_a);
  var sum_cross = 0.0;
  var sum_same = 0.0;
  var t = 0.0;
  for (var q = 0u; q < m; q++) {
    let qb = q * p.k;
    var da = 0.0;
    var db = 0.0;
    var na = 0.0;
    var nb = 0.0;
    for (var c = 0u; c < p.k; c++) {
      let o = select(b[base + c], a[base + c], own_a);
      let av = a[qb + c];
      let bv = b[qb + c];
      da += o * av;
      db += o * bv;
      na += av * av;
      nb += bv * bv;
    }
    let ca = da * inv_o / max(sqrt(na), p.eps);
    let cb = db * inv_o / max(sqrt(nb), p.eps);
    let c_same = select(cb, ca, own_a);
    let c_cross = select(ca, cb, own_a);
    let s_rq = s[ro * m + q];
    let s_qr = s[q * m + ro];
    let e_cross = c_cross - select(s_qr, s_rq, own_a);
    let e1 = c_same - s_rq;
    let e2 = c_same - s_qr;
    sum_cross += e_cross * e_cross;
    sum_same += e1 * e1;
    let k_same = f * w_same * (e1 + e2);
    let k_cross = f * p.w_ab * e_cross;
    coef[r * p.rows + off_same + q] = k_same;
    coef[r * p.rows + off_cross + q] = k_cross;
    t += k_same * c_same + k_cross * c_cross;
  }
  rows[4u * r] = select(sum_same, sum_cross, own_a);
  rows[4u * r + 1u] = select(0.0, sum_same, own_a);
  rows[4u * r + 2u] = t;
  rows[4u * r + 3u] = no;
}
