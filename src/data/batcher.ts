/**
 * Mini-batching with seeded shuffling and exact resume (browser-safe).
 *
 * Each epoch's order is a Fisher–Yates permutation drawn from the sampler's Rng at the start of the
 * epoch. The saved state is the Rng state *before* that draw plus the position inside the epoch, so a
 * restored sampler redraws the same permutation and continues at the same batch — bit for bit.
 */
import { DataError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { fromArray } from '../ops/elementwise.js';
import type { Batch } from './batch.js';
import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { gatherRows, type Dataset } from './dataset.js';

export interface SamplerState {
  /** Rng state at the start of the current epoch (before its permutation was drawn). */
  rng: { state: number; spare: number | null };
  /** Epochs started so far. */
  epoch: number;
  /** Batches already handed out in the current epoch. */
  batch: number;
}

export interface SamplerOptions {
  batchSize: number;
  seed: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default true: batch-statistics losses need full batches, unless the set is smaller than one batch). */
  dropLast?: boolean;
}

export class BatchSampler {
  readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private rng: Rng;
  private epochStart: { state: number; spare: number | null };
  private order: Uint32Array;
  private epoch = 0;
  private batch = 0;

  constructor(readonly rows: Uint32Array, opts: SamplerOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new DataError(`BatchSampler: batch size ${opts.batchSize} must be a positive integer`);
    if (rows.length === 0) throw new DataError('BatchSampler: no rows to sample');
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.dropLast = (opts.dropLast ?? true) && rows.length >= opts.batchSize;
    this.rng = new Rng(opts.seed);
    this.epochStart = this.rng.getState();
    this.order = rows.slice();
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.rows.length / this.batchSize) : Math.ceil(this.rows.length / this.batchSize);
  }

  /** Items per epoch. */
  get itemsPerEpoch(): number {
    return this.dropLast ? this.batchesPerEpoch * this.batchSize : this.rows.length;
  }

  /** Start the next epoch: draws its permutation. */
  startEpoch(): void {
    this.epochStart = this.rng.getState();
    this.drawOrder();
    this.epoch++;
    this.batch = 0;
  }

  private drawOrder(): void {
    this.order = this.rows.slice();
    if (this.shuffle) this.rng.shuffle(this.order);
  }

  /** Row indices of the next batch in this epoch, or null at the end of the epoch. */
  next(): Uint32Array | null {
    if (this.epoch === 0) throw new DataError('BatchSampler: call startEpoch() before next()');
    if (this.batch >= this.batchesPerEpoch) return null;
    const lo = this.batch * this.batchSize;
    const hi = Math.min(lo + this.batchSize, this.rows.length);
    this.batch++;
    return this.order.slice(lo, hi);
  }

  getState(): SamplerState {
    return { rng: { ...this.epochStart }, epoch: this.epoch, batch: this.batch };
  }

  /** Restore a state from getState(): the current epoch's order is redrawn and the cursor restored. */
  setState(s: SamplerState): void {
    if (!s || typeof s.epoch !== 'number' || typeof s.batch !== 'number' || !s.rng) throw new DataError('BatchSampler.setState: malformed sampler state');
    this.rng.setState(s.rng);
    this.epochStart = { ...s.rng };
    this.epoch = s.epoch;
    this.batch = s.batch;
    if (s.epoch > 0) this.drawOrder();
    else this.order = this.rows.slice();
  }
}

/**
 * Where image inputs come from when they are not the dataset's feature vectors: the raw-image path
 * (decode → augment → normalise on the GPU, see `rawImageInput` in src/data/node/images.ts).
 */
export interface ImageInput {
  /** Shape of one image input, e.g. [3, 224, 224]. */
  readonly shape: readonly number[];
  /** The GPU input for some dataset rows: [rows.length, ...shape]. 'train' may augment; 'eval' is deterministic. */
  batch(rows: Uint32Array, mode: 'train' | 'eval'): Tensor;
  /** Augmentation RNG state, for exact resume. */
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Upload the rows of one batch to the GPU (image, text, labels). The caller disposes (or tidies) them. */
/** Free a batch's tensors (made by makeBatch). */
export function disposeBatch(batch: Batch): void {
  batch.image.dispose();
  batch.text.dispose();
  batch.labels?.dispose();
}

export function makeBatch(rt: Runtime, ds: Dataset, indices: Uint32Array, opts: { labels?: boolean; imageInput?: ImageInput } = {}): Batch {
  if (ds.imageDim === 0 && !opts.imageInput) throw new DataError(`${ds.name}: the dataset has no image features (imageDim 0); use the raw-image path or a dataset with features`);
  const m = indices.length;
  const image = opts.imageInput ? opts.imageInput.batch(indices, 'train') : fromArray(rt, gatherRows(ds.image, ds.imageDim, indices), [m, ds.imageDim], 'f32');
  const text = fromArray(rt, gatherRows(ds.text, ds.textDim, indices), [m, ds.textDim], 'f32');
  const batch: Batch = { indices, image, text };
  if (opts.labels ?? true) batch.labels = fromArray(rt, gatherRows(ds.labels, ds.numLabels, indices), [m, ds.numLabels], 'f32');
  return batch;
}
