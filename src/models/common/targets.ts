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
   * DJSRH rescales cosines of non-negative features to 2x − 1 (so unrelated items sit near −1, not 0),
   * per modality. The β-mix and single-modality targets mix the rescaled matrices; AWM takes its weights
   * from the raw non-negative cosines (row means are divided by) and applies them to the per-modality
   * (rescaled or raw) matrices, so a rescaled modality is centred whatever the other one does.
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
      fused = betaMix(sI, sT, c.beta, [c.rescaleImage, c.rescaleText]);
      break;
    case 'image':
      fused = rescale(sI, c.rescaleImage);
      break;
    case 'text':
      fused = rescale(sT, c.rescaleText);
      break;
    case 'awm':
    case 'awm-alg1': {
      // [ours] S_f = ½(w_I ⊙ r_I(S_I) + w_T ⊙ r_T(S_T)), weights from the raw cosines (Eq. 5 / Alg. 1).
      // The ½: the paper's weights average 1 per modality (exactly so for Alg. 1), so its S_f spans twice
      // the β-mix's range; halved, uniform weights give exactly the β = ½ mix, and JSGHCA-3 (β-mix, β = ½)
      // changes only "adaptive per-row weights → constant weights of the same mean".
      // Rescale and ½ in the fusing pass (one dispatch, not four).
      fused = adaptiveWeightFusion(sI, sT, { variant: c.fusion === 'awm' ? 'eq5' : 'alg1', rescale: [c.rescaleImage, c.rescaleText], scale: 0.5 });
      break;
    }
  }
  return jointSimilarity(fused, { eta: c.eta, mu: c.mu });
}
