/**
 * Pieces shared by the label-supervised models (DCMH, SSAH, HFAH, UDSPH; MODELS.md):
 * label similarity, the label network, the SSAH multi-scale bag-of-words fusion, the feature-input
 * modality networks (with HFAH's hybrid-attention gate), discriminators, the adversarial losses,
 * the reconstruction decoders and UDSPH's cross-modal attention. Everything is built from autograd ops.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { CmhashError, ShapeError, fmtShape } from '../../runtime/errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { add, addScalar, relu, sub, binarize, clone, fromArray, mul, mulScalar, neg, reshape, sigmoid, sign, softplus } from '../../ops/elementwise.js';
import { max, mean, sum } from '../../ops/reduce.js';
import { matmul } from '../../ops/matmul.js';
import { avgPool2d } from '../../ops/pool.js';
import { concat, gather, scatterAddRows } from '../../ops/layout.js';
import { localResponseNorm } from '../../ops/lrn.js';
import { l2Normalize } from '../../ops/similarity.js';
import { softmax } from '../../ops/softmax.js';
import { Dropout, Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { CnnF, type CnnfOptions } from './cnnf.js';

/** A copy of t that carries no gradient (stops the tape at t). */
export function detach(t: Tensor): Tensor {
  return noGrad(() => clone(t));
}

/**
 * Label similarity S[i][j] = 1 when rows i of `a` and j of `b` share at least one label, else 0
 * (MODELS.md: relevant = qL·rLᵀ > 0). Labels are non-negative multi-hot, so sign() of the label
 * inner products is exactly 0/1. No gradient.
 */
export function labelSimilarity(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`labelSimilarity: labels must be [m, c] and [n, c], got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return noGrad(() => sign(matmul(a, b, { transB: true })));
}

/**
 * Binary cross-entropy of logits z against a constant target (all 1 or all 0), averaged:
 * target 1: mean(softplus(−z)); target 0: mean(softplus(z)) (stable for any z).
 */
export function bceWithLogits(z: Tensor, target: 0 | 1): Tensor {
  return mean(softplus(target === 1 ? neg(z) : z));
}

/** Code matrix update sign(h) with sign(0) → +1 (MODELS.md: DCMH's code lets sign(0) = 0; we map it to +1). */
export function signCodes(h: Tensor): Tensor {
  return noGrad(() => binarize(h));
}

/**
 * x with rows `idx` (distinct u32 indices into x's rows) replaced by `values` [idx.length, d], as a new
 * tensor: x + scatterAddRows(values − x[idx]) (the gather backward). No gradient.
 * Used to keep per-item matrices (DCMH's F and G) current after every step.
 */
export function replaceRows(x: Tensor, idx: Tensor, values: Tensor): Tensor {
  if (x.rank !== 2 || values.rank !== 2 || values.shape[1] !== x.shape[1] || values.shape[0] !== idx.size) {
    throw new ShapeError(`replaceRows: x ${fmtShape(x.shape)}, index ${fmtShape(idx.shape)} and values ${fmtShape(values.shape)} do not match`);
  }
  return noGrad(() => {
    const delta = sub(values, gather(x, idx));
    const scattered = scatterAddRows(delta, idx, x.shape[0]!);
    const out = add(x, scattered);
    delta.dispose();
    scattered.dispose();
    return out;
  });
}

/**
 * Learning rates of a model's optimiser groups: base × (the training loop's schedule factor) × 0.5^⌊epoch / halveEvery⌋
 * (MODELS.md: halve every 10 epochs [ours], not SSAH's per-epoch √10).
 */
export class HalvingLr {
  lrScale = 1;
  epochScale = 1;
  constructor(readonly halveEvery: number, private readonly optim: { setScale(...factors: number[]): void }) {}
  startEpoch(epoch: number): void {
    this.epochScale = this.halveEvery > 0 ? 0.5 ** Math.floor(epoch / this.halveEvery) : 1;
    this.apply();
  }
  setLrScale(scale: number): void {
    this.lrScale = scale;
    this.apply();
  }
  apply(): void {
    this.optim.setScale(this.lrScale, this.epochScale);
  }
  getState(): { lrScale: number; epochScale: number } {
    return { lrScale: this.lrScale, epochScale: this.epochScale };
  }
  setState(s: { lrScale: number; epochScale: number }): void {
    this.lrScale = s.lrScale;
    this.epochScale = s.epochScale;
    this.apply();
  }
}

// ---- label network ---------------------------------------------------------------------------------

export interface LabelNetOutput {
  /** Semantic features f^l [m, feat] (after ReLU). */
  feat: Tensor;
  /** Codes H^l = tanh(·) [m, bits]. */
  code: Tensor;
  /** Label reconstruction L̂ = sigmoid(·) [m, c]. */
  labels: Tensor;
}

/**
 * SSAH / HFAH label network: c → hidden → ReLU → feat → ReLU → bits (tanh) and → c (sigmoid).
 * The semantic feature f used by the pairwise NLL is taken before the ReLU [ours]: ReLU features have
 * non-negative inner products, so NLL(S, ½ f fᵀ) could only push dissimilar pairs to θ = 0 (loss ≥ log 2
 * each) and drives the features to zero.
 */
export class LabelNet extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly hash: Linear;
  readonly cls: Linear;
  constructor(rt: Runtime, c: number, hidden: number, feat: number, bits: number, rng: Rng) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(rt, c, hidden, { rng, activation: 'relu' }));
    this.fc2 = this.registerModule('fc2', new Linear(rt, hidden, feat, { rng }));
    this.hash = this.registerModule('hash', new Linear(rt, feat, bits, { rng, activation: 'tanh' }));
    this.cls = this.registerModule('cls', new Linear(rt, feat, c, { rng, activation: 'sigmoid' }));
  }
  run(labels: Tensor): LabelNetOutput {
    const feat = this.fc2.forward(this.fc1.forward(labels));
    const a = relu(feat);
    return { feat, code: this.hash.forward(a), labels: this.cls.forward(a) };
  }
  forward(labels: Tensor): Tensor {
    return this.run(labels).code;
  }
}

// ---- multi-scale BoW fusion (SSAH [ref]) ------------------------------------------------------------

/**
 * Pooling widths actually used for a d-dimensional text input: widths larger than d are clamped to d
 * (a global average) and duplicates after clamping are dropped [ours]. For Wikipedia's 10-d LDA topics
 * {50, 30, 15, 10, 5} → {10, 5}; for MIRFlickr's 1386-d BoW all five stay.
 */
export function effectiveWidths(widths: readonly number[], d: number): number[] {
  const out: number[] = [];
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`text fusion: pooling widths must be positive integers, got ${w}`);
    const c = Math.min(w, d);
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * Linear interpolation matrix U [L, d] that upsamples a length-L signal to length d (half-pixel
 * centres, edges clamped: bilinear resize with align_corners = false along one axis).
 */
export function upsampleMatrix(L: number, d: number): Float32Array {
  const u = new Float32Array(L * d);
  for (let j = 0; j < d; j++) {
    const src = Math.min(Math.max((j + 0.5) * (L / d) - 0.5, 0), L - 1);
    const i0 = Math.floor(src), i1 = Math.min(i0 + 1, L - 1), t = src - i0;
    u[i0 * d + j] += 1 - t;
    u[i1 * d + j] += t;
  }
  return u;
}

/**
 * For each width s: average-pool the BoW (width s, stride s) → 1×1 conv (one channel: a learnt scale and
 * bias) + ReLU → upsample back to d; concatenate with the raw BoW → [m, (1 + #widths)·d].
 */
export class MultiScaleFusion extends Module {
  readonly widths: number[];
  readonly convs: Linear[];
  private readonly ups: Tensor[];
  constructor(rt: Runtime, readonly dim: number, widths: readonly number[], rng: Rng) {
    super();
    this.widths = effectiveWidths(widths, dim);
    this.convs = this.widths.map((s) => this.registerModule(`conv${s}`, new Linear(rt, 1, 1, { rng, activation: 'relu' })));
    this.ups = this.widths.map((s) => {
      const L = Math.floor(dim / s);
      // A constant (no gradient), freed in dispose().
      return noGrad(() => fromArray(rt, upsampleMatrix(L, dim), [L, dim], 'f32'));
    });
  }
  get outDim(): number {
    return (1 + this.widths.length) * this.dim;
  }
  forward(x: Tensor): Tensor {
    const m = x.shape[0]!;
    const x4 = reshape(x, [m, 1, 1, this.dim]);
    const parts = [x];
    this.widths.forEach((s, i) => {
      const L = Math.floor(this.dim / s);
      const pooled = avgPool2d(x4, { kernel: [1, s], stride: [1, s] });
      const conv = reshape(this.convs[i]!.forward(reshape(pooled, [m * L, 1])), [m, L]);
      parts.push(matmul(conv, this.ups[i]!));
    });
    return concat(parts, 1);
  }
  override dispose(): void {
    super.dispose();
    for (const u of this.ups) u.dispose();
  }
}

// ---- HFAH hybrid attention, feature-input form -------------------------------------------------------

/**
 * CBAM-style hybrid attention on a feature vector (a C×1×1 map) [paper HFAH, degenerate form]: channel
 * attention sigmoid(MLP(avg) + MLP(max)) = sigmoid(2·MLP(h)) since both pools of a 1×1 map equal h,
 * then spatial attention: the 7×7 conv over [channel-mean, channel-max] of a 1×1 map (padding 3) only
 * touches its centre taps, i.e. sigmoid(w_a·mean_c + w_m·max_c + b), one gate per item.
 */
export class HybridGate extends Module {
  readonly mlp1: Linear;
  readonly mlp2: Linear;
  readonly spatial: Linear;
  constructor(rt: Runtime, channels: number, reduction: number, rng: Rng) {
    super();
    const mid = Math.max(1, Math.floor(channels / reduction));
    this.mlp1 = this.registerModule('mlp1', new Linear(rt, channels, mid, { rng, activation: 'relu' }));
    this.mlp2 = this.registerModule('mlp2', new Linear(rt, mid, channels, { rng }));
    this.spatial = this.registerModule('spatial', new Linear(rt, 2, 1, { rng, activation: 'sigmoid' }));
  }
  forward(h: Tensor): Tensor {
    const ch = sigmoid(mulScalar(this.mlp2.forward(this.mlp1.forward(h)), 2));
    const y = mul(ch, h);
    const desc = concat([mean(y, 1, { keepDims: true }), max(y, 1, { keepDims: true })], 1);
    return mul(y, this.spatial.forward(desc));
  }
}

// ---- modality networks --------------------------------------------------------------------------------

export interface ModalityNetOptions {
  inDim: number;
  hidden: number;
  feat: number;
  bits: number;
  numLabels: number;
  dropout: number;
  /** SSAH multi-scale fusion in front (text) with these pooling widths; null: none. */
  fusionWidths: readonly number[] | null;
  /** LRN after the hidden and feature layers (SSAH's text net). */
  lrn: boolean;
  /** HFAH hybrid attention gate on the hidden layer (the feature-input image net). */
  hybridAttention: boolean;
  rng: Rng;
  /** Raw images through CNN-F in place of the first layer (fc6/fc7 give the hidden width). */
  cnnf?: Omit<CnnfOptions, 'hidden' | 'dropout' | 'rng'>;
}

export interface ModalityOutput {
  feat: Tensor;
  code: Tensor;
  labels: Tensor;
}

/**
 * Feature-input modality net: [fusion] → fc hidden → ReLU → [LRN] → dropout → [hybrid gate] →
 * fc feat (f, pre-activation as in LabelNet) → ReLU → [LRN] → fc bits → tanh (H), and → fc c → sigmoid (labels).
 */
export class ModalityNet extends Module {
  readonly fusion: MultiScaleFusion | null;
  readonly cnnf: CnnF | null;
  readonly fc1: Linear | null;
  readonly drop: Dropout;
  readonly gate: HybridGate | null;
  readonly fc2: Linear;
  readonly hash: Linear;
  readonly cls: Linear;
  readonly lrn: boolean;
  /** Constant input scale (unit mean square per dimension over the training set), set in prepare(). */
  inputScale = 1;
  constructor(rt: Runtime, o: ModalityNetOptions) {
    super();
    this.lrn = o.lrn;
    this.fusion = o.fusionWidths ? this.registerModule('fusion', new MultiScaleFusion(rt, o.inDim, o.fusionWidths, o.rng)) : null;
    const d = this.fusion ? this.fusion.outDim : o.inDim;
    this.cnnf = o.cnnf ? this.registerModule('cnnf', new CnnF(rt, { ...o.cnnf, hidden: o.hidden, dropout: o.dropout, rng: o.rng.fork() })) : null;
    this.fc1 = o.cnnf ? null : this.registerModule('fc1', new Linear(rt, d, o.hidden, { rng: o.rng, activation: 'relu' }));
    this.drop = this.registerModule('drop', new Dropout(o.dropout, { rng: o.rng.fork() }));
    this.gate = o.hybridAttention ? this.registerModule('gate', new HybridGate(rt, o.hidden, 16, o.rng)) : null;
    this.fc2 = this.registerModule('fc2', new Linear(rt, o.hidden, o.feat, { rng: o.rng }));
    this.hash = this.registerModule('hash', new Linear(rt, o.feat, o.bits, { rng: o.rng, activation: 'tanh' }));
    this.cls = this.registerModule('cls', new Linear(rt, o.feat, o.numLabels, { rng: o.rng, activation: 'sigmoid' }));
  }
  private norm(x: Tensor): Tensor {
    if (!this.lrn) return x;
    const [m, c] = x.shape as [number, number];
    return reshape(localResponseNorm(reshape(x, [m, c, 1, 1])), [m, c]);
  }
  run(x: Tensor): ModalityOutput {
    let h = this.inputScale === 1 ? x : mulScalar(x, this.inputScale);
    if (this.fusion) h = this.fusion.forward(h);
    h = this.drop.forward(this.norm(this.cnnf ? this.cnnf.forward(h) : this.fc1!.forward(h)));
    if (this.gate) h = this.gate.forward(h);
    const feat = this.fc2.forward(h);
    const a = this.norm(relu(feat));
    return { feat, code: this.hash.forward(a), labels: this.cls.forward(a) };
  }
  forward(x: Tensor): Tensor {
    return this.run(x).code;
  }
}

/** Modality discriminator (SSAH): in → 512 → ReLU → 256 → ReLU → 1 logit. */
export class Discriminator extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly out: Linear;
  constructor(rt: Runtime, inDim: number, rng: Rng, widths: readonly [number, number] = [512, 256]) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(rt, inDim, widths[0], { rng, activation: 'relu' }));
    this.fc2 = this.registerModule('fc2', new Linear(rt, widths[0], widths[1], { rng, activation: 'relu' }));
    this.out = this.registerModule('out', new Linear(rt, widths[1], 1, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.out.forward(this.fc2.forward(this.fc1.forward(x)));
  }
}

/** Discriminator loss: real → 1, fake → 0 (inputs detached by the caller). */
export function discriminatorLoss(d: Discriminator, real: Tensor, fake: Tensor): Tensor {
  return add(bceWithLogits(d.forward(real), 1), bceWithLogits(d.forward(fake), 0));
}

/** Generator's adversarial loss: make D call the fake real. */
export function generatorLoss(d: Discriminator, fake: Tensor): Tensor {
  return bceWithLogits(d.forward(fake), 1);
}

/** Feature decoder for HFAH's reconstruction: feat → hidden → ReLU → out (linear). */
export class Decoder extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(rt: Runtime, inDim: number, hidden: number, outDim: number, rng: Rng) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(rt, inDim, hidden, { rng, activation: 'relu' }));
    this.fc2 = this.registerModule('fc2', new Linear(rt, hidden, outDim, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x));
  }
}

// ---- UDSPH cross-modal attention ------------------------------------------------------------------

/** [m, T·r] → [m, T, r] tokens with L2-normalised rows. */
function tokens(x: Tensor, tokenDim: number): { raw: Tensor; unit: Tensor; T: number } {
  const [m, d] = x.shape as [number, number];
  if (d % tokenDim !== 0) throw new CmhashError(`cross attention: feature width ${d} is not a multiple of the token width ${tokenDim}`);
  const T = d / tokenDim;
  const flat = reshape(x, [m * T, tokenDim]);
  return { raw: reshape(flat, [m, T, tokenDim]), unit: reshape(l2Normalize(flat), [m, T, tokenDim]), T };
}

/**
 * Local semantic-correlation loss of one direction (stacked cross attention): every query token q_i of
 * an item attends over the partner's tokens t_j with weights softmax_j(λ·cos(q_i, t_j)); the context
 * c_i = Σ_j w_ij t_j should agree with q_i: loss = mean over items and tokens of 1 − cos(q_i, c_i).
 */
export function crossAttentionLoss(query: Tensor, context: Tensor, tokenDim: number, lambda: number): Tensor {
  if (query.shape[0] !== context.shape[0]) throw new ShapeError(`crossAttentionLoss: ${fmtShape(query.shape)} and ${fmtShape(context.shape)} have different batch sizes`);
  const q = tokens(query, tokenDim), c = tokens(context, tokenDim);
  const m = query.shape[0]!;
  const w = softmax(matmul(q.unit, c.unit, { transB: true }), { scale: lambda }); // [m, Tq, Tc]
  const ctx = matmul(w, c.raw); // [m, Tq, r]
  const ctxUnit = reshape(l2Normalize(reshape(ctx, [m * q.T, tokenDim])), [m, q.T, tokenDim]);
  const cos = sum(mul(q.unit, ctxUnit), 2); // [m, Tq]
  return addScalar(neg(mean(cos)), 1);
}
