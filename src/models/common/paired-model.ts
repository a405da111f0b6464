/**
 * Base of the unsupervised two-network models (DJSRH, JSGHCA): an image hash net and a text hash net
 * trained so that cosines of their scaled-tanh codes reconstruct a joint similarity target built from
 * the batch's original features. Subclasses change the target, the nets' attention, and how the two
 * nets' outputs become codes (JSGHCA's Jo-Attention).
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad, backward } from '../../autograd/tape.js';
import { tidy } from '../../tensor/scope.js';
import { add, mulScalar, reshape, tanh } from '../../ops/elementwise.js';
import type { Module } from '../../nn/module.js';
import { Rng } from '../../util/rng.js';
import type { Batch, HashModel, Modality, ModelInfo, StepResult, TrainingSetView } from '../types.js';
import type { HostFileReader, ModelDims } from '../registry.js';
import { cosineReconstructionLoss } from './losses.js';
import { FeatureHashNet, checkInputDropout, unitVarianceScale, type HashNetOptions } from './nets.js';
import { loadCnnfWeights, readWeightsFile, validateImageInput, withRawImageDims, type ImageInputConfig } from './cnnf.js';
import { jointTarget, type TargetConfig } from './targets.js';
import { readScalars, stepResult } from './step.js';
import { collectModuleState, restoreModuleState } from './state.js';
import { ModelOptimizer, moduleParams } from './optim-groups.js';
import { shouldRescaleCosine } from './rescale.js';
import { CmhashError } from '../../runtime/errors.js';

export interface PairedConfig extends ImageInputConfig {
  hidden: number;
  /** Dropout after the image net's hidden layer (feature input; CNN-F has its own after fc6). */
  dropout: number;
  /** Dropout in the text net: 0, as DJSRH's reference text net (BoW → 4096 → ReLU → hash) has none [ref]. */
  textDropout: number;
  lrImage: number;
  lrText: number;
  momentum: number;
  weightDecay: number;
  /**
   * The image net's weight decay is weightDecay × this (1: the same as the text net's) [ours]: image→text is the
   * direction the weak image features limit, so the image net's regularisation is tuned on its own.
   */
  imageWeightDecayScale: number;
  /** Dropout on the image net's input features (feature input only; 0: none) [ours]; see HashNetOptions.inputDropout. */
  imageInputDropout: number;
  lambda1: number;
  lambda2: number;
  target: TargetConfig;
  /** Staged training (JSGHCA §3.4): epochs that train only the image net, then only the text net, then both. */
  imageOnlyEpochs: number;
  textOnlyEpochs: number;
  imageAttention: HashNetOptions['attention'];
  textAttention: HashNetOptions['attention'];
  /**
   * 'auto': rescale a modality's cosines to 2x − 1 when its features are dense and non-negative (see
   * shouldRescaleCosine); 'on' / 'off': both modalities. Under 'auto', a `target.rescaleImage` or
   * `target.rescaleText` given in the model config is kept for that modality (only the other is detected);
   * under 'on' / 'off' a conflicting one is an error.
   */
  rescale: 'auto' | 'on' | 'off';
  /** Scale each modality's inputs to unit mean square per dimension (computed once in prepare()). */
  normalizeInputs: boolean;
}

/**
 * Apply a single base learning rate (`--lr`) to both nets, keeping the config's image:text ratio
 * (the reference 1:10). No-op when `lr` is undefined.
 */
export function applyBaseLr(cfg: PairedConfig, lr: number | undefined): void {
  if (lr === undefined) return;
  cfg.lrText = lr * (cfg.lrText / cfg.lrImage);
  cfg.lrImage = lr;
}

export type Stage = 'image' | 'text' | 'joint';

/** The per-modality rescale flags the user set explicitly in a model config (`target.rescaleImage/Text`). */
export interface PinnedRescale {
  image?: boolean;
  text?: boolean;
}

/** Read the explicit `target.rescaleImage` / `target.rescaleText` from raw model-config overrides. */
export function pinnedRescale(overrides: Record<string, unknown> | undefined): PinnedRescale {
  const t = overrides?.target as Record<string, unknown> | undefined;
  const out: PinnedRescale = {};
  if (typeof t?.rescaleImage === 'boolean') out.image = t.rescaleImage;
  if (typeof t?.rescaleText === 'boolean') out.text = t.rescaleText;
  return out;
}

/** Modules a subclass adds per modality: that modality's optimiser updates them; checkpoints name them `<side>_extra<i>.`. */
export interface ExtraModules<M extends Module = Module> {
  image: M[];
  text: M[];
}

/**
 * What a subclass adds to the two nets, handed to the base constructor as data (no overridable method runs
 * from a constructor: an override would run before the subclass's own fields are initialised, and those
 * field initialisers would then reset whatever it set — the cause of a silently disabled Jo-Attention).
 */
export interface PairedParts<M extends Module = Module> {
  /** The raw model config, to tell explicit target.rescaleImage/Text from defaults (see PairedConfig.rescale). */
  overrides?: Record<string, unknown>;
  /** Extra hash-net options per modality (UMHA's token attention). */
  netOptions?: Partial<Record<Modality, Partial<HashNetOptions>>>;
  /** Builds the extra modules (JSGHCA's Jo-Attention fcs) from the rng fork that follows the two nets'. */
  extraModules?: (rt: Runtime, bits: number, rng: Rng) => ExtraModules<M>;
}

export abstract class PairedHashModel<M extends Module = Module> implements HashModel {
  /** trainStep submits all of its work before its first await (HashModel.overlapsSteps). */
  readonly overlapsSteps = true;
  readonly info: ModelInfo;
  readonly imageNet: FeatureHashNet;
  readonly textNet: FeatureHashNet;
  /** One SGD, groups `optImage` and `optText` (each net with its extra modules; their own base rates). */
  protected readonly optim: ModelOptimizer;
  /** Scaled-tanh slope δ = √(epoch + 1). */
  delta = 1;
  stage: Stage = 'joint';
  /** Training-loop learning-rate factor (--lr-schedule), applied to both nets' base rates. */
  lrScale = 1;
  private readonly pinned: PinnedRescale;
  /** The subclass's extra modules per modality (built by `parts.extraModules`). */
  protected readonly extra: ExtraModules<M>;

  /** `readFile`: host file access (CNN-F weights); `parts`: what the subclass adds (see PairedParts). */
  constructor(readonly runtime: Runtime, name: string, bits: number, readonly cfg: PairedConfig, dims: ModelDims, seed: number, private readonly readFile?: HostFileReader, parts: PairedParts<M> = {}) {
    if (!Number.isInteger(bits) || bits < 8 || bits > 128) throw new RangeError(`${name}: bits must be an integer in [8, 128], got ${bits}`);
    cfg = this.cfg = withRawImageDims(name, cfg, dims);
    const rawImages = (cfg as ImageInputConfig).imageInput === 'cnnf';
    if ((!rawImages && dims.imageDim <= 0) || dims.textDim <= 0) throw new RangeError(`${name}: needs image and text features (imageDim ${dims.imageDim}, textDim ${dims.textDim})`);
    this.info = { name, bits, supervised: false, config: { ...cfg, bits, seed, dims } };
    this.pinned = pinnedRescale(parts.overrides);
    if (cfg.rescale !== 'auto') {
      const on = cfg.rescale === 'on';
      for (const [side, v] of Object.entries(this.pinned)) {
        if (v !== on) throw new CmhashError(`${name}: config target.rescale${side === 'image' ? 'Image' : 'Text'} = ${v} contradicts rescale '${cfg.rescale}'; use rescale 'auto' to set one modality explicitly`);
      }
    }
    validateImageInput(name, cfg);
    if (!(Number.isFinite(cfg.imageWeightDecayScale) && cfg.imageWeightDecayScale >= 0)) throw new CmhashError(`${name}: config imageWeightDecayScale must be a finite number ≥ 0, got ${cfg.imageWeightDecayScale}`);
    checkInputDropout(`${name}: config imageInputDropout`, cfg.imageInputDropout, cfg.imageInput === 'cnnf');
    const rng = new Rng(seed);
    // Raw images: CNN-F replaces fc(hidden); the image Si-Attention becomes JSGHCA's conv-map mask after conv5.
    const raw = cfg.imageInput === 'cnnf';
    // imageDim 0: the loop hands the net [m, 3, S, S] batches (raw-image datasets without host pixel rows).
    if (raw && dims.imageDim !== 0 && dims.imageDim !== 3 * cfg.imageSize * cfg.imageSize) {
      throw new RangeError(`${name}: imageInput 'cnnf' with imageSize ${cfg.imageSize} needs image rows of 3×${cfg.imageSize}×${cfg.imageSize} = ${3 * cfg.imageSize * cfg.imageSize} normalised pixels (NCHW), the data has imageDim ${dims.imageDim}`);
    }
    const cnnf = raw ? { imageSize: cfg.imageSize, channels: cfg.cnnfChannels, siAttention: cfg.imageAttention !== 'none' } : undefined;
    this.imageNet = new FeatureHashNet(runtime, { inDim: dims.imageDim, hidden: cfg.hidden, bits, dropout: cfg.dropout, inputDropout: cfg.imageInputDropout, attention: raw ? 'none' : cfg.imageAttention, rng: rng.fork(), cnnf, ...parts.netOptions?.image });
    this.textNet = new FeatureHashNet(runtime, { inDim: dims.textDim, hidden: cfg.hidden, bits, dropout: cfg.textDropout, attention: cfg.textAttention, rng: rng.fork(), ...parts.netOptions?.text });
    const extraRng = rng.fork(); // drawn with or without extras, so the rng stream does not depend on them
    this.extra = parts.extraModules?.(runtime, bits, extraRng) ?? { image: [], text: [] };
    this.optim = ModelOptimizer.sgd([
      { name: 'optImage', prefix: 'optImage.', base: cfg.lrImage, params: moduleParams([this.imageNet, ...this.extraModules('image')]), options: { weightDecay: cfg.weightDecay * cfg.imageWeightDecayScale } },
      { name: 'optText', prefix: 'optText.', base: cfg.lrText, params: moduleParams([this.textNet, ...this.extraModules('text')]) },
    ], { momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  }

  /** Extra loss terms (already weighted) added to the reconstruction loss; bI, bT are the batch's scaled-tanh codes. */
  protected extraLoss(_batch: Batch, _bI: Tensor, _bT: Tensor): Record<string, Tensor> {
    return {};
  }

  /** Extra modules whose parameters the image (or text) optimiser updates (not to be overridden: pass PairedParts.extraModules). */
  protected extraModules(side: Modality): Module[] {
    return this.extra[side];
  }

  /** Pre-tanh outputs → the h that goes into the scaled tanh (identity here); used when combinesOutputs(). */
  protected combine(qImage: Tensor, qText: Tensor): { hImage: Tensor; hText: Tensor } {
    return { hImage: qImage, hText: qText };
  }

  /** h used at retrieval for one modality (no partner available); used when combinesOutputs(). */
  protected single(_modality: Modality, q: Tensor): Tensor {
    return q;
  }

  /**
   * Whether the codes mix the two nets' outputs (a subclass that overrides combine(); JSGHCA's Jo-Attention).
   * When not, each code is tanh(δ·h) of its own net, fused into the head's GEMM epilogue.
   */
  protected combinesOutputs(): boolean {
    return this.combine !== PairedHashModel.prototype.combine;
  }

  /** Codes from both nets' pre-tanh outputs, when combinesOutputs(): tanh(δ·h) of the combined h. */
  protected combinedCodes(qImage: Tensor, qText: Tensor): { bImage: Tensor; bText: Tensor } {
    const { hImage, hText } = this.combine(qImage, qText);
    return { bImage: tanh(mulScalar(hImage, this.delta)), bText: tanh(mulScalar(hText, this.delta)) };
  }

  /** A retrieval code for one modality (no partner available) from its pre-tanh output, when combinesOutputs(). */
  protected singleCode(modality: Modality, q: Tensor): Tensor {
    return tanh(mulScalar(this.single(modality, q), this.delta));
  }

  namedParameters(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, t] of this.imageNet.namedParameters('image.')) out.set(n, t);
    for (const [n, t] of this.textNet.namedParameters('text.')) out.set(n, t);
    for (const side of ['image', 'text'] as const) {
      this.extraModules(side).forEach((m, i) => {
        for (const [n, t] of m.namedParameters(`${side}_extra${i}.`)) out.set(n, t);
      });
    }
    return out;
  }

  async prepare(train: TrainingSetView): Promise<void> {
    if (this.cfg.rescale === 'auto') {
      // An explicit per-modality setting from the model config wins over detection.
      this.cfg.target.rescaleImage = this.pinned.image ?? shouldRescaleCosine(train.image, train.imageDim);
      this.cfg.target.rescaleText = this.pinned.text ?? shouldRescaleCosine(train.text, train.textDim);
    } else {
      this.cfg.target.rescaleImage = this.cfg.target.rescaleText = this.cfg.rescale === 'on';
    }
    if (this.cfg.imageInput === 'cnnf' && this.cfg.cnnfWeights && this.imageNet.cnnf) {
      loadCnnfWeights(this.imageNet.cnnf, await readWeightsFile(this.info.name, this.cfg.cnnfWeights, this.readFile), this.cfg.cnnfWeights);
    }
    if (this.cfg.normalizeInputs) {
      this.imageNet.inputScale = unitVarianceScale(train.image, train.imageDim);
      this.textNet.inputScale = unitVarianceScale(train.text, train.textDim);
    }
    this.info.config = { ...this.info.config, target: { ...this.cfg.target }, inputScale: this.inputScales() };
  }

  private inputScales(): { image: number; text: number } {
    return { image: this.imageNet.inputScale, text: this.textNet.inputScale };
  }

  /** --lr-schedule: scale both nets' learning rates (the config's lrImage / lrText) by `scale`. */
  setLrScale(scale: number): void {
    if (!(Number.isFinite(scale) && scale >= 0)) throw new CmhashError(`${this.info.name}: learning-rate scale must be a finite number ≥ 0, got ${scale}`);
    this.lrScale = scale;
    this.optim.setScale(scale);
  }

  startEpoch(epoch: number): void {
    this.delta = Math.sqrt(epoch + 1);
    const { imageOnlyEpochs: a, textOnlyEpochs: b } = this.cfg;
    this.stage = epoch < a ? 'image' : epoch < a + b ? 'text' : 'joint';
  }

  /** The batch's similarity target (no gradient). */
  protected target(batch: Batch): Tensor {
    // Raw images: S_I is the cosine of the flattened normalised pixels [ours; DJSRH uses a frozen AlexNet's fc7].
    const img = batch.image.rank === 2 ? batch.image : reshape(batch.image, [batch.image.shape[0]!, batch.image.size / batch.image.shape[0]!]);
    return jointTarget(img, batch.text, this.cfg.target);
  }

  async trainStep(batch: Batch, epoch: number): Promise<StepResult> {
    if (epoch === 0 && this.delta !== 1) this.startEpoch(0);
    this.imageNet.train();
    this.textNet.train();
    const trainImage = this.stage !== 'text', trainText = this.stage !== 'image';
    const scalars = tidy(() => {
      const S = noGrad(() => this.target(batch));
      // Image-only stage (JSGHCA §3.4 "image net alone"): the text net is still untrained, so its codes
      // (and Jo-Attention weights) carry no information; fit only ‖S − cos(B_I,B_I)‖² [ours].
      const imageAlone = this.stage === 'image';
      // Codes straight from the heads (scaled tanh in the GEMM epilogue) unless the outputs are combined.
      const own = imageAlone || !this.combinesOutputs();
      const scale = own ? this.delta : undefined;
      // A frozen net runs without recording (its codes are constants for this step).
      const qI = trainImage ? this.imageNet.forward(batch.image, scale) : noGrad(() => this.imageNet.forward(batch.image, scale));
      const qT = trainText ? this.textNet.forward(batch.text, scale) : noGrad(() => this.textNet.forward(batch.text, scale));
      const { bImage: bI, bText: bT } = own ? { bImage: qI, bText: qT } : this.combinedCodes(qI, qT);
      const l = cosineReconstructionLoss(S, bI, bT, this.cfg.lambda1, this.cfg.lambda2, imageAlone);
      const extra = imageAlone ? {} : this.extraLoss(batch, bI, bT);
      let total = l.total;
      for (const t of Object.values(extra)) total = add(total, t);
      backward(total);
      this.optim.step(...(trainImage ? ['optImage'] : []), ...(trainText ? ['optText'] : []));
      this.optim.zeroGrad();
      return { total, inter: l.inter, intraImage: l.intraImage, intraText: l.intraText, ...extra };
    });
    return stepResult(this.info.name, await readScalars(this.runtime, scalars));
  }

  encode(modality: Modality, features: Tensor): Tensor {
    const net = modality === 'image' ? this.imageNet : this.textNet;
    net.eval();
    return noGrad(() => tidy(() => (this.combinesOutputs() ? this.singleCode(modality, net.forward(features)) : net.forward(features, this.delta))));
  }

  protected allModules(): Module[] {
    return [this.imageNet, this.textNet, ...this.extraModules('image'), ...this.extraModules('text')];
  }

  async getState(): Promise<{ json: Record<string, unknown>; tensors: Map<string, Tensor> }> {
    const { scalars, tensors } = this.optim.getState();
    return {
      json: { delta: this.delta, stage: this.stage, lrScale: this.lrScale, ...scalars, modules: collectModuleState(this.allModules()), target: this.cfg.target, inputScale: this.inputScales() },
      tensors,
    };
  }

  async setState(state: { json: Record<string, unknown>; tensors: Map<string, Tensor> }): Promise<void> {
    const j = state.json as {
      delta: number; stage: Stage; optImage: Record<string, number>; optText: Record<string, number>; modules: unknown;
      target?: TargetConfig; inputScale?: { image: number; text: number }; lrScale?: number;
    };
    this.optim.setState({ optImage: j.optImage, optText: j.optText }, state.tensors);
    this.delta = j.delta;
    this.stage = j.stage;
    this.lrScale = j.lrScale ?? 1;
    if (j.target) this.cfg.target = { ...j.target };
    if (j.inputScale) {
      this.imageNet.inputScale = j.inputScale.image;
      this.textNet.inputScale = j.inputScale.text;
    }
    restoreModuleState(this.allModules(), j.modules);
  }

  dispose(): void {
    this.optim.dispose();
    for (const m of this.allModules()) m.dispose();
  }
}
