// Backward of the fused cosine reconstruction loss (cosine_recon.wgsl): one invocation per element (r, c)
// of [A; B]. With ŷ_q = x_q / max(|x_q|, eps), the forward's coefficients give the gradient at the
// normalised row, dn = u·Σ_q coef[r, q]·ŷ_q[c] (u = upstream gradient of the loss, a scalar), and the
// row normalisation's backward (as l2_normalize_backward) gives dx = (dn − ŷ_r[c]·u·t_r) / |x_r|, or
// dn / eps when |x_r| <= eps.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = global_index(gid, nwg);
  if (e >= p.rows * p.k) { return; }
  let r = e / p.k;
  let c = e % p.k;
  let m = p.m;
  let u = g[0];
  var dn = 0.0;
  let cr = r * p.rows;
  for (var q = 0u; q < m; q++) {
    let ya = a[q * p.k + c] / max(rows[4u * q + 3u], p.eps);
    let yb = b[q * p.k + c] / max(rows[4u * (m + q) + 3u], p.eps);
    dn += coef[cr + q] * ya + coef[cr + m + q] * yb;
  }
  dn *= u;
  let n = rows[4u * r + 3u];
  let own_a = r < m;
  let i = select(r - m, r, own_a) * p.k + c;
  var dx = dn / p.eps;
  if (n > p.eps) {
    let y = select(b[i], a[i], own_a) / n;
    dx = (dn - y * u * rows[4u * r + 2u]) / n;
  }
  if (own_a) { da[i] = dx; } else { db[i] = dx; }
}
