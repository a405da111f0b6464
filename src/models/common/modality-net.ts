/** The image and text networks of the label-guided models (SSAH, HFAH, UDSPH). */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mulScalar, relu, reshape } from '../../ops/elementwise.js';
import { localResponseNorm } from '../../ops/lrn.js';
import { Dropout, Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';
import { CnnF, type CnnfOptions } from './cnnf.js';
import { HybridGate } from './hybrid-gate.js';
import { MultiScaleFusion } from './text-fusion.js';

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
