// SGD step, in place (PyTorch semantics). g' = grad + wd * param.
//   main (momentum):  v = first ? g' : momentum * v + (1 - dampening) * g';
//                     d = nesterov ? g' + momentum * v : v;  param -= lr * d
//   plain (no momentum, no velocity buffer): param -= lr * g'
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
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
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let w = param[i];
  param[i] = w - p.lr * (grad[i] + p.wd * w);
}
