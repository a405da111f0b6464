/**
 * The contract between models and the shared training loop, CLI, evaluation and demo.
 * Every model (djsrh, jsghca, umha, dcmh, ssah, hfah, udsph) implements HashModel.
 */
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from '../data/batch.js';

export type Modality = 'image' | 'text';

// The batch type lives with the sampler that makes it (data sits below models); re-exported for models.
export type { Batch };

/** Scalars reported by one training step (already read back: one readback per step). */
export interface StepResult {
  loss: number;
  /** Individual loss terms for logging. */
  terms?: Record<string, number>;
}

export interface ModelInfo {
  /** 'djsrh' | 'jsghca' | 'umha' | 'dcmh' | 'ssah' | 'hfah' | 'udsph' */
  name: string;
  bits: number;
  supervised: boolean;
  /** Full hyper-parameter set, JSON-serialisable (saved in checkpoints). */
  config: Record<string, unknown>;
  /** Epochs after which more training cannot change the model (closed-form baselines: 1); the loop stops there. */
  maxEpochs?: number;
}

/** Whole-training-set access for models that need it (UMHA's auxiliary matrix, DCMH/SSAH/HFAH code matrix B). */
export interface TrainingSetView {
  n: number;
  imageDim: number;
  textDim: number;
  labelDim: number;
  /** Host copies, row-major. */
  image: Float32Array;
  text: Float32Array;
  labels?: Float32Array;
}

export interface HashModel {
  readonly info: ModelInfo;
  readonly runtime: Runtime;
  /** Named trainable parameters (for checkpoints: names are stable). */
  namedParameters(): Map<string, Tensor>;
  /** Called once before training with the training set (models with global state build it here). */
  prepare?(train: TrainingSetView): Promise<void>;
  /** Called at the start of every epoch (schedules, scaled-tanh δ, stage switches). */
  startEpoch?(epoch: number): void;
  /** One optimisation step on a batch. Must read back at most once. */
  trainStep(batch: Batch, epoch: number): Promise<StepResult>;
  /**
   * True when trainStep records and submits all of its GPU work before its first await (the readback):
   * the training loop may then start the next step before this one's loss is back, recording it while
   * the GPU runs this one (src/train/overlap.ts). Absent or false (e.g. a plugin whose step reads back
   * mid-step): one step at a time. The built-in models set it; test/overlap.test.ts checks each gives
   * the same weights either way.
   */
  readonly overlapsSteps?: boolean;
  /** Called at the end of every epoch (e.g. B = sign(...) updates). */
  endEpoch?(epoch: number): Promise<void>;
  /** Real-valued codes [m, bits] for a batch of one modality, in inference mode (no dropout, no grad). */
  encode(modality: Modality, features: Tensor): Tensor;
  /** Optimiser and other non-parameter state, JSON-serialisable, for exact resume. */
  getState?(): Promise<{ json: Record<string, unknown>; tensors: Map<string, Tensor> }>;
  setState?(state: { json: Record<string, unknown>; tensors: Map<string, Tensor> }): Promise<void>;
  dispose(): void;
}
