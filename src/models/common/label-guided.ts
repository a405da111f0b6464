/**
 * Base of the label-guided adversarial models (SSAH, HFAH, UDSPH; MODELS.md): a label network whose
 * semantic features and codes supervise an image and a text network through pairwise NLL terms, a
 * per-item code matrix B (updated after each epoch), label prediction, and adversarial training
 * against discriminators. As in SSAH's reference code, every pairwise NLL pairs the batch with the
 * label-net features F^l and codes H^l of all n training items (S = batch labels × all labels, [m, n]).
 * [ours] F^l, H^l are the current label net's outputs, not a store refreshed batch by batch: the label
 * net is a function of the label vector, so it runs on the u distinct label vectors of the training set
 * (10 on Wikipedia) and each column is weighted by how many items share it — exactly the mean over the
 * m × n pairs, at m × u cost. With the reference's stale store (rows refreshed only when their item is in
 * a batch) the label net did not learn under our Adam rates: 40 label-net steps on Wikipedia (hidden 128,
 * 16 bits) left its code NLL at 0.70 → 0.75, against 0.70 → 0.46 (feature NLL 2.03 → 0.21) with fresh
 * features. The subclasses differ by configuration:
 *  - SSAH: discriminators on the 512-d features (label features real, modality features fake);
 *  - HFAH: the paper's Eq. 5 modality loss (feature NLL + quantisation + reconstruction; no code NLL and
 *    no label prediction), hybrid-attention gate, feature reconstruction with four decoders from the
 *    codes H (the hash layer's output) and D1/D2 on the reconstructions, B = sign(H^l + H^x + H^y);
 *  - UDSPH: SSAH plus the cross-modal attention loss between the two nets' features.
 *
 * One trainStep = (1) label-net update, (2) image/text (generator) update with the label net frozen,
 * (3) discriminator update on detached inputs. Each optimiser holds only its own parameters, so a step
 * never moves another's; one readback per step.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { CmhashError } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { backward, noGrad } from '../../autograd/tape.js';
import { keep, tidy } from '../../tensor/scope.js';
import { add, fromArray, mulScalar } from '../../ops/elementwise.js';
import { concat, gather } from '../../ops/layout.js';
import type { Module } from '../../nn/module.js';
import { Rng } from '../../util/rng.js';
import type { Batch, HashModel, Modality, ModelInfo, StepResult, TrainingSetView } from '../types.js';
import type { ModelDims } from '../registry.js';
import { mse, pairwiseNll, weightedSum } from './losses.js';
import { unitVarianceScale } from './nets.js';
import { validateImageInput, withRawImageDims, type ImageInputConfig } from './cnnf.js';
import { readScalars, stepResult } from './step.js';
import { collectModuleState, restoreModuleState } from './state.js';
import { ModelOptimizer, moduleParams, type ModelGroup } from './optim-groups.js';
import { adversarialPair, Discriminator, discriminatorLossReusing, generatorLoss, type AdversarialPair } from './adversarial.js';
import { crossAttentionLoss } from './cross-attention.js';
import { Decoder } from './decoder.js';
import { HalvingLr } from './halving-lr.js';
import { LabelNet } from './label-net.js';
import { labelSimilarity } from './label-similarity.js';
import { ModalityNet } from './modality-net.js';
import { backwardStoppedAt, detach, signCodes } from './no-grad.js';

/** Image input ('features' or raw images through CNN-F; `--raw-images S` selects CNN-F at size S). */
export interface LabelGuidedConfig extends ImageInputConfig {
  /** Hidden width of the label/image/text nets (the papers use 4096; ≤ 1024 on the CPU machines [ours]). */
  hidden: number;
  /** Semantic feature width f (512 in SSAH/HFAH). */
  feat: number;
  dropout: number;
  lrLabel: number;
  lrImage: number;
  lrText: number;
  lrDisc: number;
  /** Learning rate of HFAH's decoders. */
  lrDecoder: number;
  weightDecay: number;
  /** Halve every learning rate after this many epochs (0: never) [ours, not SSAH's per-epoch √10]. */
  halveEvery: number;
  /** Weight of NLL(S, ½ f^l f*ᵀ) (feature level). */
  alpha: number;
  /** Weight of NLL(S, ½ H^l H*ᵀ) (code level) in the label net's loss. */
  gamma: number;
  /** Weight of the code-level NLL(S, ½ H*·H^lᵀ) in the image/text nets' loss (SSAH: = gamma; HFAH Eq. 5: 0). */
  gammaModality: number;
  /** Weight of the quantisation ‖H − B‖² (mean squared). */
  beta: number;
  /** Weight of HFAH's consistency with the label net's binary code, ‖H* − sign(H^l)‖² (0: off). */
  labelCode: number;
  /** Weight of the label prediction ‖L̂ − L‖² (mean squared) in the label net's loss. */
  eta: number;
  /** Weight of the image/text nets' label prediction (SSAH: = eta; HFAH Eq. 5: 0). */
  etaModality: number;
  /** Weight of the generator's adversarial term (0: no discriminators). */
  adversarial: number;
  /** Where the discriminators look: the 512-d features vs the label net's (SSAH), or the reconstructions (HFAH D1/D2). */
  discriminate: 'label-features' | 'reconstructions';
  /** Weight of HFAH's feature reconstruction L_r (0: no decoders). */
  reconstruction: number;
  /** Weight of UDSPH's cross-modal attention (local semantic correlation) loss (0: off). */
  crossAttention: number;
  /** softmax(λ·cos) temperature (stacked cross attention: 9). */
  attentionLambda: number;
  /** Token width for the cross attention (the feature width must be a multiple). */
  tokenDim: number;
  /** SSAH multi-scale BoW fusion in the text net (pooling widths; empty: plain fc text net). */
  fusionWidths: number[];
  /** LRN in the text net (SSAH). */
  textLrn: boolean;
  /** HFAH hybrid attention (feature-input form) in the image net. */
  hybridAttention: boolean;
  /** Code matrix: B = sign(H^l + H^x + H^y) ('label+modalities') or sign(H^x + H^y) ('modalities'). */
  codeMatrix: 'label+modalities' | 'modalities';
  /** Scale each modality's inputs to unit mean square per dimension (computed in prepare()). */
  normalizeInputs: boolean;
}

export class LabelGuidedModel implements HashModel {
  /** trainStep submits all of its work before its first await (HashModel.overlapsSteps). */
  readonly overlapsSteps = true;
  readonly info: ModelInfo;
  readonly labelNet: LabelNet;
  /** null when the dataset has no image features (MIRFlickr here): text branch + label net only. */
  readonly imageNet: ModalityNet | null;
  readonly textNet: ModalityNet;
  readonly discImage: Discriminator | null = null;
  readonly discText: Discriminator | null = null;
  /** HFAH decoders: image features from H^x (own) and from H^y (cross); text features from H^y and from H^x. */
  readonly decImage: Decoder | null = null;
  readonly decText: Decoder | null = null;
  readonly decImageFromText: Decoder | null = null;
  readonly decTextFromImage: Decoder | null = null;
  /** One Adam with a group per part: label, image, text, decoder, disc (those the model has). */
  private readonly optim: ModelOptimizer;
  /** Per-item codes B [n, bits] (±1), built in prepare() and after each epoch. */
  B: Tensor | null = null;
  /** The distinct label vectors of the training set [u, c] and their weights count·u/n [1, u] (set in prepare()). */
  labelsUnique: Tensor | null = null;
  private labelWeights: Tensor | null = null;
  private train: TrainingSetView | null = null;
  private readonly lr: HalvingLr;

  constructor(readonly runtime: Runtime, name: string, bits: number, readonly cfg: LabelGuidedConfig, dims: ModelDims, seed: number) {
    if (!Number.isInteger(bits) || bits < 8 || bits > 128) throw new RangeError(`${name}: bits must be an integer in [8, 128], got ${bits}`);
    if (dims.textDim <= 0) throw new RangeError(`${name}: needs text features (textDim ${dims.textDim})`);
    if (dims.numLabels <= 0) throw new CmhashError(`${name}: is supervised and needs labels (numLabels ${dims.numLabels})`);
    if (cfg.crossAttention > 0 && cfg.feat % cfg.tokenDim !== 0) throw new RangeError(`${name}: feat ${cfg.feat} must be a multiple of tokenDim ${cfg.tokenDim}`);
    cfg = this.cfg = withRawImageDims(name, cfg, dims);
    validateImageInput(name, cfg);
    if (cfg.cnnfWeights) throw new CmhashError(`${name}: cnnfWeights is not supported yet (the CNN-F stack starts from a random init)`);
    this.info = { name, bits, supervised: true, config: { ...cfg, bits, seed, dims } };
    const rng = new Rng(seed);
    const { hidden, feat, dropout } = cfg;
    const c = dims.numLabels;
    this.labelNet = new LabelNet(runtime, c, hidden, feat, bits, rng.fork());
    // Raw images: CNN-F (conv1–5, fc6, fc7) replaces the first layer of the image net.
    const cnnf = cfg.imageInput === 'cnnf' ? { imageSize: cfg.imageSize, channels: cfg.cnnfChannels, siAttention: false } : undefined;
    this.imageNet = dims.imageDim > 0 || cnnf
      ? new ModalityNet(runtime, { inDim: dims.imageDim, hidden, feat, bits, numLabels: c, dropout, fusionWidths: null, lrn: false, hybridAttention: cfg.hybridAttention, rng: rng.fork(), cnnf })
      : null;
    this.textNet = new ModalityNet(runtime, {
      inDim: dims.textDim, hidden, feat, bits, numLabels: c, dropout: 0,
      fusionWidths: cfg.fusionWidths.length ? cfg.fusionWidths : null, lrn: cfg.textLrn, hybridAttention: false, rng: rng.fork(),
    });
    const groups: ModelGroup[] = [];
    const adam = (nm: string, lr: number, mods: Module[]): void => {
      groups.push({ name: nm, prefix: `opt.${nm}.`, base: lr, params: moduleParams(mods, true) });
    };
    const drng = rng.fork();
    if (cfg.reconstruction > 0) {
      if (!this.imageNet) throw new CmhashError(`${name}: feature reconstruction needs image features`);
      // HFAH Eqs. 7–8: four decoders from the codes H (bits → feat → feat): from each modality's code, one
      // rebuilds its own features and one the other modality's.
      this.decImage = new Decoder(runtime, bits, feat, feat, drng);
      this.decText = new Decoder(runtime, bits, feat, feat, drng);
      this.decImageFromText = new Decoder(runtime, bits, feat, feat, drng);
      this.decTextFromImage = new Decoder(runtime, bits, feat, feat, drng);
    }
    if (cfg.adversarial > 0) {
      if (cfg.discriminate === 'reconstructions' && !this.decImage) throw new CmhashError(`${name}: discriminate 'reconstructions' needs reconstruction > 0`);
      if (this.imageNet) this.discImage = new Discriminator(runtime, feat, drng);
      this.discText = new Discriminator(runtime, feat, drng);
    }
    adam('label', cfg.lrLabel, [this.labelNet]);
    if (this.imageNet) adam('image', cfg.lrImage, [this.imageNet]);
    adam('text', cfg.lrText, [this.textNet]);
    if (this.decImage && this.decText && this.decImageFromText && this.decTextFromImage) {
      adam('decoder', cfg.lrDecoder, [this.decImage, this.decText, this.decImageFromText, this.decTextFromImage]);
    }
    const discs = [this.discImage, this.discText].filter((d): d is Discriminator => d !== null);
    if (discs.length) adam('disc', cfg.lrDisc, discs);
    this.optim = ModelOptimizer.adam(groups, { weightDecay: cfg.weightDecay });
    this.lr = new HalvingLr(cfg.halveEvery, this.optim);
  }

  /** Every module with its checkpoint prefix. */
  private modules(): [string, Module | null][] {
    return [
      ['label.', this.labelNet], ['image.', this.imageNet], ['text.', this.textNet],
      ['decImage.', this.decImage], ['decText.', this.decText], ['decImageFromText.', this.decImageFromText], ['decTextFromImage.', this.decTextFromImage],
      ['discImage.', this.discImage], ['discText.', this.discText],
    ];
  }

  /** Parameters the generator step may change (label net excluded: it has its own step). */
  generatorModules(): Module[] {
    return [this.imageNet, this.textNet, this.decImage, this.decText, this.decImageFromText, this.decTextFromImage].filter((m): m is NonNullable<typeof m> => m !== null);
  }

  discriminatorModules(): Module[] {
    return [this.discImage, this.discText].filter((m): m is Discriminator => m !== null);
  }

  namedParameters(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [p, m] of this.modules()) if (m) for (const [n, t] of m.namedParameters(p)) out.set(n, t);
    return out;
  }

  async prepare(train: TrainingSetView): Promise<void> {
    if (!train.labels) throw new CmhashError(`${this.info.name}: the training set has no labels (supervised model)`);
    this.train = train;
    if (this.cfg.normalizeInputs) {
      if (this.imageNet && train.imageDim > 0 && !this.imageNet.cnnf) this.imageNet.inputScale = unitVarianceScale(train.image, train.imageDim);
      this.textNet.inputScale = unitVarianceScale(train.text, train.textDim);
    }
    this.info.config = { ...this.info.config, inputScale: this.inputScales() };
    this.setLabelTable(train.labels, train.n, train.labelDim);
    await this.updateCodeMatrix();
  }

  /** Distinct label rows and their column weights (count·u/n, so a mean over [m, u] equals the mean over [m, n]). */
  private setLabelTable(labels: Float32Array, n: number, c: number): void {
    const index = new Map<string, number>();
    const rows: number[] = [], counts: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = Array.prototype.join.call(labels.subarray(i * c, i * c + c), ',');
      const u = index.get(key);
      if (u === undefined) {
        index.set(key, rows.length);
        rows.push(i);
        counts.push(1);
      } else counts[u]!++;
    }
    const u = rows.length;
    const table = new Float32Array(u * c);
    rows.forEach((r, j) => table.set(labels.subarray(r * c, r * c + c), j * c));
    this.labelsUnique?.dispose();
    this.labelWeights?.dispose();
    this.labelsUnique = keep(fromArray(this.runtime, table, [u, c], 'f32'));
    this.labelWeights = keep(fromArray(this.runtime, Float32Array.from(counts, (k) => (k * u) / n), [1, u], 'f32'));
  }

  private inputScales(): { image: number; text: number } {
    return { image: this.imageNet?.inputScale ?? 1, text: this.textNet.inputScale };
  }

  startEpoch(epoch: number): void {
    this.lr.startEpoch(epoch);
  }

  /** Training-loop learning-rate schedule factor (multiplies the per-model halving). */
  setLrScale(scale: number): void {
    this.lr.setLrScale(scale);
  }

  private setMode(training: boolean): void {
    for (const [, m] of this.modules()) m?.train(training);
  }

  /**
   * The loss terms of one batch; runs the updates in order and returns the scalars (not yet read).
   * `only` applies just one phase's update (the other phases' losses are still computed): tests use it
   * to check that each optimiser moves only its own parameters.
   */
  stepTensors(batch: Batch, only?: 'label' | 'generator' | 'discriminator'): Record<string, Tensor> {
    const run = (phase: 'label' | 'generator' | 'discriminator'): boolean => !only || only === phase;
    const { cfg } = this;
    if (!batch.labels) throw new CmhashError(`${this.info.name}: batch has no labels (supervised model)`);
    if (!this.B) throw new CmhashError(`${this.info.name}: prepare() was not called (no code matrix B)`);
    const L = batch.labels;
    const m = L.shape[0]!;
    if (!this.labelsUnique || !this.labelWeights) throw new CmhashError(`${this.info.name}: prepare() was not called (no label table)`);
    // S [m, u]: batch items × the distinct training label vectors; with the column weights W every NLL is
    // the mean over the batch × all n training items (SSAH's reference pairs the batch with all n).
    const S = labelSimilarity(L, this.labelsUnique);
    const W = this.labelWeights;
    const Lu = this.labelsUnique;
    const idx = fromArray(this.runtime, batch.indices, [m], 'u32');
    const Bb = noGrad(() => gather(this.B!, idx));
    const out: Record<string, Tensor> = {};
    const zeroAll = (): void => this.optim.zeroGrad();

    // (1) label network
    const lab = this.labelNet.run(L);
    const all = noGrad(() => this.labelNet.featuresAndCodes(Lu)); // F^l, H^l of all items (constants for this loss)
    const l = {
      featNll: pairwiseNll(S, lab.feat, all.feat, W),
      codeNll: pairwiseNll(S, lab.code, all.code, W),
      quant: mse(lab.code, Bb),
      pred: mse(lab.labels, L),
    };
    const lossLabel = weightedSum([[l.featNll, cfg.alpha], [l.codeNll, cfg.gamma], [l.quant, cfg.beta], [l.pred, cfg.eta]]);
    if (run('label')) {
      backward(lossLabel);
      this.optim.step('label');
      zeroAll();
    }
    Object.assign(out, { label: lossLabel, labelFeatNll: l.featNll, labelCodeNll: l.codeNll, labelQuant: l.quant, labelPred: l.pred });

    // (2) image and text networks (generators) against the updated, frozen label net (F^l, H^l of all items).
    // The batch's label-net outputs only where something reads them: f^l for SSAH's discriminators (real
    // inputs), H^l for HFAH's label-code consistency; never the label head.
    const semFeatures = cfg.adversarial > 0 && cfg.discriminate === 'label-features';
    const sem = cfg.labelCode > 0 ? noGrad(() => this.labelNet.featuresAndCodes(L)) : semFeatures ? { feat: noGrad(() => this.labelNet.features(L)), code: null } : null;
    const { feat: FL, code: HL } = noGrad(() => this.labelNet.featuresAndCodes(Lu));
    const semCode = sem?.code ? signCodes(sem.code) : null;
    const ox = this.imageNet ? this.imageNet.run(batch.image) : null;
    const oy = this.textNet.run(batch.text);
    const terms: [Tensor, number][] = [];
    const modality = (key: string, o: { feat: Tensor; code: Tensor; labels: Tensor }): void => {
      const fn = pairwiseNll(S, o.feat, FL, W), q = mse(o.code, Bb);
      out[`${key}FeatNll`] = fn; out[`${key}Quant`] = q;
      terms.push([fn, cfg.alpha], [q, cfg.beta]);
      // SSAH's code NLL and label prediction; HFAH's Eq. 5 has neither (weights 0: not computed).
      if (cfg.gammaModality > 0) {
        const cn = pairwiseNll(S, o.code, HL, W);
        out[`${key}CodeNll`] = cn;
        terms.push([cn, cfg.gammaModality]);
      }
      if (cfg.etaModality > 0) {
        const p = mse(o.labels, L);
        out[`${key}Pred`] = p;
        terms.push([p, cfg.etaModality]);
      }
      if (semCode) {
        const lc = mse(o.code, semCode);
        out[`${key}LabelCode`] = lc;
        terms.push([lc, cfg.beta * cfg.labelCode]);
      }
    };
    if (ox) modality('image', ox);
    modality('text', oy);
    let rec: { imgOwn: Tensor; imgCross: Tensor; txtOwn: Tensor; txtCross: Tensor } | null = null;
    if (ox && this.decImage && this.decText && this.decImageFromText && this.decTextFromImage) {
      // Eqs. 7–8: from each modality's code H (the hash layer's output, so L_r and D1/D2 reach the hash
      // layer) one decoder rebuilds its own features and one the other modality's; the feature targets
      // are detached (otherwise shrinking f would be a free win) [ours].
      const fx = detach(ox.feat), fy = detach(oy.feat);
      rec = {
        imgOwn: this.decImage.forward(ox.code), imgCross: this.decImageFromText.forward(oy.code),
        txtOwn: this.decText.forward(oy.code), txtCross: this.decTextFromImage.forward(ox.code),
      };
      const lrImage = add(mse(rec.imgOwn, fx), mse(rec.imgCross, fx));
      const lrText = add(mse(rec.txtOwn, fy), mse(rec.txtCross, fy));
      out.imageRecon = lrImage; out.textRecon = lrText;
      terms.push([lrImage, cfg.reconstruction], [lrText, cfg.reconstruction]);
    }
    if (ox && cfg.crossAttention > 0) {
      const att = add(crossAttentionLoss(ox.feat, oy.feat, cfg.tokenDim, cfg.attentionLambda), crossAttentionLoss(oy.feat, ox.feat, cfg.tokenDim, cfg.attentionLambda));
      out.crossAttention = att;
      terms.push([att, cfg.crossAttention]);
    }
    // Adversarial: the fakes the generators try to pass as real.
    // D(fake) is computed here once (with D trainable, so its graph keeps what D's weight gradients need) and
    // reused by the discriminator phase below: D does not step in between.
    const pairs: AdversarialPair[] = [];
    if (cfg.adversarial > 0) {
      if (cfg.discriminate === 'label-features' && sem) {
        if (ox && this.discImage) pairs.push(adversarialPair(this.discImage, sem.feat, ox.feat));
        if (this.discText) pairs.push(adversarialPair(this.discText, sem.feat, oy.feat));
      } else if (rec && this.discImage && this.discText) {
        // D1: own-reconstructed text features (real) vs image-reconstructed (fake); D2 likewise for images.
        pairs.push(adversarialPair(this.discText, rec.txtOwn, rec.txtCross));
        pairs.push(adversarialPair(this.discImage, rec.imgOwn, rec.imgCross));
      }
      if (pairs.length) {
        const adv = pairs.map((p) => generatorLoss(p)).reduce((a, b) => add(a, b));
        out.generatorAdv = adv;
        terms.push([adv, cfg.adversarial]);
      }
    }
    const gen = weightedSum(terms);
    if (run('generator')) {
      // The adversarial term reaches the discriminators' weights too, but only the generators step here:
      // frozen for this backward, the discriminators' weight-gradient GEMMs and bias reductions are not
      // computed (12 dispatches per SSAH step; the gradients used to be dropped by zeroAll) [ours, the usual GAN practice].
      const frozen = this.discriminatorModules().flatMap((m) => m.parameters());
      for (const p of frozen) p.requiresGrad = false;
      try {
        backward(gen);
      } finally {
        for (const p of frozen) p.requiresGrad = true;
      }
      this.optim.step(...this.generatorGroups());
      zeroAll();
    }
    out.generator = gen;

    // (3) discriminators on detached inputs: D(real) afresh, D(fake) from the generator phase with the tape
    // stopped at the fakes (the same gradients as D(detach(fake)), without its forward GEMMs).
    if (pairs.length && this.discText) {
      const disc = pairs.map((p) => discriminatorLossReusing(p)).reduce((a, b) => add(a, b));
      if (run('discriminator')) {
        backwardStoppedAt(disc, pairs.map((p) => p.fake));
        this.optim.step('disc');
        zeroAll();
      }
      out.discriminator = disc;
    }
    out.total = out.discriminator ? add(add(lossLabel, gen), out.discriminator) : add(lossLabel, gen);
    return out;
  }

  async trainStep(batch: Batch, _epoch: number): Promise<StepResult> {
    this.setMode(true);
    const scalars = tidy(() => this.stepTensors(batch));
    return stepResult(this.info.name, await readScalars(this.runtime, scalars));
  }

  /** B = sign(H^l + H^x + H^y) (or sign(H^x + H^y)) over the training set, sign(0) → +1. */
  async endEpoch(_epoch: number): Promise<void> {
    await this.updateCodeMatrix();
  }

  private async updateCodeMatrix(chunk = 1024): Promise<void> {
    const t = this.train;
    if (!t || !t.labels) throw new CmhashError(`${this.info.name}: prepare() was not called`);
    this.setMode(false);
    const parts: Tensor[] = [];
    for (let lo = 0; lo < t.n; lo += chunk) {
      const hi = Math.min(t.n, lo + chunk), m = hi - lo;
      parts.push(tidy(() => noGrad(() => {
        let h = this.textNet.forward(fromArray(this.runtime, t.text.subarray(lo * t.textDim, hi * t.textDim), [m, t.textDim], 'f32'));
        // (Raw-image training keeps no host pixel rows (imageDim 0): B then comes from text and labels.)
        if (this.imageNet && t.imageDim > 0) h = add(h, this.imageNet.forward(fromArray(this.runtime, t.image.subarray(lo * t.imageDim, hi * t.imageDim), [m, t.imageDim], 'f32')));
        if (this.cfg.codeMatrix === 'label+modalities' || !this.imageNet || t.imageDim === 0) {
          h = add(h, this.labelNet.forward(fromArray(this.runtime, t.labels!.subarray(lo * t.labelDim, hi * t.labelDim), [m, t.labelDim], 'f32')));
        }
        return signCodes(h);
      })));
    }
    const B = parts.length === 1 ? parts[0]! : keep(noGrad(() => concat(parts, 0)));
    if (parts.length > 1) for (const p of parts) p.dispose();
    this.B?.dispose();
    this.B = keep(B);
    this.setMode(true);
  }

  encode(modality: Modality, features: Tensor): Tensor {
    const net = modality === 'image' ? this.imageNet : this.textNet;
    if (!net) throw new CmhashError(`${this.info.name}: this model was built without an image network (imageDim 0)`);
    net.eval();
    return noGrad(() => tidy(() => net.forward(features)));
  }

  /** Codes of the label network for label vectors [m, c] (MIRFlickr label-net code quality). */
  encodeLabels(labels: Tensor): Tensor {
    this.labelNet.eval();
    return noGrad(() => tidy(() => this.labelNet.forward(labels)));
  }

  private allModules(): Module[] {
    return this.modules().map(([, m]) => m).filter((m): m is Module => m !== null);
  }

  /** The groups the generator phase updates (one dispatch): the hashing nets and the decoders. */
  private generatorGroups(): string[] {
    return [...(this.imageNet ? ['image'] : []), 'text', ...(this.decImage ? ['decoder'] : [])];
  }

  async getState(): Promise<{ json: Record<string, unknown>; tensors: Map<string, Tensor> }> {
    const { scalars, tensors } = this.optim.getState();
    if (this.B) tensors.set('B', this.B);
    return { json: { optimizers: scalars, modules: collectModuleState(this.allModules()), inputScale: this.inputScales(), lr: this.lr.getState() }, tensors };
  }

  async setState(state: { json: Record<string, unknown>; tensors: Map<string, Tensor> }): Promise<void> {
    const j = state.json as { optimizers: Record<string, Record<string, number>>; modules: unknown; inputScale: { image: number; text: number }; lr: { lrScale: number; epochScale: number } };
    this.optim.setState(j.optimizers, state.tensors);
    const B = state.tensors.get('B');
    if (B) {
      this.B?.dispose();
      this.B = keep(noGrad(() => mulScalar(B, 1)));
    }
    if (this.imageNet) this.imageNet.inputScale = j.inputScale.image;
    this.textNet.inputScale = j.inputScale.text;
    this.lr.setState(j.lr);
    restoreModuleState(this.allModules(), j.modules);
  }

  dispose(): void {
    this.optim.dispose();
    for (const m of this.allModules()) m.dispose();
    this.B?.dispose();
    this.B = null;
    this.labelsUnique?.dispose();
    this.labelWeights?.dispose();
    this.labelsUnique = this.labelWeights = null;
  }
}
