/**
 * JSGHCA (seed 003): DJSRH's objective with adaptive weight mixing of S_I and S_T (Eq. 5 / Alg. 1),
 * Si-Attention masks inside the hash nets, Jo-Attention between the two nets' outputs, and staged
 * training (image net, then text net, then both).
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mul, mulScalar } from '../../ops/elementwise.js';
import { softmax } from '../../ops/softmax.js';
import { Linear, type Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';
import { PairedHashModel, applyBaseLr } from '../common/paired-model.js';
import { mergeConfig } from '../common/config.js';
import type { ModelFactoryOptions } from '../registry.js';
import type { Modality } from '../types.js';
import { applyAblation, jsghcaDefaults, type Ablation, type JsghcaConfig } from './config.js';

export class JsghcaModel extends PairedHashModel {
  // Set by buildExtra() from inside super(): `declare` keeps ES2022 class-field semantics from resetting them
  // to undefined/null after super() returns (which silently disabled Jo-Attention).
  private declare joImage: Linear | null;
  private declare joText: Linear | null;

  constructor(rt: Runtime, opts: ModelFactoryOptions) {
    const { ablation, ...rest } = (opts.config ?? {}) as { ablation?: Ablation } & Record<string, unknown>;
    const cfg = applyAblation(mergeConfig<JsghcaConfig>('jsghca', jsghcaDefaults(), rest), ablation ?? 'full');
    applyBaseLr(cfg, opts.lr);
    super(rt, 'jsghca', opts.bits, cfg, opts.dims, opts.seed, opts.readFile, rest);
    this.info.config = { ...this.info.config, ablation: ablation ?? 'full' };
  }

  private get jcfg(): JsghcaConfig {
    return this.cfg as JsghcaConfig;
  }

  protected override buildExtra(rt: Runtime, bits: number, rng: Rng): void {
    this.joImage = this.joText = null;
    if (!(this.cfg as JsghcaConfig).joAttention) return;
    // O = ReLU(fc(Q)) ∈ ℝᵏ per modality.
    this.joImage = new Linear(rt, bits, bits, { rng, activation: 'relu' });
    this.joText = new Linear(rt, bits, bits, { rng, activation: 'relu' });
  }

  protected override extraModules(side: Modality): Module[] {
    const m = side === 'image' ? this.joImage : this.joText;
    return m ? [m] : [];
  }

  /** k·softmax(ReLU(fc(Q))): positive weights averaging 1, so the code's scale is kept [ours]. */
  private attention(fc: Linear, q: Tensor): Tensor {
    return mulScalar(softmax(fc.forward(q)), this.info.bits);
  }

  /** Jo-Attention: h_v = Q_v ⊙ (k·Ô_t), h_t = Q_t ⊙ (k·Ô_v). */
  protected override combine(qImage: Tensor, qText: Tensor): { hImage: Tensor; hText: Tensor } {
    if (!this.jcfg.joAttention || !this.joImage || !this.joText) return { hImage: qImage, hText: qText };
    return { hImage: mul(qImage, this.attention(this.joText, qText)), hText: mul(qText, this.attention(this.joImage, qImage)) };
  }

  /**
   * At retrieval a query has one modality, so its own attention stands in for the partner's [ours].
   * The weights are positive, so the binary code sign(h) = sign(Q) either way; only δ·h's scale changes.
   */
  protected override single(modality: Modality, q: Tensor): Tensor {
    const fc = modality === 'image' ? this.joImage : this.joText;
    return this.jcfg.joAttention && fc ? mul(q, this.attention(fc, q)) : q;
  }
}
