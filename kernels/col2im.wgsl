// col2im for strided convolution backward data (dilation 1):
//   dx[n, c, ih, iw] = Σ cols[n, (c, kh, kw), oh·OW + ow] over the taps with ih = oh·SH − PH + kh,
//   iw = ow·SW − PW + kw. One invocation per dx element; only the taps with kh ≡ (ih + PH) mod SH
//   (and likewise for w) are visited, so no work is spent on the zeros a strided MODE-2 GEMM would
//   multiply. cols = wᵀ·dy comes from a dense GEMM.
//#include common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = global_index(gid, nwg);
  if (i >= p.n_out) { return; }
  let iw = i % p.W;
  let ih = (i / p.W) % p.H;
  let nc = i / (p.W * p.H);          // n·C + c
  let th = ih + p.PH;
  let tw = iw + p.PW;
  let rh = th % p.SH;
  let rw = tw % p.SW;
  let qh = th / p.SH;
  let qw = tw / p.SW;
  let P = p.OH * p.OW;
  // cols row (c, kh, kw) of image n starts at ((n·C + c)·KH·KW + kh·KW + kw)·P.
  let base = nc * p.KH * p.KW;
  var s = 0.0;
  var kh = rh;
  var t = 0u;
  loop {
    if (kh >= p.KH || t > qh) { break; }
    let oh = qh - t;
    if (oh < p.OH) {
      var kw = rw;
      var u = 0u;
      loop {
        if (kw >= p.KW || u > qw) { break; }
        let ow = qw - u;
        if (ow < p.OW) { s += cols[(base + kh * p.KW + kw) * P + oh * p.OW + ow]; }
        kw += p.SW;
        u++;
      }
    }
    kh += p.SH;
    t++;
  }
  dx[i] = s;
}
