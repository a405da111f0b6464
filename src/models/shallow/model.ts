/**
 * A shallow (linear, closed-form) cross-modal hashing baseline as a HashModel, so that it is trained,
 * checkpointed, evaluated and encoded by the same loop, CLI and evaluation code as the deep models.
 *
 * Each modality's hash function is h(x) = sign((x − mean)·P) = sign(x·W + b) with W = P (d×k) and
 * b = −meanᵀ·P: one Linear layer per modality, whose weights are the model's parameters
 * (`image.weight`, `image.bias`, `text.weight`, `text.bias` in model.safetensors). Encoding is one GEMM on
 * the GPU, exactly the deep models' path.
 *
 * Training: the whole fit runs on the host in float64 on the first training step, over the whole training
 * set handed to prepare() (the mini-batches themselves are not needed); the model reports
 * `maxEpochs: 1`, so the loop runs that one epoch, evaluates, checkpoints and stops. Before the fit the
 * weights are random Gaussian projections (random-hyperplane codes).
 */
import type { Runtime } from '../../runtime/runtime.js';
import { CmhashError } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fromArray } from '../../ops/elementwise.js';
import { linear } from '../../ops/matmul.js';
import { Rng } from '../../util/rng.js';
import type { ModelFactoryOptions } from '../registry.js';
import type { Batch, HashModel, Modality, ModelInfo, StepResult, TrainingSetView } from '../types.js';
import { mergeConfig } from '../common/config.js';
import { centredData, type CentredData } from './data.js';
import type { Mat } from './linalg.js';

export interface LinearFit {
  /** dImage×k projection of centred image features. */
  image: Mat;
  /** dText×k projection of centred text features. */
  text: Mat;
  /** The fit's final objective (reported as the epoch's loss). */
  loss: number;
  terms?: Record<string, number>;
  /** Diagnostics kept in the checkpoint JSON (canonical correlations, iterations, …). */
  info?: Record<string, unknown>;
}

export interface ShallowSpec<C extends object> {
  name: string;
  supervised: boolean;
  defaults: C;
  fit(data: CentredData, bits: number, rng: Rng, config: C): LinearFit;
}

/** Seed stream of a baseline's fit (random initial rotation / factors), kept apart from the init stream. */
const fitSeed = (seed: number): number => (Math.imul(seed ^ 0x3c6ef372, 0x9e3779b1) ^ 0x7f4a7c15) >>> 0;

export class ShallowModel<C extends object> implements HashModel {
  /** trainStep submits all of its work before its first await (HashModel.overlapsSteps). */
  readonly overlapsSteps = true;
  readonly info: ModelInfo;
  private readonly params = new Map<string, Tensor>();
  private view: TrainingSetView | null = null;
  private fitted: { loss: number; terms?: Record<string, number>; info?: Record<string, unknown> } | null = null;
  private readonly config: C;

  constructor(readonly runtime: Runtime, private readonly opts: ModelFactoryOptions, private readonly spec: ShallowSpec<C>) {
    const { bits, dims } = opts;
    if (!Number.isInteger(bits) || bits < 1 || bits > 128) throw new CmhashError(`${spec.name}: bits must be an integer in 1..128, got ${bits}`);
    if (dims.imageShape) throw new CmhashError(`${spec.name}: shallow baselines take image feature vectors, not raw images (drop --raw-images)`);
    if (!(dims.imageDim > 0) || !(dims.textDim > 0)) throw new CmhashError(`${spec.name}: needs image and text feature vectors (imageDim ${dims.imageDim}, textDim ${dims.textDim})`);
    if (spec.supervised && !(dims.numLabels > 0)) throw new CmhashError(`${spec.name} is supervised: the dataset has no labels`);
    this.config = mergeConfig(spec.name, spec.defaults, opts.config);
    this.info = { name: spec.name, bits, supervised: spec.supervised, config: { ...this.config } as Record<string, unknown>, maxEpochs: 1 };
    const rng = new Rng(opts.seed);
    for (const [m, d] of [['image', dims.imageDim], ['text', dims.textDim]] as const) {
      const w = Float32Array.from({ length: d * bits }, () => rng.normal() / Math.sqrt(d));
      this.params.set(`${m}.weight`, fromArray(runtime, w, [d, bits], 'f32'));
      this.params.set(`${m}.bias`, fromArray(runtime, new Float32Array(bits), [bits], 'f32'));
    }
  }

  namedParameters(): Map<string, Tensor> {
    return this.params;
  }

  async prepare(view: TrainingSetView): Promise<void> {
    const { dims } = this.opts;
    if (view.imageDim !== dims.imageDim || view.textDim !== dims.textDim) {
      throw new CmhashError(`${this.spec.name}: training set has ${view.imageDim}-d images and ${view.textDim}-d text, the model was built for ${dims.imageDim} and ${dims.textDim}`);
    }
    this.view = view;
  }

  async trainStep(_batch: Batch, _epoch: number): Promise<StepResult> {
    if (!this.fitted) {
      if (!this.view) throw new CmhashError(`${this.spec.name}: prepare(trainingSet) must be called before training (the fit uses the whole training set)`);
      const data = centredData(this.view, this.spec.name, this.spec.supervised);
      const fit = this.spec.fit(data, this.info.bits, new Rng(fitSeed(this.opts.seed)), this.config);
      this.upload('image', fit.image, data.imageMean);
      this.upload('text', fit.text, data.textMean);
      this.fitted = { loss: fit.loss, terms: fit.terms, info: fit.info };
    }
    return { loss: this.fitted.loss, terms: this.fitted.terms };
  }

  /** W = P and b = −meanᵀ·P into the modality's parameters. */
  private upload(m: Modality, p: Mat, mean: Float64Array): void {
    const k = this.info.bits;
    if (p.rows !== mean.length || p.cols !== k) throw new CmhashError(`${this.spec.name}: ${m} projection is ${p.rows}×${p.cols}, expected ${mean.length}×${k}`);
    const w = new Float32Array(p.rows * k), b = new Float32Array(k);
    for (let i = 0; i < p.data.length; i++) {
      const v = p.data[i]!;
      if (!Number.isFinite(v)) throw new CmhashError(`${this.spec.name}: the ${m} projection has a non-finite entry (${v}); increase the regularisation`);
      w[i] = v;
    }
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < p.rows; i++) s -= mean[i]! * p.data[i * k + j]!;
      b[j] = s;
    }
    this.runtime.write(this.params.get(`${m}.weight`)!.buffer, w);
    this.runtime.write(this.params.get(`${m}.bias`)!.buffer, b);
  }

  encode(modality: Modality, features: Tensor): Tensor {
    const w = this.params.get(`${modality}.weight`);
    if (!w) throw new CmhashError(`${this.spec.name}: unknown modality '${String(modality)}'`);
    return linear(features, w, this.params.get(`${modality}.bias`)!);
  }

  async getState(): Promise<{ json: Record<string, unknown>; tensors: Map<string, Tensor> }> {
    return { json: { fitted: this.fitted }, tensors: new Map() };
  }

  async setState(state: { json: Record<string, unknown>; tensors: Map<string, Tensor> }): Promise<void> {
    const f = state.json.fitted as ShallowModel<C>['fitted'] | undefined;
    this.fitted = f ?? null;
  }

  /** Diagnostics of the fit (null before training). */
  get fitInfo(): Record<string, unknown> | null {
    return this.fitted?.info ?? null;
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}
