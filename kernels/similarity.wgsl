// Batched similarity matrix out[i,j] = alpha * <A_i, B_j> (/ (max(|A_i|,eps) * max(|B_j|,eps)) when
// NORMALIZE) (+ beta * c[i,j] when ADD_C), in one pass over the inputs: the dot product and both
// squared norms are accumulated in the same loop. A is m x d, B is n x d, each read through
// (row, column) strides so transposed operands (backward rules) need no copy.
// Barrier-free: each invocation owns a 4x4 output tile held in four vec4 accumulators.
struct Params {
  m: u32, n: u32, d: u32, tiles_n: u32,
  a_rs: u32, a_cs: u32, b_rs: u32, b_cs: u32,
  alpha: f32, beta: f32, eps: f32, _p0: u32,
}

override NORMALIZE: bool = true;
override ADD_C: bool = false;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  let tiles_m = (p.m + 3u) / 4u;
  if (t >= tiles_m * p.tiles_n) { return; }
  let i0 = (t / p.tiles_n) * 4u;
  let j0 = (t % p.tiles_n) * 4u;
  // Rows past the edge are clamped (read valid memory) and never written.
  let ia = vec4u(min(i0, p.m - 1u), min(i0 + 1u, p.m - 1u), min(i0 + 2u, p.m - 1u), min(i0 + 3u, p.m - 1u)) * p.a_rs;
  let jb = vec4u(min(j0, p.n - 1u), min(j0 + 1u, p.n - 1u), min(j0 + 2u, p.n - 1u), min(j0 + 3u, p.n - 1u)) * p.b_rs;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  var na = vec4f(0.0);
  var nb = vec4f(0.0);
  for (var k = 0u; k < p.d; k++) {
    let ka = k * p.a_cs;
    let kb = k * p.b_cs;
    let av = vec4f(a[ia.x + ka], a[ia.y + ka], a[ia.z + ka], a[ia.w + ka]);
    let bv = vec4f(b[jb.x + kb], b[jb.y + kb], b[jb.z + kb], b[jb.w + kb]);
    acc0 += av.x * bv;
    acc1 += av.y * bv;
    acc2 += av.z * bv;
    acc3 += av.w * bv;
    if (NORMALIZE) {
      na += av * av;
      nb += bv * bv;
    }
  }
  var sa = vec4f(p.alpha);
  var sb = vec4f(1.0);
  if (NORMALIZE) {
    sa = p.alpha / max(sqrt(na), vec4f(p.eps));
    sb = 1.0 / max(sqrt(nb), vec4f(p.eps));
  }
  let rows = array<vec4f, 4>(acc0 * sa.x * sb, acc1 * sa.y * sb, acc2 * sa.z * sb, acc3 * sa.w * sb);
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r;
    if (i >= p.m) { break; }
    for (var s = 0u; s < 4u; s++) {
      let j = j0 + s;
      if (j >= p.n) { break; }
      var v = rows[r][s];
      if (ADD_C) { v += p.beta * c[i * p.n + j]; }
      y[i * p.n + j] = v;
    }
  }
}
