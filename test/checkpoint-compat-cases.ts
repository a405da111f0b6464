/**
 * The old-checkpoint compatibility cases (test/checkpoint-compat.test.ts): tiny models of two optimiser
 * layouts (the SGD paired models, DCMH's two Adam nets; the label-guided models' fixture would be 4.6 MB) trained for
 * EPOCHS epochs with a checkpoint after the first. test/fixtures/ckpt-old/<model>/ holds that checkpoint
 * and the final weights as written by the code before the multi-tensor optimiser (one optimiser per net,
 * one dispatch per tensor; commit 8edc851).
 */
import type { TrainConfig } from '../src/train/loop.js';

export const COMPAT_MODELS = ['jsghca', 'dcmh'] as const;
export const COMPAT_CONFIG: TrainConfig = { epochs: 2, batchSize: 32, seed: 4, evalEvery: 0, patience: 0, checkpointEvery: 1 };
export const compatModelConfig = (name: string): Record<string, unknown> =>
  name === 'jsghca' ? { hidden: 32, lrImage: 0.05, lrText: 0.05 } : { hidden: 32 };
