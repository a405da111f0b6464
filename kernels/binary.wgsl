// Elementwise binary ops on f32 with NumPy broadcasting (rank <= 8). The output is contiguous;
// each operand carries strides in the output's index space (0 on broadcast dimensions).
// BROADCAST=false is the fast path for equal shapes (no index arithmetic).
struct Params {
  n: u32,
  rank: u32,
  alpha: f32,
  beta: f32,
  shape: array<vec4u, 2>,
  sa: array<vec4u, 2>,
  sb: array<vec4u, 2>,
}

override OP: u32 = 0u;
override BROADCAST: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn apply(u: f32, v: f32) -> f32 {
  switch (OP) {
    case 0u: { return u + v; }                               // add
    case 1u: { return u - v; }                               // sub
    case 2u: { return u * v; }                               // mul
    case 3u: { return u / v; }                               // div
    case 4u: { return max(u, v); }                           // maximum
    case 5u: { return min(u, v); }                           // minimum
    case 6u: { return select(0.0, v, u > 0.0); }             // relu backward: u = x, v = dy
    case 7u: { return v * (1.0 - u * u); }                   // tanh backward: u = y, v = dy
    case 8u: { return v * u * (1.0 - u); }                   // sigmoid backward: u = y, v = dy
    case 9u: { return select(p.alpha * v, v, u > 0.0); }     // leaky relu backward: u = x, v = dy
    case 10u: { return select(0.0, 1.0, u == v); }           // equal mask
    case 11u: { return select(0.0, v, u >= p.alpha && u <= p.beta); } // clamp backward: u = x, v = dy
    case 12u: { return p.alpha * u + p.beta * v; }           // axpby
    case 13u: { return select(0.0, 1.0, u > v); }            // greater mask
    case 14u: { return v; }                                  // second: broadcast b to a's shape
    default: { return u; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  if (!BROADCAST) {
    y[i] = apply(a[i], b[i]);
    return;
  }
  var ia = 0u;
  var ib = 0u;
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let s = p.shape[k / 4u][k % 4u];
    let c = rem % s;
    rem = rem / s;
    ia += c * p.sa[k / 4u][k % 4u];
    ib += c * p.sb[k / 4u][k % 4u];
  }
  y[i] = apply(a[ia], b[ib]);
}
