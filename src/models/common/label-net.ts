/** The label network of the label-guided models (SSAH, HFAH, UDSPH). */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { relu } from '../../ops/elementwise.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';

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
    const feat = this.features(labels);
    const a = relu(feat);
    return { feat, code: this.hash.forward(a), labels: this.cls.forward(a) };
  }
  /** f^l alone (SSAH's discriminators' real inputs): no head GEMMs for outputs nobody reads. */
  features(labels: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(labels));
  }
  /** f^l and H^l without the label head (the pairwise terms' constants, the code matrix). */
  featuresAndCodes(labels: Tensor): { feat: Tensor; code: Tensor } {
    const feat = this.features(labels);
    return { feat, code: this.hash.forward(relu(feat)) };
  }
  forward(labels: Tensor): Tensor {
    return this.featuresAndCodes(labels).code;
  }
}
