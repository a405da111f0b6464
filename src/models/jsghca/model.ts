/**
 * JSGHCA (seed 003): DJSRH's objective with adaptive weight mixing of S_I and S_T (Eq. 5 / Alg. 1),
 * Si-Attention masks inside the hash nets, Jo-Attention between the two nets' outputs, and staged
 * training (image net, then text net, then both).
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { tanhOfSoftmaxGate } from '../../ops/softmax-gate.js';
import { Linear } from '../../nn/index.js';
import { PairedHashModel, applyBaseLr } from '../common/paired-model.js';
import { mergeConfig } from '../common/config.js';
import type { ModelFactoryOptions } from '../registry.js';
import type { Modality } from '../types.js';
import { applyAblation, jsghcaDefaults, type Ablation, type JsghcaConfig } from './config.js';

export class JsghcaModel extends PairedHashModel<Linear> {
  constructor(rt: Runtime, opts: ModelFactoryOptions) {
    const { ablation, ...rest } = (opts.config ?? {}) as { ablation?: Ablation } & Record<string, unknown>;
    const cfg = applyAblation(mergeConfig<JsghcaConfig>('jsghca', jsghcaDefaults(), rest), ablation ?? 'full');
    applyBaseLr(cfg, opts.lr);
    super(rt, 'jsghca', opts.bits, cfg, opts.dims, opts.seed, opts.readFile, {
      overrides: rest,
      // Jo-Attention: O = ReLU(fc(Q)) ∈ ℝᵏ per modality; the image optimiser updates the image side's fc.
      extraModules: cfg.joAttention
        ? (r, bits, rng) => ({ image: [new Linear(r, bits, bits, { rng, activation: 'relu' })], text: [new Linear(r, bits, bits, { rng, activation: 'relu' })] })
        : undefined,
    });
    this.info.config = { ...this.info.config, ablation: ablation ?? 'full' };
  }

  private get jcfg(): JsghcaConfig {
    return this.cfg as JsghcaConfig;
  }

  /** The Jo-Attention fc of each modality (undefined when the ablation turns Jo-Attention off). */
  private get joImage(): Linear | undefined {
    return this.extra.image[0];
  }

  private get joText(): Linear | undefined {
    return this.extra.text[0];
  }

  protected override combinesOutputs(): boolean {
    return this.jcfg.joAttention && !!this.joImage && !!this.joText;
  }

  /**
   * Jo-Attention: h_v = Q_v ⊙ (k·Ô_t), h_t = Q_t ⊙ (k·Ô_v) with Ô = softmax(ReLU(fc(Q))): positive weights
   * averaging 1, so the code's scale is kept [ours]. The codes tanh(δ·h) are one fused op each (softmax,
   * product and tanh: src/ops/softmax-gate.ts), the k folded into the scale: tanh(δk·Q ⊙ Ô).
   */
  protected override combinedCodes(qImage: Tensor, qText: Tensor): { bImage: Tensor; bText: Tensor } {
    const s = this.delta * this.info.bits;
    return {
      bImage: tanhOfSoftmaxGate(qImage, this.joText!.forward(qText), s),
      bText: tanhOfSoftmaxGate(qText, this.joImage!.forward(qImage), s),
    };
  }

  /**
   * At retrieval a query has one modality, so its own attention stands in for the partner's [ours].
   * The weights are positive, so the binary code sign(h) = sign(Q) either way; only δ·h's scale changes.
   */
  protected override singleCode(modality: Modality, q: Tensor): Tensor {
    const fc = modality === 'image' ? this.joImage! : this.joText!;
    return tanhOfSoftmaxGate(q, fc.forward(q), this.delta * this.info.bits);
  }
}
