/** SSAH's modality discriminators and the adversarial losses of the label-guided models. */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { add, neg, softplus } from '../../ops/elementwise.js';
import { mean } from '../../ops/reduce.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';

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

/**
 * Binary cross-entropy of logits z against a constant target (all 1 or all 0), averaged:
 * target 1: mean(softplus(−z)); target 0: mean(softplus(z)) (stable for any z).
 */
export function bceWithLogits(z: Tensor, target: 0 | 1): Tensor {
  return mean(softplus(target === 1 ? neg(z) : z));
}

/** Discriminator loss: real → 1, fake → 0 (inputs detached by the caller). */
export function discriminatorLoss(d: Discriminator, real: Tensor, fake: Tensor): Tensor {
  return add(bceWithLogits(d.forward(real), 1), bceWithLogits(d.forward(fake), 0));
}

/** Generator's adversarial loss: make D call the fake real. */
export function generatorLoss(d: Discriminator, fake: Tensor): Tensor {
  return bceWithLogits(d.forward(fake), 1);
}
