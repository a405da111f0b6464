/** Pairwise label similarity of the supervised models (DCMH, SSAH, HFAH, UDSPH). */
import { ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { sign } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';

/**
 * Label similarity S[i][j] = 1 when rows i of `a` and j of `b` share at least one label, else 0
 * (MODELS.md: relevant = qL·rLᵀ > 0). Labels are non-negative multi-hot, so sign() of the label
 * inner products is exactly 0/1. No gradient.
 */
export function labelSimilarity(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`labelSimilarity: labels must be [m, c] and [n, c], got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return noGrad(() => sign(matmul(a, b, { transB: true })));
}
