/**
 * DJSRH (baseline) [ref]: image and text hash nets whose cosine code similarities reconstruct the
 * joint-semantics affinity S = μ((1−η)S̃ + ηS̃S̃ᵀ/m), S̃ = βS_I + (1−β)S_T, with scaled tanh δ = √(epoch+1).
 */
import type { Runtime } from '../../runtime/runtime.js';
import { PairedHashModel, applyBaseLr, type PairedConfig } from '../common/paired-model.js';
import type { ModelFactoryOptions } from '../registry.js';
import { mergeConfig } from '../common/config.js';
import { djsrhDefaults } from './config.js';

export class DjsrhModel extends PairedHashModel {
  constructor(rt: Runtime, opts: ModelFactoryOptions) {
    const cfg = mergeConfig<PairedConfig>('djsrh', djsrhDefaults(), opts.config);
    applyBaseLr(cfg, opts.lr);
    super(rt, 'djsrh', opts.bits, cfg, opts.dims, opts.seed, opts.readFile);
  }
}
