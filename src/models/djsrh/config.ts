/** DJSRH defaults (MODELS.md; Su et al., ICCV 2019, and its reference code). */
import type { PairedConfig } from '../common/paired-model.js';
import { imageInputDefaults } from '../common/cnnf.js';

export function djsrhDefaults(): PairedConfig {
  return {
    hidden: 4096,
    dropout: 0.5,
    lrImage: 0.001,
    lrText: 0.01,
    momentum: 0.9,
    weightDecay: 5e-4,
    lambda1: 0.1,
    lambda2: 0.1,
    // β = 0.6 on Wikipedia [ours: MODELS.md asks to pick β by validation; 0.9 is MIRFlickr's, 0.6 NUS-WIDE's].
    target: { fusion: 'beta', beta: 0.6, eta: 0.4, mu: 1.5, rescaleImage: true, rescaleText: true },
    imageOnlyEpochs: 0,
    textOnlyEpochs: 0,
    imageAttention: 'none',
    textAttention: 'none',
    rescale: 'auto',
    normalizeInputs: true,
    // Image input: feature vectors, or raw images through CNN-F ({ imageInput: 'cnnf', imageSize }).
    ...imageInputDefaults(),
  };
}
