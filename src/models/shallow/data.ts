/** The training set as centred float64 matrices for the shallow baselines' closed-form fits. */
import { CmhashError } from '../../runtime/errors.js';
import type { TrainingSetView } from '../types.js';
import { mat, type Mat } from './linalg.js';

export interface CentredData {
  n: number;
  /** n×dImage, column means removed. */
  image: Mat;
  text: Mat;
  imageMean: Float64Array;
  textMean: Float64Array;
  /** n×c multi-hot labels (not centred), when the view has them. */
  labels?: Mat;
}

function centre(x: Float32Array, n: number, d: number, what: string): { m: Mat; mean: Float64Array } {
  if (x.length !== n * d) throw new CmhashError(`shallow baseline: ${what} has ${x.length} values, expected ${n}×${d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const m = mat(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (!Number.isFinite(v)) throw new CmhashError(`shallow baseline: ${what} row ${i}, column ${j} is ${v}`);
      m.data[i * d + j] = v - mean[j]!;
    }
  }
  return { m, mean };
}

export function centredData(view: TrainingSetView, model: string, needLabels = false): CentredData {
  if (view.imageDim === 0) throw new CmhashError(`${model}: needs image feature vectors (the dataset has imageDim 0; shallow baselines have no raw-image path)`);
  if (view.n < 2) throw new CmhashError(`${model}: needs at least 2 training items, got ${view.n}`);
  const img = centre(view.image, view.n, view.imageDim, 'image features');
  const txt = centre(view.text, view.n, view.textDim, 'text features');
  const out: CentredData = { n: view.n, image: img.m, text: txt.m, imageMean: img.mean, textMean: txt.mean };
  if (view.labels && view.labelDim > 0) out.labels = mat(view.n, view.labelDim, view.labels);
  if (needLabels) {
    if (!out.labels) throw new CmhashError(`${model} is supervised: the training set has no labels`);
    let any = false;
    for (const v of out.labels.data) if (v !== 0) { any = true; break; }
    if (!any) throw new CmhashError(`${model} is supervised: every training label is 0`);
  }
  return out;
}
