/**
 * Hash networks shared by the models (MODELS.md "Shared pieces"):
 *  - feature input (image features or bag-of-words): fc(hidden) → ReLU → dropout → [Si-Attention] → fc(bits)
 *  - raw images: the CNN-F conv stack (src/models/common/cnnf.ts) feeding the same head.
 * forward() returns the pre-tanh hash output h; codes are tanh(δ·h) (scaled tanh) and sign(h) at retrieval.
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dropout, Linear, Module } from '../../nn/index.js';
import { mul, mulScalar } from '../../ops/elementwise.js';
import type { Rng } from '../../util/rng.js';

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
}

export class FeatureHashNet extends Module {
  readonly fc1: Linear;
  readonly drop: Dropout;
  readonly head: Linear;
  readonly att: SiAttention | null;
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
    this.att = o.attention === 'none' ? null : this.registerModule('att', new SiAttention(rt, o.attention === 'input' ? o.inDim : o.hidden, o.rng));
    this.fc1 = this.registerModule('fc1', new Linear(rt, o.inDim, o.hidden, { rng: o.rng, activation: 'relu' }));
    this.drop = this.registerModule('drop', new Dropout(o.dropout, { rng: o.rng.fork() }));
    this.head = this.registerModule('head', new Linear(rt, o.hidden, o.bits, { rng: o.rng }));
  }

  /** Pre-tanh hash output h [m, bits]. */
  forward(x: Tensor): Tensor {
    let h = this.inputScale === 1 ? x : mulScalar(x, this.inputScale);
    if (this.att && this.attention === 'input') h = this.att.forward(h);
    h = this.drop.forward(this.fc1.forward(h));
    if (this.att && this.attention === 'hidden') h = this.att.forward(h);
    return this.head.forward(h);
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
