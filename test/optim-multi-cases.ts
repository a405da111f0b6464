/**
 * Shared inputs of the multi-tensor optimiser tests: tensors of odd sizes in two parameter groups with
 * different hyper-parameters, random gradients per step, and a parameter that skips a step (no gradient).
 * test/fixtures/optim-per-tensor.json holds what the per-tensor kernels (one dispatch per tensor, the path
 * before the multi-tensor kernel) produced from exactly these inputs on lavapipe.
 */
import { randomData } from './helpers.js';

export const SIZES = [1, 17, 255, 1023, 300];
/** Tensor i belongs to group GROUP_OF[i]. */
export const GROUP_OF = [0, 1, 0, 1, 1];
export const STEPS = 4;
/** (step, tensor) pairs that get no gradient in that step. */
export const SKIP = new Set(['1:2', '2:4']);

export const SGD_GROUPS = [
  { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
  { lr: 0.01, momentum: 0.8, weightDecay: 1e-2, nesterov: true },
] as const;
export const ADAM_GROUPS = [
  { lr: 1e-2, weightDecay: 1e-2 },
  { lr: 1e-3, weightDecay: 0 },
] as const;

const f32 = (a: Float64Array): Float64Array => a.map(Math.fround);
export const initial = (i: number): Float64Array => f32(randomData(SIZES[i]!, 7 + i, -1, 1));
export const gradient = (step: number, i: number): Float64Array => f32(randomData(SIZES[i]!, 1000 * step + 31 * i + 1, -2, 2));
