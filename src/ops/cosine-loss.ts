/**
 * The cosine reconstruction loss of DJSRH / JSGHCA (Eq. 9) as one fused op:
 *   total = w_ab·mean((cos(A,B) − S)²) + w_aa·mean((cos(A,A) − S)²) + w_bb·mean((cos(B,B) − S)²)
 * for codes A, B [m, k] and a target S [m, m] (no gradient). Built from the general ops it takes 16
 * dispatches forward and about 40 backward (three normalisations and similarity matrices, their
 * residuals, squares, means and the gradient sums); fused it takes 2 forward (kernels/cosine_recon.wgsl,
 * cosine_recon_finish.wgsl) and 1 backward (cosine_recon_backward.wgsl). On lavapipe each dispatch costs
 * ~0.1 ms whatever it does, and at batch sizes these work on (m ≤ a few hundred) the arithmetic is tiny.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { launch } from './launch.js';
import { NORM_EPS } from './similarity.js';
import { checkRank, checkSameRuntime, checkSameShape, checkTensor } from './validate.js';

export interface CosineReconstructionWeights {
  /** Weight of the cross term mean((cos(A,B) − S)²). */
  ab: number;
  /** Weight of mean((cos(A,A) − S)²). */
  aa: number;
  /** Weight of mean((cos(B,B) − S)²). */
  bb: number;
}

export interface CosineReconstructionTerms {
  /** The weighted sum, recorded on the tape (gradients to a and b). */
  total: Tensor;
  /** The three unweighted mean squared errors (no gradient; for reporting). */
  inter: Tensor;
  intraA: Tensor;
  intraB: Tensor;
}

/**
 * Fused cosine reconstruction loss of codes a, b [m, k] against the target s [m, m] (s[i, j] is compared
 * with cos(a_i, b_j), cos(a_i, a_j) and cos(b_i, b_j); it need not be symmetric). Row norms are clamped
 * at NORM_EPS as in l2Normalize / cosineSimilarity. Each output is a [1] tensor.
 */
export function cosineReconstruction(s: Tensor, a: Tensor, b: Tensor, w: CosineReconstructionWeights): CosineReconstructionTerms {
  const op = 'cosineReconstruction';
  checkTensor(op, 's', s, 'f32');
  checkTensor(op, 'a', a, 'f32');
  checkTensor(op, 'b', b, 'f32');
  checkRank(op, 'a', a, 2);
  checkRank(op, 's', s, 2);
  checkSameShape(op, 'a', a, 'b', b);
  checkSameRuntime(op, s, a, b);
  const [m, k] = a.shape as [number, number];
  if (m === 0 || k === 0) throw new ShapeError(`${op}: codes a ${fmtShape(a.shape)} are empty`);
  if (s.shape[0] !== m || s.shape[1] !== m) throw new ShapeError(`${op}: target s ${fmtShape(s.shape)} must be [${m}, ${m}] for codes a ${fmtShape(a.shape)}`);
  if (s.requiresGrad) throw new ShapeError(`${op}: the target s carries no gradient; compute it under noGrad()`);
  for (const [name, v] of Object.entries(w)) if (!Number.isFinite(v)) throw new RangeError(`${op}: weight ${name} must be finite, got ${v}`);
  const rt = a.runtime;
  const rows = 2 * m;
  const coef = Tensor.empty(rt, [rows, rows], 'f32');
  const perRow = Tensor.empty(rt, [rows, 4], 'f32');
  launch(rt, 'cosine_recon', [a.buffer, b.buffer, s.buffer, coef.buffer, perRow.buffer], { rows, m, k, eps: NORM_EPS, w_ab: w.ab, w_aa: w.aa, w_bb: w.bb });
  const out = [0, 1, 2, 3].map(() => Tensor.empty(rt, [1], 'f32')) as [Tensor, Tensor, Tensor, Tensor];
  launch(rt, 'cosine_recon_finish', [perRow.buffer, ...out.map((t) => t.buffer)], { m, w_ab: w.ab, w_aa: w.aa, w_bb: w.bb }, { workgroups: [1, 1, 1] });
  const total = record(out[0], op, [a, b], (g) => {
    const da = Tensor.empty(rt, a.shape, 'f32');
    const db = Tensor.empty(rt, b.shape, 'f32');
    launch(rt, 'cosine_recon_backward', [a.buffer, b.buffer, coef.buffer, perRow.buffer, g.buffer, da.buffer, db.buffer], { rows, m, k, eps: NORM_EPS });
    return [a.requiresGrad ? da : (da.dispose(), null), b.requiresGrad ? db : (db.dispose(), null)];
  });
  return { total, inter: out[1], intraA: out[2], intraB: out[3] };
}
