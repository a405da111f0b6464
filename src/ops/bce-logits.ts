/**
 * Binary cross-entropy of logits z against a constant target, averaged, fused (the label-guided models'
 * adversarial losses): target 1: mean(softplus(−z)); target 0: mean(softplus(z)); stable for any z.
 * Forward: one pass of partial sums that saves the derivative (kernels/loss_partial.wgsl, LOSS 2: the
 * pairwise NLL's softplus with s = 0 and θ = ∓z), plus the reduce kernel's final pass for large inputs;
 * backward: one multiply. The unfused chain (neg, softplus, mean and their backward rules) took eight
 * dispatches per term.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { lossPartial, scaleBy } from './loss-partial.js';
import { checkTensor } from './validate.js';

export function bceWithLogitsLoss(z: Tensor, target: 0 | 1): Tensor {
  const op = 'bceWithLogitsLoss';
  checkTensor(op, 'z', z, 'f32');
  if (target !== 0 && target !== 1) throw new RangeError(`${op}: target must be 0 or 1, got ${String(target)}`);
  const n = z.size;
  if (n === 0) throw new ShapeError(`${op}: z ${fmtShape(z.shape)} has no elements to average`);
  const thetaScale = target === 1 ? -1 : 1;
  const save = isGradEnabled() && z.requiresGrad;
  // b is not read by LOSS 2; z stands in for it.
  const { y, dUnit } = lossPartial({ kind: 'bceLogits', a: z, b: z, w: null, cols: 1, thetaScale, scale: 1 / n, coef: thetaScale / n, save });
  return record(y, op, [z], (g) => [dUnit ? scaleBy(dUnit, g) : null]);
}
