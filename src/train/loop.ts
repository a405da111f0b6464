/**
 * The training loop shared by every model (browser-safe). It drives the HashModel contract:
 * prepare(train set) → per epoch: startEpoch, trainStep per mini-batch, endEpoch → validation mAP every
 * N epochs → early stop → checkpoints through hooks. Progress, logs and files are the caller's (the
 * Node CLI plugs in a progress bar, a JSON-lines log and checkpoint folders).
 *
 * Exact resume: the batch order comes from a BatchSampler seeded from `seed`; its state, the loop
 * state and the model's getState() go into every checkpoint, so continuing from a checkpoint
 * reproduces an uninterrupted run bit for bit.
 */
import { CmhashError, DataError } from '../runtime/errors.js';
import type { HashModel, TrainingSetView } from '../models/types.js';
import { BatchSampler, disposeBatch, makeBatch, type ImageInput } from '../data/batcher.js';
import { describeDataset, gatherRows, type Dataset } from '../data/dataset.js';
import type { Batch } from '../data/batch.js';
import { captureCheckpoint, newRunId, restoreCheckpoint, type Checkpoint, type EpochRecord, type LoopState } from './checkpoint.js';
import { evaluateCrossModal, type CrossModalMetrics } from './evaluate.js';
import { lrScale, type LrSchedule } from './schedule.js';
import { runOverlappedSteps, STEPS_IN_FLIGHT } from './overlap.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  seed: number;
  /** Evaluate on the validation split every N epochs (0: never; the last epoch is always evaluated when N > 0). */
  evalEvery: number;
  /** Stop after this many evaluations without a better validation mAP (0: never stop early). */
  patience: number;
  /**
   * Early stopping cannot end a run before this epoch (default 0: no floor). Guards the warm-up, where validation
   * mAP sits near chance and one transient peak can use up the patience before the model learns (issue 12: UDSPH
   * seed 3 peaked at epoch 3, stopped at 13, and first beat that peak at epoch 14).
   */
  minEpochs?: number;
  /** Learning-rate schedule (applied through `setLrScale` when the model has it). */
  lrSchedule?: LrSchedule;
  /** Save a checkpoint every N epochs (0: only at the end). */
  checkpointEvery?: number;
  /** K for mAP@K in evaluations (default 50). */
  mapK?: number;
}

/** Optional model extension: models that own optimizers scale their learning rates by the schedule's factor. */
export interface LrScalable {
  setLrScale(scale: number): void;
}

export interface StepInfo {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  terms?: Record<string, number>;
  itemsPerSec: number;
}

export interface TrainHooks {
  onStart?(info: { model: HashModel; dataset: Dataset; config: TrainConfig; startEpoch: number; stepsPerEpoch: number }): void;
  onStep?(info: StepInfo): void;
  onEpoch?(record: EpochRecord): void;
  onEval?(info: { epoch: number; metrics: CrossModalMetrics; improved: boolean }): void;
  /** Persist a checkpoint ('last' every checkpointEvery epochs and at the end, 'best' on a new best validation score). */
  saveCheckpoint?(ckpt: Checkpoint, tag: 'last' | 'best'): Promise<void>;
  /** Extra JSON to store in checkpoint configs (data spec, backend …). */
  checkpointConfig?: Record<string, unknown>;
  /** Image inputs from raw images (decode, augment, normalise) instead of the dataset's feature vectors. */
  imageInput?: ImageInput;
  /** Stop request (e.g. SIGINT): checked between steps; the loop saves 'last' and returns. */
  shouldStop?(): boolean;
  /** Identity of a new run (default: newRunId()); a resumed run keeps its checkpoint's. */
  runId?: string;
}

export interface ResumeOptions {
  /** Names the checkpoint in errors (e.g. its folder). */
  where?: string;
  /** Resume without the checkpoint's optimiser/state tensors (explicit opt-in: no longer an exact continuation). */
  resetState?: boolean;
}

export interface TrainResult {
  state: LoopState;
  /** True when the loop ended early (patience exhausted or a stop request). */
  stoppedEarly: boolean;
  /** Best validation score, if evaluated. */
  best: { score: number; epoch: number } | null;
  /** Host copy of the best parameters (restore with restoreCheckpoint). */
  bestCheckpoint: Checkpoint | null;
}

export function validateTrainConfig(c: TrainConfig): void {
  const int = (k: keyof TrainConfig, lo: number) => {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < lo) throw new CmhashError(`train: ${k} must be an integer ≥ ${lo}, got ${v}`);
  };
  int('epochs', 1);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 2) {
    throw new CmhashError(`train: batchSize must be an integer ≥ 2, got ${c.batchSize} (the models learn from similarities between the items of a mini-batch; with one item every code collapses to the same value)`);
  }
  int('evalEvery', 0);
  int('patience', 0);
  if (c.minEpochs !== undefined) int('minEpochs', 0);
  if (!Number.isInteger(c.seed)) throw new CmhashError(`train: seed must be an integer, got ${c.seed}`);
}

/** The training set as host arrays for HashModel.prepare(). */
export function trainingSetView(ds: Dataset): TrainingSetView {
  const rows = ds.splits.train;
  return {
    n: rows.length,
    imageDim: ds.imageDim,
    textDim: ds.textDim,
    labelDim: ds.numLabels,
    image: gatherRows(ds.image, ds.imageDim, rows),
    text: gatherRows(ds.text, ds.textDim, rows),
    labels: gatherRows(ds.labels, ds.numLabels, rows),
  };
}

/** Seed of the batch sampler, derived from the run seed (kept apart from model-init streams). */
export const samplerSeed = (seed: number): number => (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ 0x165667b1) >>> 0;

/**
 * Train `model` on `ds.splits.train`. With `resume`, the model's weights and state and the loop state
 * are restored from the checkpoint first and training continues after its last completed epoch.
 * Batch indices handed to the model are positions in the training split (0..n_train-1), matching the
 * rows of the TrainingSetView given to prepare().
 */
export async function train(model: HashModel, ds: Dataset, config: TrainConfig, hooks: TrainHooks = {}, resume?: Checkpoint, resumeOpts: ResumeOptions = {}): Promise<TrainResult> {
  validateTrainConfig(config);
  const rt = model.runtime;
  const trainRows = ds.splits.train;
  // The sampler draws positions in the training split; the dataset rows are trainRows[position].
  const positions = Uint32Array.from({ length: trainRows.length }, (_, i) => i);
  const sampler = new BatchSampler(positions, { batchSize: config.batchSize, seed: samplerSeed(config.seed) });
  let state: LoopState = { runId: hooks.runId ?? newRunId(), epoch: 0, sampler: sampler.getState(), best: null, badEvals: 0, stopped: false, history: [] };
  if (resume) {
    const where = resumeOpts.where ?? 'checkpoint';
    const d = resume.meta.dims;
    for (const [k, have] of [['imageDim', ds.imageDim], ['textDim', ds.textDim], ['numLabels', ds.numLabels]] as const) {
      if (d[k] !== have) throw new DataError(`${where}: the checkpoint was trained with ${k} ${d[k]}, dataset ${ds.name} has ${have} (resume with the dataset it was trained on)`);
    }
  }
  const view = trainingSetView(ds);
  if (model.prepare) await model.prepare(view);
  if (resume) {
    await restoreCheckpoint(model, resume, resumeOpts.where, { resetState: resumeOpts.resetState });
    state = structuredClone(resume.meta.loop);
    // Checkpoints from before run identities: the resumed run gets one from here on.
    state.runId ??= hooks.runId ?? newRunId();
    sampler.setState(state.sampler);
    if (state.imageInput !== undefined) {
      if (!hooks.imageInput?.setState) throw new CmhashError('train: the checkpoint holds raw-image augmentation state; resume it with the same image input');
      hooks.imageInput.setState(state.imageInput);
    }
  }
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels, ...(hooks.imageInput ? { imageShape: [...hooks.imageInput.shape] } : {}) };
  const snapshot = async (): Promise<Checkpoint> => {
    state.sampler = sampler.getState();
    if (hooks.imageInput?.getState) state.imageInput = hooks.imageInput.getState();
    return captureCheckpoint(model, { config: { ...hooks.checkpointConfig, train: config }, dims, dataset: describeDataset(ds), loop: structuredClone(state) });
  };
  let bestCheckpoint: Checkpoint | null = null;
  hooks.onStart?.({ model, dataset: ds, config, startEpoch: state.epoch, stepsPerEpoch: sampler.batchesPerEpoch });
  const steps = sampler.batchesPerEpoch;
  let stopRequested = false;
  // Closed-form models (the shallow baselines) are done after model.info.maxEpochs epochs.
  const epochs = Math.min(config.epochs, model.info.maxEpochs ?? Infinity);

  while (state.epoch < epochs && !state.stopped) {
    const epoch = state.epoch; // 0-based index of the epoch being run
    const scale = config.lrSchedule ? lrScale(config.lrSchedule, epoch, config.epochs) : 1;
    if (config.lrSchedule) {
      const m = model as Partial<LrScalable>;
      if (typeof m.setLrScale !== 'function') throw new CmhashError(`train: model ${model.info.name} does not implement setLrScale(), so --lr-schedule cannot be applied`);
      m.setLrScale(scale);
    }
    model.startEpoch?.(epoch);
    sampler.startEpoch();
    const t0 = performance.now();
    let lossSum = 0, items = 0, step = 0;
    const termSums: Record<string, number> = {};
    // The next step is recorded while the GPU runs this one (overlap.ts); losses arrive in step order.
    stopRequested = await runOverlappedSteps<Batch>({
      next: () => {
        const pos = sampler.next();
        if (!pos) return null;
        const rows = new Uint32Array(pos.length);
        for (let i = 0; i < pos.length; i++) rows[i] = trainRows[pos[i]!]!;
        const batch = makeBatch(rt, ds, rows, { labels: true, imageInput: hooks.imageInput });
        batch.indices = pos;
        return batch;
      },
      start: (batch) => model.trainStep(batch, epoch),
      depth: model.overlapsSteps === true ? STEPS_IN_FLIGHT : 1,
      cleanup: (batch) => {
        disposeBatch(batch);
      },
      done: (r, batch) => {
        const m = batch.indices.length;
        if (!Number.isFinite(r.loss)) throw new CmhashError(`train: ${model.info.name} loss is ${r.loss} at epoch ${epoch + 1}, step ${step + 1} (diverged; lower the learning rate)`);
        lossSum += r.loss * m;
        for (const [k, v] of Object.entries(r.terms ?? {})) termSums[k] = (termSums[k] ?? 0) + v * m;
        items += m;
        step++;
        hooks.onStep?.({ epoch, step, steps, loss: r.loss, terms: r.terms, itemsPerSec: items / ((performance.now() - t0) / 1000) });
        return hooks.shouldStop?.() === true;
      },
    });
    if (stopRequested) break; // the interrupted epoch is not recorded; resume redoes it from the last checkpoint
    await model.endEpoch?.(epoch);
    await rt.sync();
    const seconds = (performance.now() - t0) / 1000;
    const rec: EpochRecord = { epoch: epoch + 1, loss: lossSum / items, seconds, itemsPerSec: items / seconds };
    if (Object.keys(termSums).length) rec.terms = Object.fromEntries(Object.entries(termSums).map(([k, v]) => [k, v / items]));
    if (config.lrSchedule) rec.lrScale = scale;
    state.epoch = epoch + 1;

    const last = state.epoch === epochs;
    let improved = false;
    if (config.evalEvery > 0 && ds.splits.val.length > 0 && (state.epoch % config.evalEvery === 0 || last)) {
      const metrics = await evaluateCrossModal(model, ds, ds.splits.val, ds.splits.train, { mapK: config.mapK, imageInput: hooks.imageInput });
      rec.val = { i2t: metrics.i2t.mapAll, t2i: metrics.t2i.mapAll, mean: metrics.meanMap };
      improved = !state.best || metrics.meanMap > state.best.score;
      if (improved) {
        state.best = { score: metrics.meanMap, epoch: state.epoch };
        state.badEvals = 0;
      } else if (++state.badEvals >= config.patience && config.patience > 0 && !last && state.epoch >= (config.minEpochs ?? 0)) {
        state.stopped = true; // (at the last epoch there is nothing left to stop; a resume may extend the run)
      }
      hooks.onEval?.({ epoch: state.epoch, metrics, improved });
    }
    state.history.push(rec);
    hooks.onEpoch?.(rec);
    if (improved) {
      bestCheckpoint = await snapshot();
      await hooks.saveCheckpoint?.(bestCheckpoint, 'best');
    }
    const every = config.checkpointEvery ?? 0;
    if (hooks.saveCheckpoint && (state.stopped || last || (every > 0 && state.epoch % every === 0))) {
      await hooks.saveCheckpoint(await snapshot(), 'last');
    }
  }
  // On a stop request the live weights are mid-epoch: no checkpoint is written for them (it would not
  // resume exactly); the last epoch-boundary checkpoint stays the resume point.
  return { state, stoppedEarly: state.stopped || stopRequested, best: state.best, bestCheckpoint };
}
