/**
 * Gradient-free tensor updates of the supervised models: detached copies, the per-item code matrix B = sign(·)
 * and row replacement in per-item matrices (DCMH's stored outputs F and G).
 */
import { ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { add, binarize, clone, sub } from '../../ops/elementwise.js';
import { gather, scatterAddRows } from '../../ops/layout.js';

/** A copy of t that carries no gradient (stops the tape at t). */
export function detach(t: Tensor): Tensor {
  return noGrad(() => clone(t));
}

/** Code matrix update sign(h) with sign(0) → +1 (MODELS.md: DCMH's code lets sign(0) = 0; we map it to +1). */
export function signCodes(h: Tensor): Tensor {
  return noGrad(() => binarize(h));
}

/**
 * x with rows `idx` (distinct u32 indices into x's rows) replaced by `values` [idx.length, d], as a new
 * tensor: x + scatterAddRows(values − x[idx]) (the gather backward). No gradient.
 * Used to keep per-item matrices (DCMH's F and G) current after every step.
 */
export function replaceRows(x: Tensor, idx: Tensor, values: Tensor): Tensor {
  if (x.rank !== 2 || values.rank !== 2 || values.shape[1] !== x.shape[1] || values.shape[0] !== idx.size) {
    throw new ShapeError(`replaceRows: x ${fmtShape(x.shape)}, index ${fmtShape(idx.shape)} and values ${fmtShape(values.shape)} do not match`);
  }
  return noGrad(() => {
    const delta = sub(values, gather(x, idx));
    const scattered = scatterAddRows(delta, idx, x.shape[0]!);
    const out = add(x, scattered);
    delta.dispose();
    scattered.dispose();
    return out;
  });
}
