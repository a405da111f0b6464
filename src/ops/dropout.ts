/**
 * Dropout with a counter-based RNG in the kernel: the mask is a pure function of (seed, element index),
 * so the same seed reproduces it exactly and the backward pass re-derives it instead of storing it.
 */
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { unaryRaw } from './elementwise.js';
import { launch } from './launch.js';
import { dropoutThreshold } from './dropout-threshold.js';
import { checkTensor } from './validate.js';

/** The dropout pass without autograd (the mask of `seed`, survivors scaled by 1/(1−p)). */
function dropoutRaw(x: Tensor, p: number, seed: number): Tensor {
  const rt = x.runtime;
  const y = Tensor.empty(rt, x.shape, 'f32');
  if (x.size === 0) return y;
  launch(rt, 'dropout', [x.buffer, y.buffer], { n: x.size, threshold: dropoutThreshold(p), seed, scale: 1 / (1 - p) });
  return y;
}

/**
 * Zero each element with probability p and scale survivors by 1/(1−p). `seed` (a u32) selects the
 * mask; draw a fresh one per call from a seeded Rng (the Dropout module does). p = 0 is the identity.
 */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  checkTensor('dropout', 'x', x, 'f32');
  checkDropoutArgs('dropout', p, seed);
  if (p === 0) return record(unaryRaw('copy', x), 'dropout', [x], (g) => [g]);
  return record(dropoutRaw(x, p, seed), 'dropout', [x], (g) => [dropoutRaw(g, p, seed)]);
}

/** p in [0, 1) and seed a u32, or a RangeError naming `op`. */
export function checkDropoutArgs(op: string, p: number, seed: number): void {
  if (!(p >= 0 && p < 1)) throw new RangeError(`${op}: p must be in [0, 1), got ${p}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`${op}: seed must be a u32, got ${seed}`);
}
