/**
 * Squared error scale · ‖a − b‖² (a sum, a mean with scale 1/n, or a loss weight folded in), fused (the quantisation terms of DCMH and the label-guided
 * models, DCMH's balance term): forward one pass of partial sums (kernels/loss_partial.wgsl; a second,
 * short reduce pass only for large inputs) that also saves dL/da; backward one multiply (and a negation for
 * b). The unfused chain (sub, square, sum, scale and their backward rules) took about nine dispatches.
 */
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { unaryRaw } from './raw.js';
import { lossPartial, scaleBy } from './loss-partial.js';
import { checkSameRuntime, checkSameShape, checkTensor } from './validate.js';

/** scale · Σ (a − b)² over all elements (scale 1/n: the mean squared error). */
export function squaredError(a: Tensor, b: Tensor, scale = 1): Tensor {
  const op = 'squaredError';
  checkTensor(op, 'a', a, 'f32');
  checkTensor(op, 'b', b, 'f32');
  checkSameShape(op, 'a', a, 'b', b);
  checkSameRuntime(op, a, b);
  if (!Number.isFinite(scale)) throw new RangeError(`${op}: scale must be finite, got ${scale}`);
  const n = a.size;
  // dL/da is saved by the forward pass when a gradient will be wanted.
  const save = isGradEnabled() && (a.requiresGrad || b.requiresGrad) && n > 0;
  const { y, dUnit } = lossPartial({ kind: 'squaredError', a, b, w: null, cols: 1, thetaScale: 1, scale, coef: 2 * scale, save });
  return record(y, op, [a, b], (g) => {
    if (!dUnit) return [null, null];
    const da = scaleBy(dUnit, g);
    const db = b.requiresGrad ? unaryRaw('neg', da) : null;
    if (!a.requiresGrad) da.dispose();
    return [a.requiresGrad ? da : null, db];
  });
}
