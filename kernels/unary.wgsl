// Elementwise unary ops on f32: y = f(x) with op selected by the OP override constant.
// alpha/beta are op parameters (leaky slope, clamp bounds, affine scale/shift, power).
struct Params { n: u32, _pad: u32, alpha: f32, beta: f32 }

override OP: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// tanh without overflow for large |v| (some drivers return NaN from the builtin there).
fn safe_tanh(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}

fn safe_sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn apply(v: f32) -> f32 {
  switch (OP) {
    case 0u: { return v; }                                   // copy
    case 1u: { return -v; }                                  // neg
    case 2u: { return exp(v); }                              // exp
    case 3u: { return log(v); }                              // log
    case 4u: { return sqrt(v); }                             // sqrt
    case 5u: { return safe_tanh(v); }                        // tanh
    case 6u: { return safe_sigmoid(v); }                     // sigmoid
    case 7u: { return max(v, 0.0); }                         // relu
    case 8u: { return select(p.alpha * v, v, v > 0.0); }     // leaky relu
    case 9u: { return sign(v); }                             // sign (0 -> 0)
    case 10u: { return clamp(v, p.alpha, p.beta); }          // clamp
    case 11u: { return abs(v); }                             // abs
    case 12u: { return v * v; }                              // square
    case 13u: { return p.alpha * v + p.beta; }               // affine
    case 14u: { return 1.0 / v; }                            // reciprocal
    case 15u: { return max(v, 0.0) + log(1.0 + exp(-abs(v))); } // softplus, stable
    case 16u: { return select(-1.0, 1.0, v >= 0.0); }        // binarise: sign with sign(0) = +1
    case 17u: { return pow(abs(v), p.alpha) * select(1.0, sign(v), p.beta != 0.0); } // |v|^a (signed if beta != 0)
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  y[i] = apply(x[i]);
}
