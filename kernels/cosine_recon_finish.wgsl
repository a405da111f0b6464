// The cosine reconstruction loss from cosine_recon's per-row sums (rows[r] = (sum0, sum1, t, |o|), 2m
// rows): the three mean squared errors and their weighted total, one scalar per output. One invocation:
// 2m values (m is a batch size).

@compute @workgroup_size(1)
fn main() {
  var ab = 0.0;
  var aa = 0.0;
  var bb = 0.0;
  for (var r = 0u; r < p.m; r++) {
    ab += rows[4u * r];
    aa += rows[4u * r + 1u];
    bb += rows[4u * (p.m + r)];
  }
  let n = f32(p.m) * f32(p.m);
  ab /= n;
  aa /= n;
  bb /= n;
  inter[0] = ab;
  intra_a[0] = aa;
  intra_b[0] = bb;
  total[0] = p.w_ab * ab + p.w_aa * aa + p.w_bb * bb;
}
