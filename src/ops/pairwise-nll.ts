/**
 * Pairwise logistic negative log-likelihood, fused (DCMH, SSAH, HFAH, UDSPH: MODELS.md):
 *   L = mean over the pairs (i, j) of w_j · (log(1 + e^θij) − s_ij·θij),   θ = scale · t,
 * for a score matrix t [m, n] (t = a·bᵀ), 0/1 similarities s [m, n] and optional column weights w [n]
 * (or [1, n]). Forward: one pass of partial sums (kernels/pairwise_nll.wgsl) and the reduce kernel's
 * final pass; backward: one elementwise pass (pairwise_nll_backward.wgsl). The unfused chain (affine,
 * softplus, mul, sub, weight, mean, and their backward rules) read and wrote the [m, n] matrix about a
 * dozen times.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { binaryRaw, unaryRaw } from './raw.js';
import { launch } from './launch.js';
import { reduceChunks, reduceRaw } from './reduce.js';
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
  const rt = t.runtime;
  const constants = { WEIGHTED: w ? 1 : 0 };
  const wBuf = (w ?? s).buffer; // bound but unread when unweighted
  const nPart = Math.max(1, Math.min(count, reduceChunks(1, count)));
  const partial = Tensor.empty(rt, [nPart], 'f32');
  launch(rt, 'pairwise_nll', [t.buffer, s.buffer, wBuf, partial.buffer], { n: count, n_part: nPart, cols: n, col_step: nPart % n, scale }, { constants });
  const y = reduceRaw('sum', partial, [0], false, 1 / count);
  partial.dispose();
  return record(y, op, [t, s], (g) => {
    let dt: Tensor | null = null, ds: Tensor | null = null;
    if (t.requiresGrad) {
      dt = Tensor.empty(rt, t.shape, 'f32');
      launch(rt, 'pairwise_nll_backward', [t.buffer, s.buffer, wBuf, g.buffer, dt.buffer], { n: count, cols: n, scale, coef: scale / count }, { constants });
    }
    if (s.requiresGrad) {
      // dL/ds = −g · scale · t · w / count.
      const gt = binaryRaw('mul', t, g.view([1, 1]));
      const gw = w ? binaryRaw('mul', gt, w.view([1, n])) : gt;
      ds = unaryRaw('affine', gw, -scale / count, 0);
      if (gw !== gt) gw.dispose();
      gt.dispose();
    }
    return [dt, ds];
  });
}
