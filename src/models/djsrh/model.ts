/**
 * DJSRH (baseline) [ref]: image and text hash nets whose cosine code similarities reconstruct the
 * joint-semantics affinity S = μ((1−η)S̃ + ηS̃S̃ᵀ/m), S̃ = βS_I + (1−β)S_T, with scaled tanh δ = √(epoch+1).
 */
import type { Runtime } from '../../runtime/runtime.js';
import { PairedHashModel, applyBaseLr, type PairedConfig } from '../common/paired-model.js';
import type { ModelFactoryOptions } from '../registry.js';
import { mergeConfig } from '../common/config.js';
import { CmhashError } from '../../runtime/errors.js';
import { PRESETS, djsrhDefaults, type Preset } from './config.js';

export class DjsrhModel extends PairedHashModel {
  constructor(rt: Runtime, opts: ModelFactoryOptions) {
    const { preset, ...rest } = (opts.config ?? {}) as { preset?: Preset } & Record<string, unknown>;
    if (preset !== undefined && !Object.hasOwn(PRESETS, preset)) throw new CmhashError(`djsrh: unknown preset '${String(preset)}' (one of ${Object.keys(PRESETS).join(', ')})`);
    const base = preset ? mergeConfig<PairedConfig>('djsrh', djsrhDefaults(), PRESETS[preset] as unknown as Record<string, unknown>) : djsrhDefaults();
    const cfg = mergeConfig<PairedConfig>('djsrh', base, rest);
    applyBaseLr(cfg, opts.lr);
    super(rt, 'djsrh', opts.bits, cfg, opts.dims, opts.seed, opts.readFile, { overrides: rest });
    if (preset) this.info.config = { ...this.info.config, preset };
  }
}
