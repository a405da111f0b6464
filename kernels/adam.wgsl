// Adam / AdamW step over every tensor of an arena in one dispatch, in place (PyTorch semantics); rows and
// arenas: optim_table.wgsl. Flag bit 0: decoupled (AdamW). Hyper-parameters: lr, lr_t, b1, b2, eps,
// inv_sqrt_bc2, wd, with the bias corrections computed on the host in float64 per tensor (each tensor
// counts its own steps): lr_t = lr / (1 - b1^t), inv_sqrt_bc2 = 1 / sqrt(1 - b2^t).
//   DECOUPLED (AdamW): param *= 1 - lr * wd;  else (Adam, L2): g += wd * param
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;  param -= lr_t * m / (sqrt(v) * inv_sqrt_bc2 + eps)
//#include optim_table.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let s = find_slot(global_index(gid, nwg), p.rows);
  let decoupled = (table[s.row + 3u] & 1u) != 0u;
  let lr = hyper(s.row, 0u);
  let lr_t = hyper(s.row, 1u);
  let b1 = hyper(s.row, 2u);
  let b2 = hyper(s.row, 3u);
  let eps = hyper(s.row, 4u);
  let inv_sqrt_bc2 = hyper(s.row, 5u);
  let wd = hyper(s.row, 6u);
  for (var at = s.first; at < min(s.end, s.first + WG * VPI); at += WG) {
    var w = param[at];
    var g = grad[at];
    if (decoupled) { w = w * (1.0 - lr * wd); } else { g = g + wd * w; }
    let m = b1 * m1[at] + (1.0 - b1) * g;
    let v = b2 * m2[at] + (1.0 - b2) * g * g;
    m1[at] = m;
    m2[at] = v;
    param[at] = w - lr_t * m / (sqrt(v) * inv_sqrt_bc2 + eps);
  }
}
