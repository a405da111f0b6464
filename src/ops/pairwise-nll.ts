/**
 * Pairwise logistic negative log-likelihood, fused (DCMH, SSAH, HFAH, UDSPH: MODELS.md):
 *   L = mean over the pairs (i, j) of w_j · (log(1 + e^θij) − s_ij·θij),   θ = scale · t,
 * for a score matrix t [m, n] (t = a·bᵀ), 0/1 similarities s [m, n] and optional column weights w [n]
 * (or [1, n]). Forward: one pass of partial sums that also saves the derivative (kernels/loss_partial.wgsl, src/ops/loss-partial.ts)
 * and the reduce kernel's final pass; backward: one multiply by the upstream gradient. The unfused chain (affine,
 * softplus, mul, sub, weight, mean, and their backward rules) read and wrote the [m, n] matrix about a
 * dozen times.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { binaryRaw, unaryRaw } from './raw.js';
import { lossPartial, scaleBy } from './loss-partial.js';
import { checkRank, checkSameRuntime, checkSameShape, checkTensor } from './validate.js';

export interface PairwiseNllOptions {
  /** θ = scale · t (DCMH: ½). Default 1. */
  scale?: number;
  /** Column weights w [n] or [1, n] (constants: no gradient). */
  colWeights?: Tensor;
}

export function pairwiseNllLoss(t: Tensor, s: Tensor, opts: PairwiseNllOptions = {}): Tensor {
  const op = 'pairwiseNllLoss';
  checkTensor(op, 't', t, 'f32');
  checkTensor(op, 's', s, 'f32');
  checkRank(op, 't', t, 2);
  checkSameShape(op, 't', t, 's', s);
  checkSameRuntime(op, t, s);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale)) throw new RangeError(`${op}: scale must be finite, got ${scale}`);
  const [m, n] = t.shape as [number, number];
  const count = m * n;
  if (count === 0) throw new ShapeError(`${op}: t ${fmtShape(t.shape)} has no pairs to average`);
  const w = opts.colWeights;
  if (w) {
    checkTensor(op, 'colWeights', w, 'f32');
    checkSameRuntime(op, t, w);
    if (w.size !== n || (w.rank === 2 && w.shape[0] !== 1) || w.rank > 2) {
      throw new ShapeError(`${op}: colWeights ${fmtShape(w.shape)} must be [${n}] or [1, ${n}] for t ${fmtShape(t.shape)}`);
    }
    if (w.requiresGrad) throw new ShapeError(`${op}: colWeights ${fmtShape(w.shape)} requires a gradient; they are treated as constants`);
  }
  // The derivative is saved by the forward pass when t's gradient will be wanted.
  const save = isGradEnabled() && t.requiresGrad;
  const { y, dUnit } = lossPartial({ kind: 'pairwiseNll', a: t, b: s, w: w ?? null, cols: n, thetaScale: scale, scale: 1 / count, coef: scale / count, save });
  return record(y, op, [t, s], (g) => {
    // dL/dt = g · dUnit (saved above); dL/ds = −g · scale · t · w / count.
    const dt = dUnit ? scaleBy(dUnit, g) : null;
    let ds: Tensor | null = null;
    if (s.requiresGrad) {
      const gt = binaryRaw('mul', t, g.view([1, 1]));
      const gw = w ? binaryRaw('mul', gt, w.view([1, n])) : gt;
      ds = unaryRaw('affine', gw, -scale / count, 0);
      if (gw !== gt) gw.dispose();
      gt.dispose();
    }
    return [dt, ds];
  });
}
