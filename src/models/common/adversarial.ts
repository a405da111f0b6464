/** SSAH's modality discriminators and the adversarial losses of the label-guided models. */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { add } from '../../ops/elementwise.js';
import { bceWithLogitsLoss } from '../../ops/bce-logits.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';
import { detach } from './no-grad.js';

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
 * target 1: mean(softplus(−z)); target 0: mean(softplus(z)) (stable for any z). One fused op (src/ops/bce-logits.ts).
 */
export function bceWithLogits(z: Tensor, target: 0 | 1): Tensor {
  return bceWithLogitsLoss(z, target);
}

/** Discriminator loss: real → 1, fake → 0 (inputs detached by the caller). */
export function discriminatorLoss(d: Discriminator, real: Tensor, fake: Tensor): Tensor {
  return add(bceWithLogits(d.forward(real), 1), bceWithLogits(d.forward(fake), 0));
}

/**
 * One discriminator with its real and fake inputs and D(fake), computed once in the generator phase and
 * reused by the discriminator phase: the generator step moves only the generators, so D's weights and the
 * fake tensor are the same in both phases and a second forward D(detach(fake)) would repeat the same GEMMs
 * bit for bit (SSAH: 2 × 50 M multiply-adds and 8 dispatches per step). Valid only while D has not stepped
 * since `fakeLogits` was computed.
 */
export interface AdversarialPair {
  d: Discriminator;
  real: Tensor;
  fake: Tensor;
  fakeLogits: Tensor;
}

export function adversarialPair(d: Discriminator, real: Tensor, fake: Tensor): AdversarialPair {
  return { d, real, fake, fakeLogits: d.forward(fake) };
}

/** Generator's adversarial loss: make D call the fake real. */
export function generatorLoss(p: AdversarialPair): Tensor {
  return bceWithLogits(p.fakeLogits, 1);
}

/**
 * discriminatorLoss(d, detach(real), detach(fake)) with the generator phase's D(fake): differentiate it
 * with backwardStoppedAt(loss, [pair.fake, …]) so no gradient flows past D's input into the generators.
 */
export function discriminatorLossReusing(p: AdversarialPair): Tensor {
  return add(bceWithLogits(p.d.forward(detach(p.real)), 1), bceWithLogits(p.fakeLogits, 0));
}
