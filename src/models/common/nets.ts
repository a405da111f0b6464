/**
 * Hash networks shared by the models (MODELS.md "Shared pieces"):
 *  - feature input (image features or bag-of-words): fc(hidden) → ReLU → dropout → [Si-Attention] → fc(bits)
 *  - raw images: the CNN-F conv stack (src/models/common/cnnf.ts) feeding the same head.
 * forward() returns the pre-tanh hash output h; codes are tanh(δ·h) (scaled tanh) and sign(h) at retrieval.
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout, Linear, Module, MultiHeadAttention } from '../../nn/index.js';
import { mul, mulScalar, reshape } from '../../ops/elementwise.js';
import { mean } from '../../ops/reduce.js';
import { linear } from '../../ops/matmul.js';
import { linearReluDropout } from '../../ops/linear-dropout.js';
import type { Rng } from '../../util/rng.js';
import { CmhashError } from '../../runtime/errors.js';
import { CnnF, type CnnfOptions } from './cnnf.js';

/**
 * JSGHCA Si-Attention for vectors: M = sigmoid(fc(x)) with the width of x, y = M ⊙ x.
 * (The conv-map variant for raw images lives with CNN-F.)
 */
export class SiAttention extends Module {
  readonly fc: Linear;
  constructor(rt: Runtime, width: number, rng: Rng) {
    super();
    this.fc = this.registerModule('fc', new Linear(rt, width, width, { rng, activation: 'sigmoid' }));
  }
  forward(x: Tensor): Tensor {
    return mul(this.fc.forward(x), x);
  }
}

export interface HashNetOptions {
  inDim: number;
  hidden: number;
  bits: number;
  dropout: number;
  /** Where the Si-Attention mask goes: on the input features, on the hidden layer, or nowhere. */
  attention: 'none' | 'input' | 'hidden';
  rng: Rng;
  /**
   * Dropout on the (scaled) input features, before everything else [ours]: each training step sees the feature
   * vector with a random part of its entries zeroed (BoW / SIFT words), a regulariser for small training sets.
   * Feature input only; 0 (the default) builds no module, so such nets and their checkpoints are unchanged.
   */
  inputDropout?: number;
  /**
   * Raw images through CNN-F instead of fc(hidden) on feature vectors (conv → fc6 → fc7, hidden wide).
   * 'input' attention is not defined for raw images; the conv-map Si-Attention is `cnnf.siAttention`.
   */
  cnnf?: Omit<CnnfOptions, 'hidden' | 'dropout' | 'rng'>;
  /**
   * UMHA multi-head self-attention before the hash head: the hidden vector is split into `tokens` tokens
   * of hidden/tokens, `heads`-head self-attention, residual, mean-pool over the tokens, then the head.
   */
  tokenAttention?: { tokens: number; heads: number; pool: TokenPool };
}

/** How the attended tokens become the head's input: 'mean' over tokens ([m, hidden/tokens]) or 'flatten' ([m, hidden]). */
export type TokenPool = 'mean' | 'flatten';

/** UMHA's attention block: [m, hidden] → tokens → x + MHA(x) → mean over tokens ([m, hidden/tokens]) or flattened back ([m, hidden]). */
export class TokenAttention extends Module {
  readonly mha: MultiHeadAttention;
  readonly tokenDim: number;
  readonly outDim: number;
  constructor(rt: Runtime, readonly hidden: number, readonly tokens: number, heads: number, readonly pool: TokenPool, rng: Rng) {
    super();
    if (pool !== 'mean' && pool !== 'flatten') throw new CmhashError(`TokenAttention: pool must be 'mean' or 'flatten', got '${String(pool)}'`);
    if (!Number.isInteger(tokens) || tokens < 1 || hidden % tokens !== 0) throw new CmhashError(`TokenAttention: hidden width ${hidden} does not split into ${tokens} tokens`);
    this.tokenDim = hidden / tokens;
    if (this.tokenDim % heads !== 0) throw new CmhashError(`TokenAttention: token width ${this.tokenDim} (hidden ${hidden} / ${tokens} tokens) is not divisible by ${heads} heads`);
    this.mha = this.registerModule('mha', new MultiHeadAttention(rt, this.tokenDim, heads, { rng }));
    this.outDim = pool === 'mean' ? this.tokenDim : hidden;
  }
  forward(x: Tensor): Tensor {
    const t = reshape(x, [x.shape[0]!, this.tokens, this.tokenDim]);
    const y = this.mha.forwardResidual(t);
    return this.pool === 'mean' ? mean(y, 1) : reshape(y, [x.shape[0]!, this.hidden]);
  }
}

/** The input-dropout rule (FeatureHashNet, and the paired models' config key that sets it): p in [0, 1), feature input only. */
export function checkInputDropout(what: string, p: number, rawImages: boolean): void {
  if (!(p >= 0 && p < 1)) throw new CmhashError(`${what} must be in [0, 1), got ${p}`);
  if (p > 0 && rawImages) throw new CmhashError(`${what} needs feature input, not raw images (imageInput 'cnnf')`);
}

export class FeatureHashNet extends Module {
  /** fc(hidden) on feature vectors; null on the raw-image path (the CNN-F stack takes its place). */
  readonly fc1: Linear | null;
  readonly cnnf: CnnF | null;
  readonly drop: Dropout;
  /** Dropout on the input features (HashNetOptions.inputDropout); null when 0. */
  readonly inDrop: Dropout | null;
  readonly head: Linear;
  readonly att: SiAttention | null;
  readonly tokenAtt: TokenAttention | null;
  readonly attention: HashNetOptions['attention'];
  /**
   * Constant input scale, set from the training set so that E‖s·x‖² = dim [ours]: L1-normalised SIFT
   * histograms and L2-normalised tf-idf rows have entries ~1/dim, which at PyTorch-default init gives
   * vanishing first-layer activations and gradients (the nets then barely learn).
   */
  inputScale = 1;

  constructor(rt: Runtime, o: HashNetOptions) {
    super();
    this.attention = o.attention;
    if (o.cnnf && o.attention === 'input') throw new CmhashError(`FeatureHashNet: 'input' Si-Attention needs feature vectors; on raw images use the conv-map mask (cnnf.siAttention) or 'hidden'`);
    this.att = o.attention === 'none' ? null : this.registerModule('att', new SiAttention(rt, o.attention === 'input' ? o.inDim : o.hidden, o.rng));
    this.cnnf = o.cnnf ? this.registerModule('cnnf', new CnnF(rt, { ...o.cnnf, hidden: o.hidden, dropout: o.dropout, rng: o.rng.fork() })) : null;
    this.fc1 = o.cnnf ? null : this.registerModule('fc1', new Linear(rt, o.inDim, o.hidden, { rng: o.rng, activation: 'relu' }));
    this.drop = this.registerModule('drop', new Dropout(o.cnnf ? 0 : o.dropout, { rng: o.rng.fork() }));
    this.tokenAtt = o.tokenAttention ? this.registerModule('tokens', new TokenAttention(rt, o.hidden, o.tokenAttention.tokens, o.tokenAttention.heads, o.tokenAttention.pool, o.rng.fork())) : null;
    this.head = this.registerModule('head', new Linear(rt, this.tokenAtt ? this.tokenAtt.outDim : o.hidden, o.bits, { rng: o.rng }));
    const pIn = o.inputDropout ?? 0;
    checkInputDropout('FeatureHashNet: inputDropout', pIn, !!o.cnnf);
    // Forked last, so the other modules' initial weights do not depend on whether it exists.
    this.inDrop = pIn > 0 ? this.registerModule('inDrop', new Dropout(pIn, { rng: o.rng.fork() })) : null;
  }

  /**
   * Pre-tanh hash output h [m, bits]; with `codeScale` δ the codes tanh(δ·h) instead, the scaled tanh fused
   * into the head's GEMM epilogue (and its backward into the bias-gradient pass).
   */
  forward(x: Tensor, codeScale?: number): Tensor {
    let h = this.inputScale === 1 ? x : mulScalar(x, this.inputScale);
    if (this.inDrop) h = this.inDrop.forward(h);
    if (this.att && this.attention === 'input') h = this.att.forward(h);
    h = this.cnnf ? this.cnnf.forward(h) : this.hidden(this.fc1!, h);
    if (this.att && this.attention === 'hidden') h = this.att.forward(h);
    if (this.tokenAtt) h = this.tokenAtt.forward(h);
    return codeScale === undefined ? this.head.forward(h) : linear(h, this.head.weight, this.head.bias, 'scaledTanh', codeScale);
  }

  /** dropout(fc1(x)): with dropout on, one op whose backward needs no dropout pass (linearReluDropout). */
  private hidden(fc1: Linear, x: Tensor): Tensor {
    if (!this.drop.active || fc1.activation !== 'relu' || x.rank !== 2) return this.drop.forward(fc1.forward(x));
    return linearReluDropout(x, fc1.weight, fc1.bias, this.drop.p, this.drop.nextSeed());
  }
}

/** s such that the mean squared row norm of s·x equals dim (1 for an empty or all-zero set). */
export function unitVarianceScale(x: Float32Array, dim: number): number {
  const n = Math.floor(x.length / dim);
  if (n === 0) return 1;
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i]! * x[i]!;
  const meanSq = sq / n;
  return meanSq > 0 ? Math.sqrt(dim / meanSq) : 1;
}
