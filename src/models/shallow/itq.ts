/**
 * Iterative quantisation (Gong & Lazebnik, CVPR 2011; Gong et al., TPAMI 2013): the orthogonal rotation R
 * of an embedding V (n×c) that minimises the quantisation loss ‖B − V·R‖²_F with B = sign(V·R), by
 * alternating B = sign(VR) and the orthogonal Procrustes step R = Ŵ·Ûᵀ from the SVD Bᵀ·V = Û·Σ·Ŵᵀ.
 *
 * When the embedding has fewer columns than the code has bits (CCA on a 10-d text modality gives at most
 * 9–10 correlated directions; ridge regression onto 10 labels gives 10), V is padded with zero columns to
 * k: ITQ then rotates the c informative dimensions into k hyperplanes, each code bit a different
 * combination of them. [ours] — Gong's code assumes c = k; with c = k nothing changes.
 */
import { Rng } from '../../util/rng.js';
import { mat, matmul, matmulTN, svd, transpose, type Mat } from './linalg.js';

export const sgn = (x: number): number => (x >= 0 ? 1 : -1);

/** V padded with zero columns to k columns (V unchanged when it already has k). */
export function padColumns(v: Mat, k: number): Mat {
  if (v.cols === k) return v;
  if (v.cols > k) throw new RangeError(`padColumns: ${v.cols} columns > ${k}`);
  const p = mat(v.rows, k);
  for (let i = 0; i < v.rows; i++) for (let j = 0; j < v.cols; j++) p.data[i * k + j] = v.data[i * v.cols + j]!;
  return p;
}

/** A random k×k orthogonal matrix (Gaussian matrix → its left singular vectors, as Gong's code). */
export function randomRotation(k: number, rng: Rng): Mat {
  const g = mat(k, k);
  for (let i = 0; i < g.data.length; i++) g.data[i] = rng.normal();
  return svd(g).u;
}

/** ‖sign(VR) − VR‖²_F. */
export function quantisationLoss(vr: Mat): number {
  let s = 0;
  for (const x of vr.data) s += (sgn(x) - x) ** 2;
  return s;
}

export interface ItqResult {
  /** k×k orthogonal rotation. */
  rotation: Mat;
  /** Quantisation loss ‖B − VR‖² after each iteration's rotation (non-increasing). */
  losses: number[];
}

/** ITQ rotation of V (n×k; pad first), `iterations` alternations from a seeded random rotation. */
export function itq(v: Mat, iterations: number, rng: Rng): ItqResult {
  const k = v.cols;
  let r = randomRotation(k, rng);
  const losses: number[] = [];
  let vr = matmul(v, r);
  for (let it = 0; it < iterations; it++) {
    const b = mat(vr.rows, k);
    for (let i = 0; i < b.data.length; i++) b.data[i] = sgn(vr.data[i]!);
    // Procrustes: maximise tr(Rᵀ·Vᵀ·B); Vᵀ·B = Ŵ·Σ·Ûᵀ (the SVD of (Bᵀ·V)ᵀ) ⇒ R = Ŵ·Ûᵀ.
    const { u, v: w } = svd(matmulTN(v, b)); // VᵀB = u·s·wᵀ
    r = matmul(u, transpose(w));
    vr = matmul(v, r);
    losses.push(quantisationLoss(vr));
  }
  return { rotation: r, losses };
}
