/**
 * The shared forward of the fused elementwise losses (kernels/loss_partial.wgsl): partial sums of a
 * per-element loss over a and b, then (large inputs only) the reduce kernel's fixed-order pass over
 * the partials, times `scale`; optionally the derivative per unit upstream gradient, saved for backward.
 */
import { Tensor } from '../tensor/tensor.js';
import { launch } from './launch.js';
import { reduceChunks, reduceRaw } from './reduce.js';

export const LOSS_KINDS = { squaredError: 0, pairwiseNll: 1, bceLogits: 2 } as const;

export interface LossPartialArgs {
  kind: keyof typeof LOSS_KINDS;
  a: Tensor;
  b: Tensor;
  /** Column weights (pairwise NLL), or null. */
  w: Tensor | null;
  /** Columns of a (the weight index is e mod cols); 1 when unweighted. */
  cols: number;
  /** Scale inside the loss (pairwise NLL: θ = thetaScale · a). */
  thetaScale: number;
  /** The loss = scale · Σ_e l_e. */
  scale: number;
  /** The saved derivative's factor (per unit upstream gradient). */
  coef: number;
  /** Save dL/da (a tensor shaped like a) for the backward pass. */
  save: boolean;
}

export function lossPartial(o: LossPartialArgs): { y: Tensor; dUnit: Tensor | null } {
  const rt = o.a.runtime;
  const n = o.a.size;
  const nPart = Math.max(1, reduceChunks(1, n));
  const partial = Tensor.empty(rt, [nPart], 'f32');
  // The kernel binds w and da either way: b stands in for absent weights, one word for an unsaved derivative.
  const dUnit = Tensor.empty(rt, o.save ? o.a.shape : [1], 'f32');
  launch(rt, 'loss_partial', [o.a.buffer, o.b.buffer, (o.w ?? o.b).buffer, partial.buffer, dUnit.buffer], {
    n, n_part: nPart, cols: o.cols, col_step: nPart % o.cols, scale: o.thetaScale, coef: o.coef, alpha: nPart === 1 ? o.scale : 1,
  }, { constants: { LOSS: LOSS_KINDS[o.kind], WEIGHTED: o.w ? 1 : 0, SAVE_GRAD: o.save ? 1 : 0 } });
  // One part: the kernel's output is the loss already; else a short fixed-order pass over the partials.
  const y = nPart === 1 ? partial.view([]) : reduceRaw('sum', partial, [0], false, o.scale);
  partial.dispose();
  if (!o.save) dUnit.dispose();
  return { y, dUnit: o.save ? dUnit : null };
}

/** x · g for a one-element GPU tensor g (a backward rule's upstream gradient): one plain pass over x. */
export function scaleBy(x: Tensor, g: Tensor): Tensor {
  const y = Tensor.empty(x.runtime, x.shape, 'f32');
  if (x.size > 0) launch(x.runtime, 'scale_by', [x.buffer, g.buffer, y.buffer], { n: x.size });
  return y;
}
