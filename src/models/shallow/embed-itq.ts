/**
 * The step CCA-ITQ and ridge-ITQ share: given each modality's projection onto a common c-dimensional
 * space, learn one ITQ rotation on both modalities' embeddings stacked (2n × c) and return the final
 * projections P·R. When c > k the stacked embedding is first reduced to its top-k principal directions
 * (Gong's PCA step); when c < k it is padded with zero columns (see itq.ts).
 */
import type { Rng } from '../../util/rng.js';
import { columns, mat, matmul, matmulTN, symEig, type Mat } from './linalg.js';
import { itq, padColumns } from './itq.js';
import type { CentredData } from './data.js';
import type { LinearFit } from './model.js';

export function embedAndRotate(data: CentredData, pImage: Mat, pText: Mat, bits: number, iterations: number, rng: Rng, info: Record<string, unknown>): LinearFit {
  let pi = pImage, pt = pText;
  const vi = matmul(data.image, pi), vt = matmul(data.text, pt);
  const c = pi.cols;
  const stacked = mat(vi.rows + vt.rows, c);
  stacked.data.set(vi.data, 0);
  stacked.data.set(vt.data, vi.data.length);
  let v = stacked;
  if (c > bits) {
    const pca = columns(symEig(matmulTN(stacked, stacked)).vectors, 0, bits);
    pi = matmul(pi, pca);
    pt = matmul(pt, pca);
    v = matmul(stacked, pca);
  }
  const { rotation, losses } = itq(padColumns(v, bits), iterations, rng);
  const image = matmul(padColumns(pi, bits), rotation);
  const text = matmul(padColumns(pt, bits), rotation);
  const q = losses.length ? losses[losses.length - 1]! / (v.rows * bits) : 0;
  return { image, text, loss: q, terms: { quantisation: q }, info: { ...info, itqLossFirst: losses[0] ?? null, itqLossLast: losses[losses.length - 1] ?? null } };
}

/** Regularisation added to a covariance-like matrix: `rel` × its mean diagonal (scale-free). */
export function ridgeOf(c: Mat, rel: number): number {
  let t = 0;
  for (let i = 0; i < c.rows; i++) t += c.data[i * c.cols + i]!;
  return rel * Math.max(t / c.rows, 1e-300);
}
