/**
 * Similarity targets built from the original features of a batch (DJSRH, JSGHCA, UMHA). Targets
 * carry no gradient: call them under noGrad().
 */
import type { Tensor } from '../../tensor/tensor.js';
import { affine } from '../../ops/elementwise.js';
import { adaptiveWeightFusion, betaMix, cosineSimilarity, jointSimilarity } from '../../ops/similarity.js';

/**
 * How the two modality similarity matrices are fused:
 *  - 'beta'  : βS_I + (1−β)S_T (DJSRH)
 *  - 'awm'   : JSGHCA adaptive weight mixing, Eq. 5 (default for JSGHCA)
 *  - 'awm-alg1': Algorithm 1 of the paper (drops the total-average factor)
 *  - 'image' / 'text': one modality only (JSGHCA ablations -1 and -2)
 */
export type Fusion = 'beta' | 'awm' | 'awm-alg1' | 'image' | 'text';

export interface TargetConfig {
  fusion: Fusion;
  beta: number;
  eta: number;
  mu: number;
  /**
   * DJSRH rescales cosines of non-negative features to 2x − 1 (so unrelated items sit near −1, not 0).
   * Applied for the β-mix and single-modality targets; the AWM weights need the raw non-negative
   * cosines (row means are divided by), so AWM fuses raw cosines and rescales the fused matrix [ours].
   */
  rescaleImage: boolean;
  rescaleText: boolean;
}

const rescale = (s: Tensor, on: boolean): Tensor => (on ? affine(s, 2, -1) : s);

/** S = μ((1−η)S̃ + η S̃S̃ᵀ/m) with S̃ fused from cos(F_I,F_I) and cos(F_T,F_T). */
export function jointTarget(image: Tensor, text: Tensor, c: TargetConfig): Tensor {
  const sI = cosineSimilarity(image, image);
  const sT = cosineSimilarity(text, text);
  let fused: Tensor;
  switch (c.fusion) {
    case 'beta':
      fused = betaMix(rescale(sI, c.rescaleImage), rescale(sT, c.rescaleText), c.beta);
      break;
    case 'image':
      fused = rescale(sI, c.rescaleImage);
      break;
    case 'text':
      fused = rescale(sT, c.rescaleText);
      break;
    case 'awm':
    case 'awm-alg1': {
      const f = adaptiveWeightFusion(sI, sT, { variant: c.fusion === 'awm' ? 'eq5' : 'alg1' });
      // The weights average to ~1 per modality, so the fused matrix spans about [0, 2]; map it to
      // [−1, 1] like the β-mix when the features are non-negative.
      fused = c.rescaleImage && c.rescaleText ? affine(f, 1, -1) : f;
      break;
    }
  }
  return jointSimilarity(fused, { eta: c.eta, mu: c.mu });
}
