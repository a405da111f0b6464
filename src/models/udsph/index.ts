import type { ModelFactory } from '../registry.js';
import { mergeConfig } from '../common/config.js';
import { LabelGuidedModel, type LabelGuidedConfig } from '../common/label-guided.js';
import { scaleLr } from '../ssah/index.js';
import { udsphDefaults } from './config.js';

export const description = 'UDSPH: modality hashing nets with cross-modal attention (softmax(λ·cos)) and label-network self-supervised adversarial learning';
export const supervised = true;
/** SSAH's mini-batch, which UDSPH follows (MODELS.md); the CLI's default --batch. */
export const batchSize = 128;
export const createModel: ModelFactory = (rt, opts) => {
  const cfg = mergeConfig<LabelGuidedConfig>('udsph', udsphDefaults(opts.bits), opts.config);
  if (opts.lr !== undefined) scaleLr(cfg, opts.lr);
  return new LabelGuidedModel(rt, 'udsph', opts.bits, cfg, opts.dims, opts.seed);
};
export { udsphDefaults } from './config.js';
