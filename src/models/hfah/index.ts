import type { ModelFactory } from '../registry.js';
import { mergeConfig } from '../common/config.js';
import { LabelGuidedModel, type LabelGuidedConfig } from '../common/label-guided.js';
import { scaleLr } from '../ssah/index.js';
import { ABLATIONS, applyAblation, hfahDefaults, type Ablation } from './config.js';

export const description = 'HFAH: label-guided hashing with hybrid attention, multi-scale text fusion, cross-modal feature reconstruction and D1/D2 (supervised)';
export const supervised = true;
/** SSAH's mini-batch, which HFAH follows (MODELS.md is silent); the CLI's default --batch. */
export const batchSize = 128;
export const createModel: ModelFactory = (rt, opts) => {
  const { ablation, ...rest } = (opts.config ?? {}) as { ablation?: Ablation } & Record<string, unknown>;
  if (ablation !== undefined && !(ablation in ABLATIONS)) throw new RangeError(`hfah: unknown ablation '${String(ablation)}' (one of ${Object.keys(ABLATIONS).join(', ')})`);
  const cfg = applyAblation(mergeConfig<LabelGuidedConfig>('hfah', hfahDefaults(), rest), ablation ?? 'full');
  if (opts.lr !== undefined) scaleLr(cfg, opts.lr);
  const model = new LabelGuidedModel(rt, 'hfah', opts.bits, cfg, opts.dims, opts.seed);
  model.info.config = { ...model.info.config, ablation: ablation ?? 'full' };
  return model;
};
export { ABLATIONS, applyAblation, hfahDefaults, type Ablation } from './config.js';
