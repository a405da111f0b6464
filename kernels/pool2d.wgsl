// 2-D max / average pooling on NCHW, forward and backward, one invocation per element, no barriers
// and no atomics. Planes = N·C; windows start at o·stride − pad (PyTorch semantics, padding ≤ k/2).
//   max_fwd: y = max over the window's in-bounds elements; argmax = h·W + w of the first maximum
//            (row-major scan, ties to the first).
//   avg_fwd: y = sum / divisor; divisor = window area clipped to the padded input (count_include_pad)
//            or to the input (exclude pad).
//   *_bwd:   one invocation per input element gathers from every output window that covers it
//            (src = output gradient, dst = input gradient; max_bwd reads the forward's argmax).
//#include common.wgsl

// Average-pool divisor of output window (oh, ow).
fn divisor(oh: u32, ow: u32) -> f32 {
  let hs = i32(oh * p.SH) - i32(p.PH);
  let ws = i32(ow * p.SW) - i32(p.PW);
  let he = min(hs + i32(p.KH), i32(p.H + p.PH));
  let we = min(ws + i32(p.KW), i32(p.W + p.PW));
  if (p.include_pad != 0u) { return f32((he - hs) * (we - ws)); }
  return f32((min(he, i32(p.H)) - max(hs, 0)) * (min(we, i32(p.W)) - max(ws, 0)));
}

// The input window of output element i: its plane's base offset and the in-bounds row/column range.
struct Window { base: u32, oh: u32, ow: u32, h0: i32, h1: i32, w0: i32, w1: i32 }

fn window(i: u32) -> Window {
  let ow = i % p.OW;
  let oh = (i / p.OW) % p.OH;
  let plane = i / (p.OW * p.OH);
  let hs = i32(oh * p.SH) - i32(p.PH);
  let ws = i32(ow * p.SW) - i32(p.PW);
  return Window(plane * p.H * p.W, oh, ow, max(hs, 0), min(hs + i32(p.KH), i32(p.H)), max(ws, 0), min(ws + i32(p.KW), i32(p.W)));
}

// Max (first maximum, row-major) or sum of the window of output i; is_max is a constant at each call.
struct Pooled { best: f32, arg: u32, sum: f32 }

fn pool_window(win: Window, is_max: bool) -> Pooled {
  var r = Pooled(bitcast<f32>(0xff7fffffu), 0xffffffffu, 0.0); // -FLT_MAX: the first in-bounds element always wins
  for (var h = win.h0; h < win.h1; h++) {
    for (var w = win.w0; w < win.w1; w++) {
      let k = u32(h) * p.W + u32(w);
      let v = src[win.base + k];
      if (!is_max) { r.sum += v; } else if (v > r.best || r.arg == 0xffffffffu) { r.best = v; r.arg = k; }
    }
  }
  return r;
}

@compute @workgroup_size(WG)
fn max_fwd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let r = pool_window(window(i), true);
  dst[i] = r.best;
  argmax[i] = r.arg;
}

@compute @workgroup_size(WG)
fn avg_fwd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n) { return; }
  let win = window(i);
  dst[i] = pool_window(win, false).sum / divisor(win.oh, win.ow);
}

// Output windows covering input row h: oh in [ceil((h + PH − KH + 1) / SH), floor((h + PH) / SH)] ∩ [0, OH).
fn first_out(x: u32, pad: u32, k: u32, s: u32) -> u32 {
  let num = i32(x + pad) - i32(k) + 1;
  if (num <= 0) { return 0u; }
  return (u32(num) + s - 1u) / s;
}

// The output windows that cover input element i: base of its output plane and the oh/ow ranges.
struct Cover { k: u32, obase: u32, oh0: u32, oh1: u32, ow0: u32, ow1: u32 }

fn cover(i: u32) -> Cover {
  let w = i % p.W;
  let h = (i / p.W) % p.H;
  let plane = i / (p.W * p.H);
  return Cover(h * p.W + w, plane * p.OH * p.OW,
               first_out(h, p.PH, p.KH, p.SH), min(p.OH, (h + p.PH) / p.SH + 1u),
               first_out(w, p.PW, p.KW, p.SW), min(p.OW, (w + p.PW) / p.SW + 1u));
}

// Gradient of input element i from the output windows covering it. Two functions, not one with a flag:
// avg_bwd must not touch argmax (its entry point has no argmax binding).
fn max_grad(i: u32) -> f32 {
  let c = cover(i);
  var acc = 0.0;
  for (var oh = c.oh0; oh < c.oh1; oh++) {
    for (var ow = c.ow0; ow < c.ow1; ow++) {
      let o = c.obase + oh * p.OW + ow;
      if (argmax[o] == c.k) { acc += src[o]; } // only where i was the window's first maximum
    }
  }
  return acc;
}

fn avg_grad(i: u32) -> f32 {
  let c = cover(i);
  var acc = 0.0;
  for (var oh = c.oh0; oh < c.oh1; oh++) {
    for (var ow = c.ow0; ow < c.ow1; ow++) { acc += src[c.obase + oh * p.OW + ow] / divisor(oh, ow); }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn max_bwd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i < p.n) { dst[i] = max_grad(i); }
}

@compute @workgroup_size(WG)
fn avg_bwd(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i < p.n) { dst[i] = avg_grad(i); }
}
