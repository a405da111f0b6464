// JSGHCA adaptive weights from the row means of S_I and S_T (m values each, rows of r = [r_I; r_T]).
//   t_i = mean(r_i); Alg. 1: w_i[a] = r_i[a] / t_i;  Eq. 5: w_i[a] = (r_i[a] / t_i) * (t_tot / r_tot[a])
// with r_tot = r_I + r_T and t_tot = t_I + t_T. Output w = [w_I; w_T] (2 x m).
// One invocation per row a; each recomputes the two means (m is a batch size, O(m^2) total).
struct Params { m: u32, _p0: u32, _p1: u32, _p2: u32 }

override EQ5: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = gid.x + gid.y * nwg.x * WG;
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
