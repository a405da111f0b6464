/** Loss terms shared by the models (all built from autograd ops, so their gradients come for free). */
import { ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cosineReconstruction } from '../../ops/cosine-loss.js';
import { matmul } from '../../ops/matmul.js';
import { pairwiseNllLoss } from '../../ops/pairwise-nll.js';
import { squaredError } from '../../ops/squared-error.js';
import { axpby, mulScalar } from '../../ops/elementwise.js';
import { checkSameShape } from '../../ops/validate.js';

/** Mean squared difference ‖a − b‖² / numel: the fused squared error (1 dispatch forward, 1–2 backward, not ≈ 8). */
export function mse(a: Tensor, b: Tensor): Tensor {
  checkSameShape('mse', 'a', a, 'b', b);
  if (a.size === 0) throw new ShapeError(`mse: a ${fmtShape(a.shape)} has no elements to average`);
  return squaredError(a, b, 1 / a.size);
}

/**
 * Σ w_i·t_i over scalar loss terms (same shapes): one axpby per term after the first, and one pass per
 * weighted term backward (mulScalar + add per term took two forward and one backward).
 */
export function weightedSum(terms: readonly (readonly [Tensor, number])[]): Tensor {
  if (terms.length === 0) throw new RangeError('weightedSum: no terms');
  const [t0, w0] = terms[0]!;
  if (terms.length === 1) return mulScalar(t0, w0);
  let acc = axpby(w0, t0, terms[1]![1], terms[1]![0]);
  for (const [t, w] of terms.slice(2)) acc = axpby(1, acc, w, t);
  return acc;
}

/** Sum of squares ‖a − b‖²_F (DCMH/SSAH quantisation terms). */
export function sumSquaredError(a: Tensor, b: Tensor): Tensor {
  checkSameShape('sumSquaredError', 'a', a, 'b', b);
  return squaredError(a, b);
}

export interface CosineReconstruction {
  total: Tensor;
  inter: Tensor;
  intraImage: Tensor;
  intraText: Tensor;
}

/**
 * DJSRH / JSGHCA Eq. 9: ‖S − cos(B_I,B_T)‖² + λ1‖S − cos(B_I,B_I)‖² + λ2‖S − cos(B_T,B_T)‖² (mean squared),
 * where S already carries μ. One fused op (src/ops/cosine-loss.ts: 2 dispatches forward, 1 backward instead
 * of ≈56). `imageAlone`: the total (what backward() differentiates) is the intra-image term alone, weight 1
 * (JSGHCA's image-only stage); the reported terms are the same.
 */
export function cosineReconstructionLoss(S: Tensor, bI: Tensor, bT: Tensor, lambda1: number, lambda2: number, imageAlone = false): CosineReconstruction {
  const w = imageAlone ? { ab: 0, aa: 1, bb: 0 } : { ab: 1, aa: lambda1, bb: lambda2 };
  const l = cosineReconstruction(S, bI, bT, w);
  return { total: l.total, inter: l.inter, intraImage: l.intraA, intraText: l.intraB };
}

/**
 * Pairwise negative log-likelihood NLL(s, θ) = −Σ (s·θ − log(1 + e^θ)) / count with θ = ½·a·bᵀ,
 * computed stably through softplus. `s` is the 0/1 similarity [m, n]; a [m, k], b [n, k].
 * Averaged over the m·n pairs so the scale does not depend on the batch size [ours].
 * The elementwise part and the mean are one fused op (forward and backward: src/ops/pairwise-nll.ts).
 */
export function pairwiseNll(s: Tensor, a: Tensor, b: Tensor, colWeights?: Tensor): Tensor {
  // Column weights [1, n] (mean 1): the rows of b stand for several items each (label-guided models).
  return pairwiseNllLoss(matmul(a, b, { transB: true }), s, { scale: 0.5, colWeights });
}
