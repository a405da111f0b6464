// JSGHCA adaptive weights from the row means of S_I and S_T (m values each, rows of r = [r_I; r_T]).
//   t_i = mean(r_i); Alg. 1: w_i[a] = r_i[a] / t_i;  Eq. 5: w_i[a] = (r_i[a] / t_i) * (t_tot / r_tot[a])
// with r_tot = r_I + r_T and t_tot = t_I + t_T. Output w = [w_I; w_T] (2 x m).
// Guards (the paper assumes non-negative similarities, whose row means are > 0):
//  - a negative row mean counts as 0 (cosines of signed inputs such as normalised raw pixels);
//  - every divisor is at least EPS, so a row whose similarities are all 0 (an all-zero feature vector),
//    or a whole batch of such rows, gets weight 0 instead of 0/0 = NaN or x/0 = inf.
// One invocation per row a; each recomputes the two means (m is a batch size, O(m^2) total).
//#include common.wgsl

override EQ5: bool = true;
// 1e-6: far below any real row mean of cosines (each row holds its self-similarity 1, so r >= 1/m > 1e-4
// for batches up to 10^4), far above f32's smallest normal.
override EPS: f32 = 1e-6;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = global_index(gid, nwg);
  if (a >= p.m) { return; }
  var si = 0.0;
  var st = 0.0;
  for (var k = 0u; k < p.m; k++) {
    si += max(r[k], 0.0);
    st += max(r[p.m + k], 0.0);
  }
  let mf = f32(p.m);
  let ti = si / mf;
  let tt = st / mf;
  let ri = max(r[a], 0.0);
  let rt = max(r[p.m + a], 0.0);
  var wi = ri / max(ti, EPS);
  var wt = rt / max(tt, EPS);
  if (EQ5) {
    let f = (ti + tt) / max(ri + rt, EPS);
    wi *= f;
    wt *= f;
  }
  w[a] = wi;
  w[p.m + a] = wt;
}
