// Adam / AdamW step, in place (PyTorch semantics). Bias corrections are computed on the host in
// float64: lr_t = lr / (1 - b1^t), inv_sqrt_bc2 = 1 / sqrt(1 - b2^t).
//   DECOUPLED (AdamW): param *= 1 - lr * wd;  else (Adam, L2): g += wd * param
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;  param -= lr_t * m / (sqrt(v) * inv_sqrt_bc2 + eps)
struct Params {
  n: u32,
  decoupled: u32,
  _p0: u32,
  _p1: u32,
  lr: f32,
  lr_t: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  inv_sqrt_bc2: f32,
  wd: f32,
  _p2: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m1: array<f32>;
@group(0) @binding(4) var<storage, read_write> m2: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  var w = param[i];
  var g = grad[i];
  if (p.decoupled != 0u) { w = w * (1.0 - p.lr * p.wd); } else { g = g + p.wd * w; }
  let m = p.b1 * m1[i] + (1.0 - p.b1) * g;
  let v = p.b2 * m2[i] + (1.0 - p.b2) * g * g;
  m1[i] = m;
  m2[i] = v;
  param[i] = w - p.lr_t * m / (sqrt(v) * p.inv_sqrt_bc2 + p.eps);
}
