// Backward of the row softmax / log-softmax over the last axis, one invocation per row:
//   softmax:     dx = scale * y * (g - sum(g * y))
//   log-softmax: dx = scale * (g - exp(y) * sum(g))
// y is the forward output; scale is the forward's input scale (1 gives d/dz, used for mask gradients).
//#include common.wgsl

override LOG: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = global_index(gid, nwg);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var acc = 0.0;
  if (LOG) {
    for (var j = 0u; j < p.cols; j++) { acc += g[base + j]; }
    for (var j = 0u; j < p.cols; j++) { dx[base + j] = p.scale * (g[base + j] - exp(y[base + j]) * acc); }
  } else {
    for (var j = 0u; j < p.cols; j++) { acc += g[base + j] * y[base + j]; }
    for (var j = 0u; j < p.cols; j++) {
      let yj = y[base + j];
      dx[base + j] = p.scale * yj * (g[base + j] - acc);
    }
  }
}
