/** UDSPH's cross-modal attention (local semantic correlation) loss. */
import { CmhashError, ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { addScalar, mul, neg, reshape } from '../../ops/elementwise.js';
import { mean, sum } from '../../ops/reduce.js';
import { matmul } from '../../ops/matmul.js';
import { l2Normalize } from '../../ops/similarity.js';
import { softmax } from '../../ops/softmax.js';

/** [m, T·r] → [m, T, r] tokens with L2-normalised rows. */
function tokens(x: Tensor, tokenDim: number): { raw: Tensor; unit: Tensor; T: number } {
  const [m, d] = x.shape as [number, number];
  if (d % tokenDim !== 0) throw new CmhashError(`cross attention: feature width ${d} is not a multiple of the token width ${tokenDim}`);
  const T = d / tokenDim;
  const flat = reshape(x, [m * T, tokenDim]);
  return { raw: reshape(flat, [m, T, tokenDim]), unit: reshape(l2Normalize(flat), [m, T, tokenDim]), T };
}

/**
 * Local semantic-correlation loss of one direction (stacked cross attention): every query token q_i of
 * an item attends over the partner's tokens t_j with weights softmax_j(λ·cos(q_i, t_j)); the context
 * c_i = Σ_j w_ij t_j should agree with q_i: loss = mean over items and tokens of 1 − cos(q_i, c_i).
 */
export function crossAttentionLoss(query: Tensor, context: Tensor, tokenDim: number, lambda: number): Tensor {
  if (query.shape[0] !== context.shape[0]) throw new ShapeError(`crossAttentionLoss: ${fmtShape(query.shape)} and ${fmtShape(context.shape)} have different batch sizes`);
  const q = tokens(query, tokenDim), c = tokens(context, tokenDim);
  const m = query.shape[0]!;
  const w = softmax(matmul(q.unit, c.unit, { transB: true }), { scale: lambda }); // [m, Tq, Tc]
  const ctx = matmul(w, c.raw); // [m, Tq, r]
  const ctxUnit = reshape(l2Normalize(reshape(ctx, [m * q.T, tokenDim])), [m, q.T, tokenDim]);
  const cos = sum(mul(q.unit, ctxUnit), 2); // [m, Tq]
  return addScalar(neg(mean(cos)), 1);
}
