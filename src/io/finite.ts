/** Finiteness checks for host arrays loaded from files (checkpoints, datasets, feature files). */
import { DataError } from '../runtime/errors.js';

/** Index of the first NaN or ±Infinity in `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** Where flat index `i` lies in `shape` ("[r, c]"). */
export function indexIn(shape: readonly number[], i: number): string {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]! || 1;
    at.unshift(i % n);
    i = Math.floor(i / n);
  }
  return `[${at.join(', ')}]`;
}

/** Throw a DataError naming `what` (e.g. "file: tensor 'w'") when `a` holds NaN or ±Infinity. */
export function assertFinite(a: ArrayLike<number>, shape: readonly number[], what: string, hint = ''): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw new DataError(`${what} has ${a[i]} at index ${indexIn(shape, i)} (values must be finite)${hint}`);
}
