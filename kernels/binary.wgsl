// Elementwise binary ops on f32 with NumPy broadcasting (rank <= 8). The output is contiguous;
// each operand carries strides in the output's index space (0 on broadcast dimensions).
// BROADCAST=false is the fast path for equal shapes (no index arithmetic).
// `apply(u, v)` is generated from BINARY_OP_TABLE in src/kernels/descriptors.ts (also the TS op names).
// Four output vec4s per invocation (vec4_grid.wgsl); each element gets the same scalar `apply` as before.
//#include vec4_grid.wgsl
//#include safe_math.wgsl

override OP: u32 = 0u;
override BROADCAST: bool = false;

// Element i of an operand bound as vec4s.
fn elem(v: vec4f, i: u32) -> f32 { return v[i % 4u]; }

// Output element i's positions in a and b (the divisions make this the broadcast path's main cost).
fn operand_offsets(i: u32) -> vec2u {
  var o = vec2u(0u);
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let s = at(p.shape, k);
    let c = rem % s;
    rem = rem / s;
    o += c * vec2u(at(p.sa, k), at(p.sb, k));
  }
  return o;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = vec4_range(gid, nwg, p.n);
  for (var j = r.x; j < r.y; j++) {
    if (!BROADCAST) {
      let u = a[j];
      let v = b[j];
      y[j] = vec4f(apply(u.x, v.x), apply(u.y, v.y), apply(u.z, v.z), apply(u.w, v.w));
      continue;
    }
    // The vec4's four outputs: the first one's operand positions from its index; the next ones step along
    // the last dimension, unless they wrap past its end (then from their own index, as the first).
    // Elements past n (the last vec4's padding) get 0 rather than operands from outside the tensors.
    let i0 = j * 4u;
    let o0 = operand_offsets(i0);
    let last = p.rank - 1u;
    let c0 = i0 % at(p.shape, last);
    let step = vec2u(at(p.sa, last), at(p.sb, last));
    var out = vec4f(0.0);
    for (var c = 0u; c < 4u; c++) {
      if (i0 + c >= p.n) { break; }
      var o = o0 + c * step;
      if (c0 + c >= at(p.shape, last)) { o = operand_offsets(i0 + c); }
      out[c] = apply(elem(a[o.x / 4u], o.x), elem(b[o.y / 4u], o.y));
    }
    y[j] = out;
  }
}
