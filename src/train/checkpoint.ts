/**
 * Checkpoints (browser-safe part): capture a model's weights and state to host memory, restore them,
 * and (de)serialise to bytes: `model.safetensors` (named parameters), `state.safetensors` (optimizer
 * and other state tensors) and a JSON side file (config, epoch, optimizer scalars, sampler/RNG state).
 */
import { CmhashError, DataError, ShapeError, fmtShape } from '../runtime/errors.js';
import { fromArray } from '../ops/elementwise.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { HashModel, ModelInfo } from '../models/types.js';
import type { SamplerState } from '../data/batcher.js';
import { assertFinite } from '../io/finite.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../io/safetensors.js';

export const CHECKPOINT_FORMAT = 'cmhash-checkpoint/1';

export interface EpochRecord {
  epoch: number;
  loss: number;
  terms?: Record<string, number>;
  seconds: number;
  itemsPerSec: number;
  lrScale?: number;
  val?: { i2t: number; t2i: number; mean: number };
}

/** A new random run identity (written at run start, kept by every checkpoint and result of the run). */
export function newRunId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('-');
}

/** Loop state needed to continue a run exactly. */
export interface LoopState {
  /**
   * Identity of the run (newRunId() at its start; a resume keeps it). Best/last checkpoints and
   * results of different runs are told apart by it. Absent in checkpoints written before it existed.
   */
  runId?: string;
  /** Epochs completed. */
  epoch: number;
  sampler: SamplerState;
  best: { score: number; epoch: number } | null;
  /** Evaluations since the best one (early stopping). */
  badEvals: number;
  stopped: boolean;
  history: EpochRecord[];
  /** Augmentation state of the raw-image input, when training on raw images. */
  imageInput?: unknown;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  model: ModelInfo;
  /** The run's configuration (TrainConfig plus what the CLI adds: data spec, backend …). */
  config: Record<string, unknown>;
  dims: { imageDim: number; textDim: number; numLabels: number; imageShape?: number[] };
  dataset?: Record<string, unknown>;
  loop: LoopState;
  /** HashModel.getState().json (optimizer scalars, model RNG state, stage …). */
  modelState?: Record<string, unknown>;
  savedAt: string;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  weights: Map<string, SafeTensor>;
  stateTensors: Map<string, SafeTensor>;
}

async function readTensors(model: HashModel, tensors: Map<string, Tensor>): Promise<Map<string, SafeTensor>> {
  const names = [...tensors.keys()];
  const list = names.map((n) => tensors.get(n)!);
  for (const [i, t] of list.entries()) t.assertLive(`checkpoint(${names[i]})`);
  const bufs = list.length ? await model.runtime.readMany(list.map((t) => ({ buffer: t.buffer, bytes: t.byteLength }))) : [];
  const out = new Map<string, SafeTensor>();
  names.forEach((n, i) => {
    const t = list[i]!;
    const b = bufs[i]!;
    const data = t.dtype === 'f32' ? new Float32Array(b) : t.dtype === 'u32' ? new Uint32Array(b) : new Int32Array(b);
    out.set(n, { dtype: t.dtype === 'f32' ? 'F32' : t.dtype === 'u32' ? 'U32' : 'I32', shape: [...t.shape], data });
  });
  return out;
}

/** Copy the model's parameters and state to the host. */
export async function captureCheckpoint(model: HashModel, meta: Omit<CheckpointMeta, 'format' | 'model' | 'modelState' | 'savedAt'>): Promise<Checkpoint> {
  const weights = await readTensors(model, model.namedParameters());
  let modelState: Record<string, unknown> | undefined;
  let stateTensors = new Map<string, SafeTensor>();
  if (model.getState) {
    const s = await model.getState();
    modelState = s.json;
    stateTensors = await readTensors(model, s.tensors);
  }
  return {
    meta: { format: CHECKPOINT_FORMAT, model: model.info, ...meta, modelState, savedAt: new Date().toISOString() },
    weights,
    stateTensors,
  };
}

/** Write host weights and state back into a model created with the same configuration. */
export async function restoreCheckpoint(model: HashModel, ckpt: Checkpoint, where = 'checkpoint', opts: { resetState?: boolean } = {}): Promise<void> {
  const { meta } = ckpt;
  checkCheckpointFinite(ckpt, where);
  if (meta.model.name !== model.info.name || meta.model.bits !== model.info.bits) {
    throw new CmhashError(`${where}: checkpoint is for ${meta.model.name} ${meta.model.bits} bits, the model is ${model.info.name} ${model.info.bits} bits`);
  }
  const params = model.namedParameters();
  for (const name of params.keys()) if (!ckpt.weights.has(name)) throw new DataError(`${where}: weights have no tensor '${name}' (the model has ${params.size} parameters)`);
  for (const name of ckpt.weights.keys()) if (!params.has(name)) throw new DataError(`${where}: weights tensor '${name}' is not a parameter of ${model.info.name}`);
  for (const [name, p] of params) {
    const w = ckpt.weights.get(name)!;
    if (!shapesEqual(w.shape, p.shape)) throw new ShapeError(`${where}: tensor '${name}' has shape ${fmtShape(w.shape)}, the model's parameter has ${fmtShape(p.shape)}`);
    if (w.dtype !== 'F32' || p.dtype !== 'f32') throw new DataError(`${where}: tensor '${name}' has dtype ${w.dtype}, expected F32`);
    if (p.size > 0) model.runtime.write(p.buffer, w.data);
  }
  if (model.setState && (meta.modelState || ckpt.stateTensors.size > 0)) {
    const uploaded = new Map<string, Tensor>();
    try {
      // resetState: keep the JSON state (epoch counters, RNG) but start optimiser moments afresh.
      for (const [name, t] of opts.resetState ? [] : ckpt.stateTensors) {
        uploaded.set(name, fromArray(model.runtime, t.data, t.shape, t.dtype === 'F32' ? 'f32' : t.dtype === 'U32' ? 'u32' : 'i32'));
      }
      await model.setState({ json: meta.modelState ?? {}, tensors: uploaded });
      await model.runtime.sync();
    } finally {
      for (const t of uploaded.values()) t.dispose();
    }
  }
}

const DIVERGED_HINT = '; the checkpoint is corrupt or its run diverged: resume or evaluate an earlier checkpoint';

/** Every float tensor of a checkpoint (weights and state) must be finite; the error names the file and tensor. */
export function checkCheckpointFinite(ckpt: Checkpoint, where: string): void {
  for (const [file, tensors] of [['model.safetensors', ckpt.weights], ['state.safetensors', ckpt.stateTensors]] as const) {
    for (const [name, t] of tensors) if (t.dtype === 'F32') assertFinite(t.data, t.shape, `${where}/${file}: tensor '${name}'`, DIVERGED_HINT);
  }
}

/** The three files of a checkpoint as bytes. */
export function serializeCheckpoint(ckpt: Checkpoint): { 'model.safetensors': Uint8Array; 'state.safetensors': Uint8Array; 'checkpoint.json': string } {
  const meta = { format: CHECKPOINT_FORMAT, model: ckpt.meta.model.name, bits: String(ckpt.meta.model.bits), epoch: String(ckpt.meta.loop.epoch) };
  return {
    'model.safetensors': encodeSafetensors(ckpt.weights, meta),
    'state.safetensors': encodeSafetensors(ckpt.stateTensors, { ...meta, kind: 'state' }),
    'checkpoint.json': JSON.stringify(ckpt.meta, null, 2) + '\n',
  };
}

/** Parse the three files of a checkpoint (`where` names the folder in errors). */
export function deserializeCheckpoint(files: { model: Uint8Array; state: Uint8Array | null; json: string }, where: string): Checkpoint {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(files.json) as CheckpointMeta;
  } catch (e) {
    throw new DataError(`${where}/checkpoint.json: not valid JSON (${(e as Error).message})`);
  }
  if (!meta || meta.format !== CHECKPOINT_FORMAT) throw new DataError(`${where}/checkpoint.json: field 'format' is ${JSON.stringify(meta?.format)}, expected "${CHECKPOINT_FORMAT}"`);
  for (const f of ['model', 'config', 'dims', 'loop'] as const) if (!meta[f] || typeof meta[f] !== 'object') throw new DataError(`${where}/checkpoint.json: field '${f}' is missing`);
  if (typeof meta.model.name !== 'string' || !Number.isInteger(meta.model.bits)) throw new DataError(`${where}/checkpoint.json: field 'model' must have a name and integer bits`);
  if (!Number.isInteger(meta.loop.epoch) || !meta.loop.sampler) throw new DataError(`${where}/checkpoint.json: field 'loop' must have an integer epoch and the sampler state`);
  const weights = decodeSafetensors(files.model, `${where}/model.safetensors`).tensors;
  const stateTensors = files.state ? decodeSafetensors(files.state, `${where}/state.safetensors`).tensors : new Map<string, SafeTensor>();
  return { meta, weights, stateTensors };
}
