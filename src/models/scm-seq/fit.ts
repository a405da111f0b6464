/**
 * SCM-seq (Zhang & Li, "Large-Scale Supervised Multimodal Hashing with Semantic Correlation Maximization",
 * AAAI 2014), the sequential variant. Semantic similarity S = 2·L̂·L̂ᵀ − 𝟏𝟏ᵀ from the row-normalised labels
 * L̂ (cosine of label vectors mapped to [−1, 1]); the codes should reconstruct k·S:
 * min ‖sign(X·Wx)·sign(Y·Wy)ᵀ − k·S‖². Bit t maximises the relaxed correlation with the residual,
 *   max wxᵀ·Xᵀ·R_t·Y·wy  s.t.  wxᵀ(XᵀX + λI)wx = 1, wyᵀ(YᵀY + λI)wy = 1,  R_t = k·S − Σ_{s<t} b_x^s·b_y^sᵀ,
 * a generalised eigenproblem solved as the top singular pair of Cxx^{-1/2}·(Xᵀ·R_t·Y)·Cyy^{-1/2}. Xᵀ·R_t·Y is
 * kept as a dx×dy matrix and updated bit by bit (Xᵀ·S·Y = 2(XᵀL̂)(L̂ᵀY) − (Xᵀ𝟏)(𝟏ᵀY)), so nothing n×n is
 * ever formed. λ = `reg` × the mean of diag(XᵀX) [ours: the paper's small ridge, made scale-free].
 */
import type { Rng } from '../../util/rng.js';
import type { CentredData } from '../shallow/data.js';
import { addDiag, axpby, invSqrtSym, mat, matmul, matmulTN, symEig, transpose, type Mat } from '../shallow/linalg.js';
import { sgn } from '../shallow/itq.js';
import { ridgeOf } from '../shallow/embed-itq.js';
import type { LinearFit } from '../shallow/model.js';

export interface ScmSeqConfig {
  /** Ridge on XᵀX and YᵀY relative to their mean diagonal. */
  reg: number;
}

/** reg chosen on the validation split: val mAP 0.269 (1e-2) vs 0.265 (1e-4) (results/tables.md, "Selection"). */
export const scmSeqDefaults: ScmSeqConfig = { reg: 1e-2 };

/** Rows scaled to unit length (all-zero rows stay zero). */
export function rowNormalise(l: Mat): Mat {
  const o = mat(l.rows, l.cols, l.data);
  for (let i = 0; i < l.rows; i++) {
    let s = 0;
    for (let j = 0; j < l.cols; j++) s += l.data[i * l.cols + j]! ** 2;
    if (s > 0) for (let j = 0; j < l.cols; j++) o.data[i * l.cols + j]! /= Math.sqrt(s);
  }
  return o;
}

const colSums = (m: Mat): Mat => {
  const s = mat(1, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) s.data[j]! += m.data[i * m.cols + j]!;
  return s;
};

/** Xᵀ·S·Y for S = 2·L̂·L̂ᵀ − 𝟏𝟏ᵀ without forming S. */
export function crossSimilarity(x: Mat, y: Mat, lhat: Mat): Mat {
  const a = matmul(matmulTN(x, lhat), matmulTN(lhat, y));
  return axpby(2, a, -1, matmulTN(colSums(x), colSums(y)));
}

/** Top singular pair (σ, u, v) of M through the eigendecomposition of the smaller Gram matrix. */
export function topSingularPair(m: Mat): { sigma: number; u: Float64Array; v: Float64Array } {
  const unit = (x: Float64Array) => {
    let s = 0;
    for (const e of x) s += e * e;
    const n = Math.sqrt(s);
    return { n, x: n > 0 ? x.map((e) => e / n) : x };
  };
  if (m.cols <= m.rows) {
    const { vectors } = symEig(matmulTN(m, m));
    const v = Float64Array.from({ length: m.cols }, (_, i) => vectors.data[i * m.cols]!);
    const mv = unit(matmul(m, mat(m.cols, 1, v)).data);
    return { sigma: mv.n, u: mv.x, v };
  }
  const t = topSingularPair(transpose(m));
  return { sigma: t.sigma, u: t.v, v: t.u };
}

/** ‖Bx·Byᵀ − k·S‖²_F / (n²k²) from k×k and k×c products (no n×n matrix). */
export function scmResidual(bx: Mat, by: Mat, lhat: Mat, k: number): number {
  const n = bx.rows;
  const dot = (a: Mat, b: Mat) => a.data.reduce((s, v, i) => s + v * b.data[i]!, 0);
  const bb = dot(matmulTN(bx, bx), matmulTN(by, by));
  const bs = 2 * dot(matmulTN(bx, lhat), matmulTN(by, lhat)) - dot(colSums(bx), colSums(by));
  const ll = matmulTN(lhat, lhat), l1 = colSums(lhat);
  const ss = 4 * dot(ll, ll) - 4 * dot(l1, l1) + n * n;
  return (bb - 2 * k * bs + k * k * ss) / (n * n * k * k);
}

export function fitScmSeq(data: CentredData, bits: number, _rng: Rng, cfg: ScmSeqConfig): LinearFit {
  const { image: x, text: y } = data;
  const lhat = rowNormalise(data.labels!);
  const gx = matmulTN(x, x), gy = matmulTN(y, y);
  const kx = invSqrtSym(addDiag(gx, ridgeOf(gx, cfg.reg))), ky = invSqrtSym(addDiag(gy, ridgeOf(gy, cfg.reg)));
  let c = crossSimilarity(x, y, lhat);
  c.data.forEach((v, i) => (c.data[i] = bits * v));
  const wxAll = mat(x.cols, bits), wyAll = mat(y.cols, bits);
  const bx = mat(x.rows, bits), by = mat(y.rows, bits);
  const sigmas: number[] = [];
  for (let t = 0; t < bits; t++) {
    const { sigma, u, v } = topSingularPair(matmul(matmul(kx, c), ky));
    sigmas.push(sigma);
    const wx = matmul(kx, mat(x.cols, 1, u)), wy = matmul(ky, mat(y.cols, 1, v));
    for (let i = 0; i < x.cols; i++) wxAll.data[i * bits + t] = wx.data[i]!;
    for (let i = 0; i < y.cols; i++) wyAll.data[i * bits + t] = wy.data[i]!;
    const hx = matmul(x, wx), hy = matmul(y, wy);
    const bxt = mat(x.rows, 1), byt = mat(y.rows, 1);
    for (let i = 0; i < x.rows; i++) {
      bxt.data[i] = sgn(hx.data[i]!);
      byt.data[i] = sgn(hy.data[i]!);
      bx.data[i * bits + t] = bxt.data[i]!;
      by.data[i * bits + t] = byt.data[i]!;
    }
    c = axpby(1, c, -1, matmul(matmulTN(x, bxt), transpose(matmulTN(y, byt))));
  }
  const residual = scmResidual(bx, by, lhat, bits);
  return { image: wxAll, text: wyAll, loss: residual, terms: { residual }, info: { sigmas: sigmas.slice(0, 16) } };
}
