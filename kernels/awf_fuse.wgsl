// Fused similarity target S_f[a,b] = scale · (w_I[a]·r_I(S_I[a,b]) + w_T[a]·r_T(S_T[a,b])) over n elements
// in rows of `cols` (row a = i / cols), where
//   ROW_WEIGHTS: per-row weights w = [w_I; w_T], 2 × rows (JSGHCA's adaptive weights, awf_weights.wgsl),
//   else:        the constants p.wi, p.wt (DJSRH's β-mix: β, 1 − β; the w binding is not read),
// and r(s) = 2s − 1 when that modality's cosines are rescaled (RESCALE_I / RESCALE_T), s otherwise.
// One pass instead of a rescale per modality, the mix, and the overall scale.
//#include common.wgsl

override ROW_WEIGHTS: bool = true;
override RESCALE_I: bool = false;
override RESCALE_T: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let a = i / p.cols;
  var vi = si[i];
  var vt = st[i];
  if (RESCALE_I) { vi = vi * 2.0 - 1.0; }
  if (RESCALE_T) { vt = vt * 2.0 - 1.0; }
  var wi = p.wi;
  var wt = p.wt;
  if (ROW_WEIGHTS) {
    wi = w[a];
    wt = w[p.rows + a];
  }
  y[i] = p.scale * (wi * vi + wt * vt);
}
