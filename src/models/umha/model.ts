/**
 * UMHA (seed 000): unsupervised multi-head-attention hashing [MODELS.md; the seed gives the idea, the rest is ours].
 *  - Shallow branch (feature networks, no parameters): the auxiliary similarity matrix A over the whole
 *    training set from the original image and text features (affinity.ts), built once in prepare().
 *  - Deep branch (hash networks): DJSRH's feature nets with a multi-head self-attention block before the
 *    hash head (hidden vector → `tokens` tokens of hidden/tokens, `heads` heads, residual, mean-pool).
 *  - Hash-code matrix B ∈ {−1,+1}^{n×k} of all training items, learned with the nets. Per batch:
 *      ‖μA_batch − cos(H_I,H_T)‖² + λ1‖μA_batch − cos(H_I,H_I)‖² + λ2‖μA_batch − cos(H_T,H_T)‖²
 *      + γ(‖H_I − B_batch‖² + ‖H_T − B_batch‖²)           (mean squared, H = tanh(δ·h))
 *    per epoch (endEpoch): B = sign(G + ρ·D⁻¹A·G), G = H_I + H_T over the whole training set (inference mode),
 *    D = the row degrees Σ|A_ab| [ours; A·G/n with collaborativeNorm 'n', see affinity.ts].
 *    B starts from the same update with the untrained nets [ours, as DCMH initialises B from its nets].
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { add, fromArray, mul } from '../../ops/elementwise.js';
import { squaredError } from '../../ops/squared-error.js';
import { noGrad } from '../../autograd/tape.js';
import { tidy } from '../../tensor/scope.js';
import { CmhashError } from '../../runtime/errors.js';
import { PairedHashModel, applyBaseLr } from '../common/paired-model.js';
import { mergeConfig } from '../common/config.js';
import type { ModelFactoryOptions } from '../registry.js';
import type { Batch, Modality, StepResult, TrainingSetView } from '../types.js';
import { auxiliaryAffinity, gatherBlock, updateCodes, type SparseRows } from './affinity.js';
import { umhaDefaults, type UmhaConfig } from './config.js';

export class UmhaModel extends PairedHashModel {
  /** The auxiliary matrix (after prepare()). */
  affinity: SparseRows | null = null;
  /** B, [n, k] row-major ±1 (after prepare()). */
  codes: Int8Array | null = null;
  private trainSet: TrainingSetView | null = null;
  private codesTensor: Tensor | null = null;

  constructor(rt: Runtime, opts: ModelFactoryOptions) {
    const cfg = mergeConfig<UmhaConfig>('umha', umhaDefaults(), opts.config);
    applyBaseLr(cfg, opts.lr);
    for (const [k, v] of [['gamma', cfg.gamma], ['rho', cfg.rho]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) throw new CmhashError(`umha: ${k} must be a finite number ≥ 0, got ${v}`);
    }
    if (!(cfg.topKFraction > 0 && cfg.topKFraction <= 1)) throw new CmhashError(`umha: topKFraction must be in (0, 1], got ${cfg.topKFraction}`);
    if (cfg.collaborativeNorm !== 'degree' && cfg.collaborativeNorm !== 'n') throw new CmhashError(`umha: collaborativeNorm must be 'degree' or 'n', got '${String(cfg.collaborativeNorm)}'`);
    if (cfg.fill !== 'zero' && cfg.fill !== 'batch') throw new CmhashError(`umha: fill must be 'zero' or 'batch', got '${String(cfg.fill)}'`);
    if (cfg.target.fusion !== 'beta') throw new CmhashError(`umha: the auxiliary matrix fuses with a β-mix (target.fusion 'beta'), got '${cfg.target.fusion}'`);
    const tokenAttention = { tokens: cfg.tokens, heads: cfg.heads, pool: cfg.pool };
    super(rt, 'umha', opts.bits, cfg, opts.dims, opts.seed, opts.readFile, { overrides: opts.config, netOptions: { image: { tokenAttention }, text: { tokenAttention } } });
  }

  private get ucfg(): UmhaConfig {
    return this.cfg as UmhaConfig;
  }

  /** K = round(topKFraction · n), at least 1. */
  neighbours(n: number): number {
    return Math.max(1, Math.min(n, Math.round(this.ucfg.topKFraction * n)));
  }

  override async prepare(train: TrainingSetView): Promise<void> {
    if (train.imageDim === 0 || train.n === 0) throw new CmhashError(`umha: the auxiliary matrix needs host image rows for all ${train.n} training items (features, or flattened normalised pixels with imageInput 'cnnf'); this training set has imageDim ${train.imageDim}`);
    await super.prepare(train); // rescale flags and input scales
    const t = this.cfg.target;
    this.trainSet = train;
    if (!this.ucfg.neighbourhoods) {
      // Ablation: no A (an empty sparse matrix: every batch pair takes DJSRH's S, B = sign(G)).
      this.affinity = { n: train.n, rowPtr: new Uint32Array(train.n + 1), cols: new Uint32Array(0), vals: new Float32Array(0) };
      this.info.config = { ...this.info.config, neighbours: 0, affinityNonZeros: 0 };
      await this.updateB();
      return;
    }
    this.affinity = await auxiliaryAffinity(this.runtime, train.image, train.imageDim, train.text, train.textDim, {
      beta: t.beta, eta: t.eta, rescaleImage: t.rescaleImage, rescaleText: t.rescaleText, k: this.neighbours(train.n), tileRows: this.ucfg.tileRows,
    });
    this.info.config = { ...this.info.config, neighbours: this.neighbours(train.n), affinityNonZeros: this.affinity.vals.length };
    await this.updateB();
  }

  private requirePrepared(where: string): { a: SparseRows; b: Int8Array; train: TrainingSetView } {
    if (!this.affinity || !this.codes || !this.trainSet) throw new CmhashError(`umha: ${where} before prepare(trainingSet) (the auxiliary matrix and B are built there)`);
    return { a: this.affinity, b: this.codes, train: this.trainSet };
  }

  /**
   * The step's host-built inputs (μ·A_batch, the keep mask, B_batch), uploaded at the start of trainStep:
   * a write flushes the work recorded so far, so uploading them mid-step (when target() and extraLoss()
   * run) split every step into three submits, the host recording the rest while lavapipe's threads ran the
   * first part on the same two cores.
   */
  private stepInputs: { aBlock: Tensor | null; keep: Tensor | null; codes: Tensor } | null = null;

  override async trainStep(batch: Batch, epoch: number): Promise<StepResult> {
    const { a, b } = this.requirePrepared('trainStep');
    const m = batch.indices.length, k = this.info.bits;
    const rows = new Float32Array(m * k);
    for (let i = 0; i < m; i++) {
      const r = batch.indices[i]!;
      if (!(r < a.n)) throw new CmhashError(`umha: batch row ${r} is outside the ${a.n} training items B was built for`);
      for (let j = 0; j < k; j++) rows[i * k + j] = b[r * k + j]!;
    }
    let aBlock: Tensor | null = null, keep: Tensor | null = null;
    if (this.ucfg.neighbourhoods) {
      const keepMask = this.ucfg.fill === 'batch' ? new Float32Array(m * m) : undefined;
      aBlock = fromArray(this.runtime, gatherBlock(a, batch.indices, this.cfg.target.mu, keepMask), [m, m], 'f32');
      if (keepMask) {
        for (let i = 0; i < keepMask.length; i++) keepMask[i] = 1 - keepMask[i]!;
        keep = fromArray(this.runtime, keepMask, [m, m], 'f32');
      }
    }
    const inputs = { aBlock, keep, codes: fromArray(this.runtime, rows, [m, k], 'f32') };
    this.stepInputs = inputs;
    // The step is recorded and submitted before super.trainStep first awaits: the inputs are not needed
    // after that, and the next step (which a training loop may start before this one's loss is read
    // back) sets its own.
    let pending: Promise<StepResult>;
    try {
      pending = super.trainStep(batch, epoch);
    } finally {
      this.stepInputs = null;
    }
    try {
      return await pending;
    } finally {
      for (const t of [inputs.aBlock, inputs.keep, inputs.codes]) t?.dispose();
    }
  }

  private requireStepInputs(where: string): NonNullable<UmhaModel['stepInputs']> {
    this.requirePrepared(where);
    if (!this.stepInputs) throw new CmhashError(`umha: ${where} outside trainStep (its inputs are uploaded there)`);
    return this.stepInputs;
  }

  /** μ·A_batch (fill 'zero'), or with DJSRH's batch S outside the neighbourhoods (fill 'batch'). */
  protected override target(batch: Batch): Tensor {
    if (!this.ucfg.neighbourhoods) return super.target(batch);
    const { aBlock, keep } = this.requireStepInputs('target');
    if (!keep) return aBlock!;
    // 'batch': DJSRH's batch target S (μ included) outside the neighbourhoods, μ·A inside.
    return add(aBlock!, mul(super.target(batch), keep));
  }

  /** γ(‖H_I − B_batch‖² + ‖H_T − B_batch‖²), each a mean over the batch's codes (one fused op per term). */
  protected override extraLoss(_batch: Batch, bI: Tensor, bT: Tensor): Record<string, Tensor> {
    const { codes } = this.requireStepInputs('extraLoss');
    const w = this.ucfg.gamma / codes.size;
    return { quantization: add(squaredError(bI, codes, w), squaredError(bT, codes, w)) };
  }

  /** H = tanh(δ·h) of every training item for one modality, [n, k] on the host. */
  private async encodeAll(modality: Modality, x: Float32Array, dim: number, chunk = 512): Promise<Float32Array> {
    const n = x.length / dim, k = this.info.bits;
    const parts: Tensor[] = [];
    try {
      for (let lo = 0; lo < n; lo += chunk) {
        const hi = Math.min(n, lo + chunk);
        parts.push(noGrad(() => tidy(() => this.encode(modality, fromArray(this.runtime, x.subarray(lo * dim, hi * dim), [hi - lo, dim], 'f32')))));
      }
      const bufs = await this.runtime.readMany(parts.map((t) => ({ buffer: t.buffer, bytes: t.byteLength })));
      const out = new Float32Array(n * k);
      let off = 0;
      for (const buf of bufs) {
        const a = new Float32Array(buf);
        out.set(a, off);
        off += a.length;
      }
      return out;
    } finally {
      for (const t of parts) t.dispose();
    }
  }

  /** The collaborative step over the whole training set. */
  async updateB(): Promise<void> {
    const train = this.trainSet, a = this.affinity;
    if (!train || !a) throw new CmhashError('umha: updateB() before prepare(trainingSet)');
    const hI = await this.encodeAll('image', train.image, train.imageDim);
    const hT = await this.encodeAll('text', train.text, train.textDim);
    this.codes = updateCodes(a, hI, hT, this.info.bits, this.ucfg.rho, this.ucfg.collaborativeNorm);
  }

  async endEpoch(_epoch: number): Promise<void> {
    await this.updateB();
  }

  override async getState(): Promise<{ json: Record<string, unknown>; tensors: Map<string, Tensor> }> {
    const s = await super.getState();
    const { b } = this.requirePrepared('getState');
    // One GPU copy of B owned by the model (the checkpoint code reads state tensors and does not free them).
    const host = Float32Array.from(b);
    if (!this.codesTensor || this.codesTensor.size !== host.length) {
      this.codesTensor?.dispose();
      this.codesTensor = fromArray(this.runtime, host, [b.length / this.info.bits, this.info.bits], 'f32');
    } else {
      this.runtime.write(this.codesTensor.buffer, host);
    }
    s.tensors.set('umha.B', this.codesTensor);
    return s;
  }

  override dispose(): void {
    this.codesTensor?.dispose();
    this.codesTensor = null;
    super.dispose();
  }

  override async setState(state: { json: Record<string, unknown>; tensors: Map<string, Tensor> }): Promise<void> {
    const bt = state.tensors.get('umha.B');
    if (!bt) throw new CmhashError('umha: checkpoint has no code matrix umha.B');
    const rest = new Map([...state.tensors].filter(([k]) => k !== 'umha.B'));
    await super.setState({ json: state.json, tensors: rest });
    const data = await bt.read();
    const { train } = this.requirePrepared('setState');
    if (data.length !== train.n * this.info.bits) throw new CmhashError(`umha: checkpoint B has ${data.length} values, the training set needs ${train.n}×${this.info.bits}`);
    this.codes = Int8Array.from(data, (v) => (v >= 0 ? 1 : -1));
  }
}
