/**
 * Gradient-free tensor updates of the supervised models: detached copies, the per-item code matrix B = sign(·)
 * and row replacement in per-item matrices (DCMH's stored outputs F and G).
 */
import { ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { backward, noGrad } from '../../autograd/tape.js';
import { binarize, clone } from '../../ops/elementwise.js';
import { checkRowIndex, scatterRows } from '../../ops/layout.js';

/**
 * t without its gradient (stops the tape at t): a view sharing t's storage, no copy. For activations,
 * which nothing writes in place (a parameter's storage changes under an optimiser step: use detachedCopy).
 */
export function detach(t: Tensor): Tensor {
  return t.view(t.shape);
}

/** A copy of t that carries no gradient (for tensors that change in place later, such as parameters). */
export function detachedCopy(t: Tensor): Tensor {
  return noGrad(() => clone(t));
}

/**
 * backward(root) as if every tensor in `stops` had been detached when root's graph was built: no gradient
 * flows past them (their own graphs, e.g. the generators behind a reused D(fake), are not visited).
 */
export function backwardStoppedAt(root: Tensor, stops: readonly Tensor[]): void {
  const was = stops.map((t) => t.requiresGrad);
  for (const t of stops) t.requiresGrad = false;
  try {
    backward(root);
  } finally {
    stops.forEach((t, i) => { t.requiresGrad = was[i]!; });
  }
}

/** Code matrix update sign(h) with sign(0) → +1 (MODELS.md: DCMH's code lets sign(0) = 0; we map it to +1). */
export function signCodes(h: Tensor): Tensor {
  return noGrad(() => binarize(h));
}

/**
 * x with rows `idx` (distinct u32 indices into x's rows) replaced by `values` [idx.length, d], as a new
 * tensor: each output row copied once from the row that maps to it (scatterRows). `hostIndex`, the same
 * indices on the host (a batch's `indices`), is checked first: in range and distinct. No gradient.
 * Used to keep per-item matrices (DCMH's F and G) current after every step.
 */
export function replaceRows(x: Tensor, idx: Tensor, values: Tensor, hostIndex?: ArrayLike<number>): Tensor {
  if (x.rank !== 2 || values.rank !== 2 || values.shape[1] !== x.shape[1] || values.shape[0] !== idx.size) {
    throw new ShapeError(`replaceRows: x ${fmtShape(x.shape)}, index ${fmtShape(idx.shape)} and values ${fmtShape(values.shape)} do not match`);
  }
  if (hostIndex) {
    if (hostIndex.length !== idx.size) throw new ShapeError(`replaceRows: hostIndex has ${hostIndex.length} entries, index ${fmtShape(idx.shape)}`);
    checkRowIndex('replaceRows', hostIndex, x.shape[0]!);
  }
  return noGrad(() => scatterRows(x, idx, values));
}
