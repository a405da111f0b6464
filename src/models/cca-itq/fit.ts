/**
 * CCA-ITQ (Gong, Lazebnik, Gordo & Perronnin, TPAMI 2013), cross-modal form: canonical correlation
 * analysis between the centred image and text features, the top-k canonical directions of each modality
 * scaled by their canonical correlations (Gong's code: `W = W(:,1:bit)*diag(r(1:bit))`, "scaling using
 * eigenvalues"), then one ITQ rotation learned on both modalities' embeddings (embed-itq.ts).
 *
 * Image directions: eigenvectors of Cxx^{-1/2}·Cxy·Cyy^{-1}·Cyx·Cxx^{-1/2} (eigenvalues r²), mapped back by
 * Cxx^{-1/2}; the paired text directions are Cyy^{-1}·Cyx·wx / r (unit variance), so with the scaling
 * (power 1) the text projection is Cyy^{-1}·Cyx·wx and directions without correlation vanish from both.
 * `eigenScale: 0` keeps the unscaled directions (text directions with r ≈ 0 are zero). Covariances are
 * regularised by `reg` × their mean variance [ours: Gong adds an absolute 1e-4, which depends on the
 * features' scale].
 */
import type { Rng } from '../../util/rng.js';
import type { CentredData } from '../shallow/data.js';
import { addDiag, columns, invSqrtSym, matmul, matmulTN, solveSpd, symEig, transpose, type Mat } from '../shallow/linalg.js';
import { embedAndRotate, ridgeOf } from '../shallow/embed-itq.js';
import type { LinearFit } from '../shallow/model.js';

export interface CcaItqConfig {
  /** Covariance regularisation relative to the mean variance of each modality. */
  reg: number;
  /** Scale each canonical direction by r^eigenScale (Gong: 1; 0 = unscaled). */
  eigenScale: number;
  itqIterations: number;
}

/** reg 1e-2 and the scaling were chosen on the validation split (results/tables.md, "Selection"): val mAP 0.257 vs
 *  0.252 (reg 1e-3) and 0.221 (unscaled). */
export const ccaItqDefaults: CcaItqConfig = { reg: 1e-2, eigenScale: 1, itqIterations: 50 };

export interface CcaResult {
  /** dx×c image directions (unit variance: wᵀCxx w = 1) and dy×c text directions, c = min(bits, dx). */
  wx: Mat;
  wy: Mat;
  /** Canonical correlations, descending (length dx). */
  r: Float64Array;
}

/** Canonical directions and correlations of centred X (n×dx) and Y (n×dy). */
export function cca(x: Mat, y: Mat, reg: number, count: number): CcaResult {
  const n = x.rows;
  const scale = (m: Mat) => (m.data.forEach((v, i) => (m.data[i] = v / (n - 1))), m);
  const cxx0 = scale(matmulTN(x, x)), cyy0 = scale(matmulTN(y, y)), cxy = scale(matmulTN(x, y));
  const cxx = addDiag(cxx0, ridgeOf(cxx0, reg)), cyy = addDiag(cyy0, ridgeOf(cyy0, reg));
  const kx = invSqrtSym(cxx);
  const t = solveSpd(cyy, transpose(cxy)); // dy×dx: Cyy⁻¹·Cyx
  const { values, vectors } = symEig(matmul(matmul(kx, matmul(cxy, t)), kx));
  const r = Float64Array.from(values, (l) => Math.sqrt(Math.max(0, Math.min(1, l))));
  const c = Math.min(count, x.cols);
  const wx = matmul(kx, columns(vectors, 0, c));
  const wy = matmul(t, wx); // = wy_unit · r
  for (let j = 0; j < c; j++) {
    const inv = r[j]! > 1e-8 ? 1 / r[j]! : 0;
    for (let i = 0; i < wy.rows; i++) wy.data[i * c + j]! *= inv;
  }
  return { wx, wy, r };
}

export function fitCcaItq(data: CentredData, bits: number, rng: Rng, cfg: CcaItqConfig): LinearFit {
  const { wx, wy, r } = cca(data.image, data.text, cfg.reg, bits);
  const c = wx.cols;
  for (let j = 0; j < c; j++) {
    const s = r[j]! ** cfg.eigenScale;
    for (let i = 0; i < wx.rows; i++) wx.data[i * c + j]! *= s;
    for (let i = 0; i < wy.rows; i++) wy.data[i * c + j]! *= s;
  }
  return embedAndRotate(data, wx, wy, bits, cfg.itqIterations, rng, { correlations: Array.from(r.subarray(0, Math.min(16, r.length))) });
}
