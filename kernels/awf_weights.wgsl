// JSGHCA adaptive weights from the row means of S_I and S_T (m values each, rows of r = [r_I; r_T]).
//   t_i = mean(r_i); Alg. 1: w_i[a] = r_i[a] / t_i;  Eq. 5: w_i[a] = (r_i[a] / t_i) * (t_tot / r_tot[a])
// with r_tot = r_I + r_T and t_tot = t_I + t_T. Output w = [w_I; w_T] (2 x m).
// One invocation per row a; each recomputes the two means (m is a batch size, O(m^2) total).
//#include common.wgsl

override EQ5: bool = true;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = global_index(gid, nwg);
  if (a >= p.m) { return; }
  var si = 0.0;
  var st = 0.0;
  for (var k = 0u; k < p.m; k++) {
    si += r[k];
    st += r[p.m + k];
  }
  let mf = f32(p.m);
  let ti = si / mf;
  let tt = st / mf;
  let ri = r[a];
  let rt = r[p.m + a];
  var wi = ri / ti;
  var wt = rt / tt;
  if (EQ5) {
    let f = (ti + tt) / (ri + rt);
    wi *= f;
    wt *= f;
  }
  w[a] = wi;
  w[p.m + a] = wt;
}
