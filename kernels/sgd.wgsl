// SGD step over every tensor of an arena in one dispatch, in place (PyTorch semantics); rows and arenas:
// optim_table.wgsl. Flags: bit 0 first step of this tensor (v = g'), bit 1 no momentum (vel untouched),
// bit 2 Nesterov. Hyper-parameters: lr, momentum, dampening, wd. g' = grad + wd * param;
//   v = first ? g' : momentum * v + (1 - dampening) * g';  d = nesterov ? g' + momentum * v : v
//   param -= lr * d    (no momentum: param -= lr * g')
//#include optim_table.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let s = find_slot(global_index(gid, nwg), p.rows);
  let flags = table[s.row + 3u];
  let lr = hyper(s.row, 0u);
  let momentum = hyper(s.row, 1u);
  let damp = 1.0 - hyper(s.row, 2u);
  let wd = hyper(s.row, 3u);
  for (var at = s.first; at < min(s.end, s.first + WG * VPI); at += WG) {
    let w = param[at];
    let g = grad[at] + wd * w;
    if ((flags & 2u) != 0u) {
      param[at] = w - lr * g;
      continue;
    }
    var v = g;
    if ((flags & 1u) == 0u) { v = momentum * vel[at] + damp * g; }
    vel[at] = v;
    let d = select(v, g + momentum * v, (flags & 4u) != 0u);
    param[at] = w - lr * d;
  }
}
