/**
 * Similarity matrices: row L2-normalisation, the fused cosine-similarity matrix, the plain Gram matrix
 * (with backward rules), and the similarity targets of DJSRH / JSGHCA (no gradients: they are targets).
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad, record } from '../autograd/tape.js';
import { mean } from './reduce.js';
import { launch } from './launch.js';
import { checkRank, checkSameRuntime, checkSameShape, checkTensor } from './validate.js';

/** Norms below this are clamped (an all-zero row normalises to zero instead of NaN). */
export const NORM_EPS = 1e-8;
/** kernels/similarity.wgsl: invocations per workgroup, rows of A per workgroup, columns of B per invocation. */
const SIM_WG = 16, SIM_TM = 8, SIM_TN = 2;

interface Operand {
  buf: GPUBufferBinding;
  rows: number;
  rowStride: number;
  colStride: number;
}

const rowsOf = (t: Tensor): Operand => ({ buf: t.buffer, rows: t.shape[0]!, rowStride: t.shape[1]!, colStride: 1 });
/** The transpose of a row-major [r, c] tensor read as a [c, r] operand. */
const colsOf = (t: Tensor): Operand => ({ buf: t.buffer, rows: t.shape[1]!, rowStride: 1, colStride: t.shape[1]! });

/**
 * out[i,j] = alpha·<A_i, B_j> (normalised when `normalize`) + beta·c[i,j]; A, B: operands of depth d.
 * Raw kernel, no autograd.
 */
function similarityRaw(
  ref: Tensor, a: Operand, b: Operand, d: number,
  opts: { normalize: boolean; alpha?: number; beta?: number; c?: Tensor },
): Tensor {
  const rt = ref.runtime;
  const m = a.rows, n = b.rows;
  const y = Tensor.empty(rt, [m, n], 'f32');
  if (m === 0 || n === 0) return y;
  const grid: [number, number, number] = [Math.ceil(n / (SIM_WG * SIM_TN)), Math.ceil(m / SIM_TM), 1];
  const maxDim = rt.limits.maxComputeWorkgroupsPerDimension;
  if (grid[0] > maxDim || grid[1] > maxDim) throw new ShapeError(`similarity: output [${m}, ${n}] needs a ${grid[0]} x ${grid[1]} grid, over ${maxDim} workgroups per dimension`);
  launch(rt, 'similarity', [a.buf, b.buf, opts.c ? opts.c.buffer : a.buf, y.buffer], {
    m, n, d, a_rs: a.rowStride, a_cs: a.colStride, b_rs: b.rowStride, b_cs: b.colStride,
    alpha: opts.alpha ?? 1, beta: opts.beta ?? 0, eps: NORM_EPS,
  }, { constants: { NORMALIZE: opts.normalize, ADD_C: !!opts.c, WG: SIM_WG }, workgroups: grid });
  return y;
}

function checkPair(op: string, a: Tensor, b: Tensor): void {
  checkTensor(op, 'a', a, 'f32');
  checkTensor(op, 'b', b, 'f32');
  checkRank(op, 'a', a, 2);
  checkRank(op, 'b', b, 2);
  checkSameRuntime(op, a, b);
  if (a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`${op}: a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)} must have the same number of columns`);
  }
}

function normalizeRaw(x: Tensor): Tensor {
  const rt = x.runtime;
  const y = Tensor.empty(rt, x.shape, 'f32');
  const [rows, d] = [x.shape[0]!, x.shape[1]!];
  if (rows > 0 && d > 0) {
    launch(rt, 'l2_normalize', [x.buffer, y.buffer], { rows, d, eps: NORM_EPS });
  }
  return y;
}

/** Gradient of row normalisation at x for the output gradient g (both [rows, d]). */
function normalizeBackward(x: Tensor, g: Tensor): Tensor {
  const rt = x.runtime;
  const dx = Tensor.empty(rt, x.shape, 'f32');
  const [rows, d] = [x.shape[0]!, x.shape[1]!];
  if (rows > 0 && d > 0) {
    launch(rt, 'l2_normalize_backward', [x.buffer, g.buffer, dx.buffer], { rows, d, eps: NORM_EPS });
  }
  return dx;
}

/** Row L2-normalisation of x [m, d]: y[r] = x[r] / max(|x[r]|, NORM_EPS). */
export function l2Normalize(x: Tensor): Tensor {
  checkTensor('l2Normalize', 'x', x, 'f32');
  checkRank('l2Normalize', 'x', x, 2);
  return record(normalizeRaw(x), 'l2Normalize', [x], (g) => [normalizeBackward(x, g)]);
}

/**
 * Cosine-similarity matrix of the rows of a [m, d] and b [n, d] → [m, n], fused: the dot products and
 * both row norms come from one pass over the inputs. Backward to both a and b.
 */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor {
  checkPair('cosineSimilarity', a, b);
  const d = a.shape[1]!;
  const y = similarityRaw(a, rowsOf(a), rowsOf(b), d, { normalize: true });
  return record(y, 'cosineSimilarity', [a, b], (g) => {
    const an = normalizeRaw(a), bn = normalizeRaw(b);
    // C = Â·B̂ᵀ: dÂ = G·B̂ (B̂ read transposed), dB̂ = Gᵀ·Â.
    const da = a.requiresGrad ? normalizeBackward(a, similarityRaw(g, rowsOf(g), colsOf(bn), b.shape[0]!, { normalize: false })) : null;
    const db = b.requiresGrad ? normalizeBackward(b, similarityRaw(g, colsOf(g), colsOf(an), a.shape[0]!, { normalize: false })) : null;
    return [da, db];
  });
}

/** Gram matrix a·bᵀ of a [m, d] and b [n, d] → [m, n] (no normalisation), with backward. */
export function gram(a: Tensor, b: Tensor): Tensor {
  checkPair('gram', a, b);
  const y = similarityRaw(a, rowsOf(a), rowsOf(b), a.shape[1]!, { normalize: false });
  return record(y, 'gram', [a, b], (g) => [
    a.requiresGrad ? similarityRaw(g, rowsOf(g), colsOf(b), b.shape[0]!, { normalize: false }) : null,
    b.requiresGrad ? similarityRaw(g, colsOf(g), colsOf(a), a.shape[0]!, { normalize: false }) : null,
  ]);
}

function checkSquare(op: string, name: string, s: Tensor): number {
  checkTensor(op, name, s, 'f32');
  checkRank(op, name, s, 2);
  if (s.shape[0] !== s.shape[1]) throw new ShapeError(`${op}: ${name} must be square [m, m], got ${fmtShape(s.shape)}`);
  if (s.shape[0] === 0) throw new ShapeError(`${op}: ${name} ${fmtShape(s.shape)} is empty`);
  return s.shape[0]!;
}

export interface JointSimilarityOptions {
  /** Weight of the second-order term S̃S̃ᵀ/m (DJSRH default 0.4). */
  eta?: number;
  /** Overall scale (DJSRH default 1.5). */
  mu?: number;
}

/** DJSRH joint similarity μ((1−η)S̃ + η·S̃S̃ᵀ/m) of sTilde [m, m], in one kernel. A target: no gradient. */
export function jointSimilarity(sTilde: Tensor, opts: JointSimilarityOptions = {}): Tensor {
  const m = checkSquare('jointSimilarity', 'sTilde', sTilde);
  const eta = opts.eta ?? 0.4, mu = opts.mu ?? 1.5;
  if (!Number.isFinite(eta) || !Number.isFinite(mu)) throw new RangeError(`jointSimilarity: eta (${eta}) and mu (${mu}) must be finite`);
  const op = rowsOf(sTilde);
  return similarityRaw(sTilde, op, op, m, { normalize: false, alpha: (mu * eta) / m, beta: mu * (1 - eta), c: sTilde });
}

/**
 * β·r_I(S_I) + (1−β)·r_T(S_T) (DJSRH's fixed mix of two [rows, cols] similarity matrices or tiles), with
 * r(s) = 2s − 1 for a modality whose `rescale` flag is set, in one pass (kernels/awf_fuse.wgsl). A target:
 * no gradient.
 */
export function betaMix(sI: Tensor, sT: Tensor, beta: number, rescale: readonly [boolean, boolean] = [false, false]): Tensor {
  const op = 'betaMix';
  checkTensor(op, 'sI', sI, 'f32');
  checkTensor(op, 'sT', sT, 'f32');
  checkRank(op, 'sI', sI, 2);
  checkSameShape(op, 'sI', sI, 'sT', sT);
  checkSameRuntime(op, sI, sT);
  if (!Number.isFinite(beta)) throw new RangeError(`betaMix: beta must be finite, got ${beta}`);
  return fuseSimilarities(sI, sT, null, [beta, 1 - beta], rescale, 1);
}

/** The awf_fuse pass over [rows, cols]: scale·(w_I·r_I(sI) + w_T·r_T(sT)), weights per row (w = [w_I; w_T], [2, rows]) or constant. */
function fuseSimilarities(sI: Tensor, sT: Tensor, w: Tensor | null, consts: [number, number], rescale: readonly [boolean, boolean], scale: number): Tensor {
  const [rows, cols] = sI.shape as [number, number];
  const y = Tensor.empty(sI.runtime, [rows, cols], 'f32');
  if (y.size === 0) return y;
  launch(sI.runtime, 'awf_fuse', [sI.buffer, sT.buffer, (w ?? sI).buffer, y.buffer], { n: rows * cols, rows, cols, wi: consts[0], wt: consts[1], scale }, {
    constants: { ROW_WEIGHTS: w !== null, RESCALE_I: rescale[0], RESCALE_T: rescale[1] },
  });
  return y;
}

export interface AdaptiveWeightFusionOptions {
  /** 'eq5' (default): w_i = (r_i/t_i)·(t_total/r_total); 'alg1': w_i = r_i/t_i (JSGHCA Alg. 1). */
  variant?: 'eq5' | 'alg1';
  /**
   * The matrices the weights multiply (default: sI and sT themselves). The weights always come from the
   * row means of sI and sT; JSGHCA passes the 2x − 1 rescaled cosines here so each rescaled modality is
   * centred while its weights still come from the non-negative raw cosines.
   */
  values?: [Tensor, Tensor];
  /** Rescale the matrices the weights multiply to 2s − 1 (per modality) in the same pass. */
  rescale?: readonly [boolean, boolean];
  /** Overall factor of the fused matrix (JSGHCA's ½), in the same pass. */
  scale?: number;
}

/** Smallest divisor in the AWM weights (kernels/awf_weights.wgsl `EPS`; the CPU reference uses the same). */
export const AWM_EPS = 1e-6;

/**
 * JSGHCA adaptive-weight fusion of two batch similarity matrices sI, sT [m, m]:
 * S_f[a,b] = w_I[a]·S_I[a,b] + w_T[a]·S_T[a,b], with per-row weights from the row means (see
 * kernels/awf_weights.wgsl). A target: no gradient. The paper assumes non-negative similarities (cosines of
 * non-negative features); negative row means count as 0 and every divisor is at least AWM_EPS, so an
 * all-zero row gets weight 0 rather than NaN/inf.
 */
export function adaptiveWeightFusion(sI: Tensor, sT: Tensor, opts: AdaptiveWeightFusionOptions = {}): Tensor {
  const op = 'adaptiveWeightFusion';
  const m = checkSquare(op, 'sI', sI);
  checkSquare(op, 'sT', sT);
  checkSameShape(op, 'sI', sI, 'sT', sT);
  checkSameRuntime(op, sI, sT);
  const variant = opts.variant ?? 'eq5';
  if (variant !== 'eq5' && variant !== 'alg1') throw new RangeError(`${op}: variant must be 'eq5' or 'alg1', got ${String(variant)}`);
  const [vI, vT] = opts.values ?? [sI, sT];
  checkSameShape(op, 'values[0]', vI, 'sI', sI);
  checkSameShape(op, 'values[1]', vT, 'sT', sT);
  checkSameRuntime(op, sI, vI, vT);
  const rt = sI.runtime;
  const [rI, rT] = noGrad(() => [mean(sI, 1), mean(sT, 1)]);
  // Row means side by side: r = [r_I; r_T] (2m values).
  const r = Tensor.empty(rt, [2, m], 'f32');
  rt.copy(rI.buffer, 0, r.buffer, 0, m * 4);
  rt.copy(rT.buffer, 0, r.buffer, m * 4, m * 4);
  rI.dispose();
  rT.dispose();
  const w = Tensor.empty(rt, [2, m], 'f32');
  launch(rt, 'awf_weights', [r.buffer, w.buffer], { m }, { constants: { EQ5: variant === 'eq5', EPS: AWM_EPS } });
  const y = fuseSimilarities(vI, vT, w, [0, 0], opts.rescale ?? [false, false], opts.scale ?? 1);
  r.dispose();
  w.dispose();
  return y;
}
