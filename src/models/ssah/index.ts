import type { ModelFactory } from '../registry.js';
import { mergeConfig } from '../common/config.js';
import { LabelGuidedModel, type LabelGuidedConfig } from '../common/label-guided.js';
import { ssahDefaults } from './config.js';

export const description = 'SSAH (CVPR 2018): self-supervised adversarial hashing with a label network, supervised baseline';
export const supervised = true;
/** SSAH's mini-batch (MODELS.md); the CLI's default --batch. */
export const batchSize = 128;
export const createModel: ModelFactory = (rt, opts) => {
  const cfg = mergeConfig<LabelGuidedConfig>('ssah', ssahDefaults(opts.bits), opts.config);
  if (opts.lr !== undefined) scaleLr(cfg, opts.lr);
  return new LabelGuidedModel(rt, 'ssah', opts.bits, cfg, opts.dims, opts.seed);
};

/** One --lr sets the image net's rate and scales the others by their default ratios. */
export function scaleLr(cfg: LabelGuidedConfig, lr: number): void {
  const f = lr / cfg.lrImage;
  cfg.lrImage = lr;
  cfg.lrText *= f;
  cfg.lrLabel *= f;
  cfg.lrDisc *= f;
  cfg.lrDecoder *= f;
}
export { ssahDefaults } from './config.js';
