/** SSAH defaults (MODELS.md; Li et al., CVPR 2018) for the feature-input path. */
import type { LabelGuidedConfig } from '../common/label-guided.js';

export function ssahDefaults(): LabelGuidedConfig {
  return {
    // The paper's 4096-d hidden layers shrunk to 1024 for the 2-core CPU machines [ours].
    hidden: 1024,
    feat: 512,
    dropout: 0.5,
    // MODELS.md: lr label 1e-2, image 10^-4.5, text 10^-3.5, discriminators 1e-3 (Adam). The label net's
    // 1e-2 diverges with our mean-normalised losses on 10 one-hot labels; 1e-3 picked on the validation split [ours].
    lrLabel: 1e-3,
    lrImage: 10 ** -4.5,
    lrText: 10 ** -3.5,
    lrDisc: 1e-3,
    lrDecoder: 1e-3,
    weightDecay: 0,
    halveEvery: 10,
    alpha: 1,
    gamma: 1,
    beta: 1,
    labelCode: 0,
    eta: 1,
    adversarial: 1,
    discriminate: 'label-features',
    reconstruction: 0,
    crossAttention: 0,
    attentionLambda: 9,
    tokenDim: 64,
    fusionWidths: [50, 30, 15, 10, 5],
    textLrn: true,
    hybridAttention: false,
    // [ours] SSAH's B for the modalities: sign(H^x + H^y).
    codeMatrix: 'modalities',
    normalizeInputs: true,
  };
}
