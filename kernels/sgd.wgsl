// SGD step, in place (PyTorch semantics). g' = grad + wd * param.
//   main (momentum):  v = first ? g' : momentum * v + (1 - dampening) * g';
//                     d = nesterov ? g' + momentum * v : v;  param -= lr * d
//   plain (no momentum, no velocity buffer): param -= lr * g'
struct Params {
  n: u32,
  nesterov: u32,
  first: u32,
  _p0: u32,
  lr: f32,
  momentum: f32,
  dampening: f32,
  wd: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> vel: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let w = param[i];
  let g = grad[i] + p.wd * w;
  var v = g;
  if (p.first == 0u) { v = p.momentum * vel[i] + (1.0 - p.dampening) * g; }
  vel[i] = v;
  let d = select(v, g + p.momentum * v, p.nesterov != 0u);
  param[i] = w - p.lr * d;
}

@compute @workgroup_size(WG)
fn plain(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let w = param[i];
  param[i] = w - p.lr * (grad[i] + p.wd * w);
}
