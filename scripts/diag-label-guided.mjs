#!/usr/bin/env node
/**
 * Training diagnostics for the label-guided models SSAH and UDSPH as a CLI plugin: registers 'ssah-diag' and
 * 'udsph-diag' (not HFAH: its ablations and reconstruction terms are not covered; --lr is ignored) — the same construction and random streams as the built-in models (a run follows the
 * plain model's trajectory exactly) — and writes to $DIAG_OUT (JSON lines): every step's loss terms, and after every
 * epoch over the training set: ReLU activity, feature and token norms, code balance (constant bits, distinct codes,
 * saturation), the cross-attention weights' entropy and best token cosine, the label net's feature norm, weight norms,
 * and each loss term's gradient norm at the image and text features of one fixed batch. Used for issue 12's UDSPH
 * seed-3 diagnosis (docs/MODELS.md, UDSPH):
 *
 *   npm run build && DIAG_OUT=/tmp/u3.jsonl node dist/src/cli/main.js train --plugin scripts/diag-label-guided.mjs \
 *     --model udsph-diag --bits 64 --seed 3 --epochs 8 --patience 0 --model-config '{"adversarial":0,"crossAttention":1}' --out /tmp/u3
 */
const D = new URL('../dist/src', import.meta.url).href;
const { registerModel } = await import(`${D}/models/registry.js`);
const { mergeConfig } = await import(`${D}/models/common/config.js`);
const { LabelGuidedModel } = await import(`${D}/models/common/label-guided.js`);
const { udsphDefaults } = await import(`${D}/models/udsph/config.js`);
const { ssahDefaults } = await import(`${D}/models/ssah/config.js`);
const { fromArray, mulScalar } = await import(`${D}/ops/elementwise.js`);
const { noGrad, backward, requireGrad } = await import(`${D}/autograd/tape.js`);
const { tidy } = await import(`${D}/tensor/scope.js`);
const { pairwiseNll, mse } = await import(`${D}/models/common/losses.js`);
const { crossAttentionLoss } = await import(`${D}/models/common/cross-attention.js`);
const { labelSimilarity } = await import(`${D}/models/common/label-similarity.js`);
const { relu } = await import(`${D}/ops/elementwise.js`);
const { appendFileSync } = await import('node:fs');

const OUT = process.env.DIAG_OUT ?? 'diag.jsonl';
const write = (o) => appendFileSync(OUT, JSON.stringify(o) + '\n');
const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

class Diag extends LabelGuidedModel {
  constructor(...a) { super(...a); this.stepNo = 0; this.ep = 0; }
  async prepare(t) { await super.prepare(t); this.tv = t; await this.diag(0); }
  async trainStep(batch, epoch) {
    const r = await super.trainStep(batch, epoch);
    this.stepNo++;
    write({ kind: 'step', epoch: epoch + 1, step: this.stepNo, loss: r.loss, terms: r.terms });
    if (process.env.DIAG_STEP && epoch + 1 <= Number(process.env.DIAG_STEP)) await this.diag(`${epoch + 1}.${this.stepNo}`, true);
    return r;
  }
  async endEpoch(e) {
    await this.diag(e + 1);
    await super.endEpoch(e);
  }
  async diag(tag, light = false) {
    const t = this.tv, n = t.n, rt = this.runtime;
    for (const [, m] of [['l', this.labelNet], ['i', this.imageNet], ['t', this.textNet]]) m.eval();
    const out = { kind: light ? 'sdiag' : 'diag', tag };
    const feats = {};
    for (const [key, net, x, d] of [['image', this.imageNet, t.image, t.imageDim], ['text', this.textNet, t.text, t.textDim]]) {
      const { feat, code } = tidy(() => noGrad(() => { const o = net.run(fromArray(rt, x, [n, d], 'f32')); return { feat: o.feat, code: o.code }; }));
      const F = await feat.read(), C = await code.read();
      feat.dispose(); code.dispose();
      const fd = F.length / n, b = C.length / n;
      feats[key] = { F, fd };
      let pos = 0, dead = 0, rowNorm = 0; const tokNorms = [];
      for (let i = 0; i < n; i++) {
        let act = 0;
        for (let j = 0; j < fd; j++) if (F[i * fd + j] > 0) act++;
        pos += act; if (act === 0) dead++;
        rowNorm += norm(F.subarray(i * fd, (i + 1) * fd));
        for (let k = 0; k < fd / 64; k++) tokNorms.push(norm(F.subarray(i * fd + k * 64, i * fd + k * 64 + 64)));
      }
      // units (columns) never active over the set
      let deadUnits = 0;
      for (let j = 0; j < fd; j++) { let any = false; for (let i = 0; i < n && !any; i++) if (F[i * fd + j] > 0) any = true; if (!any) deadUnits++; }
      tokNorms.sort((a, b) => a - b);
      let absC = 0, sat = 0, constBits = 0, balance = 0;
      for (let j = 0; j < b; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) { const v = C[i * b + j]; absC += Math.abs(v); if (Math.abs(v) > 0.99) sat++; s += v >= 0 ? 1 : -1; }
        balance += Math.abs(s) / n; if (Math.abs(s) === n) constBits++;
      }
      const codes = new Set();
      for (let i = 0; i < n; i++) { let k = ''; for (let j = 0; j < b; j++) k += C[i * b + j] >= 0 ? '1' : '0'; codes.add(k); }
      out[key] = {
        reluActive: +(pos / (n * fd)).toFixed(4), deadRows: dead, deadUnits, featNorm: +(rowNorm / n).toFixed(3),
        tokNormMin: +tokNorms[0].toFixed(4), tokNormP1: +tokNorms[Math.floor(tokNorms.length * 0.01)].toFixed(4), tokNormMed: +tokNorms[tokNorms.length >> 1].toFixed(3),
        codeAbs: +(absC / (n * b)).toFixed(3), codeSat: +(sat / (n * b)).toFixed(3), bitImbalance: +(balance / b).toFixed(3), constBits, distinctCodes: codes.size,
      };
    }
    // attention weights (image tokens over text tokens), host-side
    if (!light) {
      const I = feats.image.F, T = feats.text.F, fd = feats.image.fd, tk = fd / 64;
      let ent = 0, maxw = 0, cosq = 0;
      for (let i = 0; i < n; i++) {
        const u = (A, k) => { const v = A.subarray(i * fd + k * 64, i * fd + k * 64 + 64); const z = norm(v) || 1e-8; return Array.from(v, (x) => x / z); };
        const qi = [...Array(tk)].map((_, k) => u(I, k)), ti = [...Array(tk)].map((_, k) => u(T, k));
        for (let a = 0; a < tk; a++) {
          const lg = ti.map((tv) => 9 * tv.reduce((s, x, j) => s + x * qi[a][j], 0));
          const mx = Math.max(...lg), e = lg.map((x) => Math.exp(x - mx)), z = e.reduce((s, x) => s + x, 0);
          const w = e.map((x) => x / z);
          ent += -w.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0); maxw += Math.max(...w);
          cosq += Math.max(...lg) / 9;
        }
      }
      out.attn = { entropy: +(ent / (n * tk)).toFixed(3), maxW: +(maxw / (n * tk)).toFixed(3), maxCos: +(cosq / (n * tk)).toFixed(3) };
      // label net
      const { feat, code } = tidy(() => noGrad(() => this.labelNet.featuresAndCodes(this.labelsUnique)));
      const LF = await feat.read(), LC = await code.read(); feat.dispose(); code.dispose();
      const u = this.labelsUnique.shape[0], fd2 = LF.length / u;
      out.label = { featNorm: +([...Array(u)].reduce((s, _, i) => s + norm(LF.subarray(i * fd2, (i + 1) * fd2)), 0) / u).toFixed(2), codeAbs: +(LC.reduce((s, x) => s + Math.abs(x), 0) / LC.length).toFixed(3) };
      // weight norms
      const w = {};
      for (const [k, p] of this.namedParameters()) if (/weight/.test(k) && !/^disc/.test(k)) w[k] = +norm(await p.read()).toFixed(2);
      out.w = w;
      // per-term gradient norms w.r.t. the image and text features of one fixed batch (first 128 items), eval mode
      out.grad = await this.termGrads();
    }
    for (const [, m] of [['l', this.labelNet], ['i', this.imageNet], ['t', this.textNet]]) m.train(true);
    write(out);
  }
  async termGrads() {
    const t = this.tv, rt = this.runtime, m = Math.min(128, t.n), cfg = this.cfg;
    const params = [...this.namedParameters().values()];
    const was = params.map((p) => p.requiresGrad);
    for (const p of params) p.requiresGrad = false;
    const res = {};
    try {
      const L = fromArray(rt, t.labels.subarray(0, m * t.labelDim), [m, t.labelDim], 'f32');
      const S = labelSimilarity(L, this.labelsUnique);
      const { feat: FL, code: HL } = noGrad(() => this.labelNet.featuresAndCodes(this.labelsUnique));
      const ix = noGrad(() => this.imageNet.run(fromArray(rt, t.image.subarray(0, m * t.imageDim), [m, t.imageDim], 'f32')).feat);
      const iy = noGrad(() => this.textNet.run(fromArray(rt, t.text.subarray(0, m * t.textDim), [m, t.textDim], 'f32')).feat);
      const B = this.B;
      const { gather } = await import(`${D}/ops/layout.js`);
      const Bb = noGrad(() => gather(B, fromArray(rt, Uint32Array.from({ length: m }, (_, i) => i), [m], 'u32')));
      const heads = (net, f) => { const a = relu(f); return { code: net.hash.forward(a), labels: net.cls.forward(a) }; };
      const terms = {
        featNll: (fx, fy) => [pairwiseNll(S, fx, FL, this.labelWeights), pairwiseNll(S, fy, FL, this.labelWeights)],
        codeNll: (fx, fy) => [pairwiseNll(S, heads(this.imageNet, fx).code, HL, this.labelWeights), pairwiseNll(S, heads(this.textNet, fy).code, HL, this.labelWeights)],
        quant: (fx, fy) => [mse(heads(this.imageNet, fx).code, Bb), mse(heads(this.textNet, fy).code, Bb)],
        pred: (fx, fy) => [mse(heads(this.imageNet, fx).labels, L), mse(heads(this.textNet, fy).labels, L)],
        att: (fx, fy) => [crossAttentionLoss(fx, fy, cfg.tokenDim, cfg.attentionLambda), crossAttentionLoss(fy, fx, cfg.tokenDim, cfg.attentionLambda)],
      };
      const wts = { featNll: cfg.alpha, codeNll: cfg.gammaModality, quant: cfg.beta, pred: cfg.etaModality, att: cfg.crossAttention };
      for (const [k, fn] of Object.entries(terms)) {
        const fx = requireGrad(mulScalar(ix, 1)), fy = requireGrad(mulScalar(iy, 1));
        const [a, b] = fn(fx, fy);
        const { add } = await import(`${D}/ops/elementwise.js`);
        backward(mulScalar(add(a, b), wts[k]));
        res[k] = { img: +norm(await fx.grad.read()).toExponential(2), txt: +norm(await fy.grad.read()).toExponential(2) };
      }
    } finally {
      params.forEach((p, i) => { p.requiresGrad = was[i]; });
    }
    return res;
  }
}

const make = (name, defaults) => (rt, opts) => new Diag(rt, name, opts.bits, mergeConfig(name, defaults(), opts.config), opts.dims, opts.seed);
registerModel('udsph-diag', make('udsph', udsphDefaults), { supervised: true, batchSize: 128 });
registerModel('ssah-diag', make('ssah', ssahDefaults), { supervised: true, batchSize: 128 });
