/** HFAH defaults (MODELS.md seed 001) and its ablations. */
import type { LabelGuidedConfig } from '../common/label-guided.js';
import { ssahDefaults } from '../ssah/config.js';

/**
 * Ablation switches [ours: MODELS.md says "as in the paper" without listing them; these remove HFAH's
 * three components one at a time].
 */
export const ABLATIONS = {
  full: 'HFAH',
  '1': 'HFAH-1: no hybrid attention in the image net',
  '2': 'HFAH-2: no multi-scale fusion in the text net (plain fc on the BoW)',
  '3': 'HFAH-3: no feature reconstruction and no D1/D2 adversarial learning',
} as const;
export type Ablation = keyof typeof ABLATIONS;

export function hfahDefaults(): LabelGuidedConfig {
  return {
    ...ssahDefaults(),
    hybridAttention: true,
    // Eqs. 7–12: two cross-modal decoders, D1/D2 on the reconstructions.
    reconstruction: 1,
    discriminate: 'reconstructions',
    // β(‖H* − B*‖² + ‖B*′ − B*‖²): the second term, between two binary codes, has no gradient as written;
    // we use its relaxation ‖H* − sign(H^l)‖² (consistency with the label net's code) [ours].
    labelCode: 1,
    // Alg. 1: B = sign(H^l + H^x + H^y).
    codeMatrix: 'label+modalities',
  };
}

export function applyAblation(cfg: LabelGuidedConfig, ablation: Ablation): LabelGuidedConfig {
  const c: LabelGuidedConfig = { ...cfg, fusionWidths: [...cfg.fusionWidths] };
  switch (ablation) {
    case 'full': break;
    case '1': c.hybridAttention = false; break;
    case '2': c.fusionWidths = []; break;
    case '3': c.reconstruction = 0; c.adversarial = 0; break;
    default: throw new RangeError(`hfah: unknown ablation '${String(ablation)}' (one of ${Object.keys(ABLATIONS).join(', ')})`);
  }
  return c;
}
