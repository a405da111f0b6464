/** Shared argument checks for op wrappers: every error names the op, the argument and the shapes. */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import { assertDType, type DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

export function checkTensor(op: string, name: string, t: Tensor, ...dtypes: DType[]): void {
  if (!t || typeof t !== 'object' || !('shape' in t)) throw new CmhashError(`${op}: argument ${name} is not a Tensor`);
  // Messages are built only on failure: this runs for every argument of every op while a step records.
  if (t.isDisposed) t.assertLive(`${op}(${name})`);
  if (dtypes.length && !dtypes.includes(t.dtype)) assertDType(`${op}: ${name} ${fmtShape(t.shape)}`, t.dtype, ...dtypes);
}

export function checkRank(op: string, name: string, t: Tensor, ...ranks: number[]): void {
  if (!ranks.includes(t.rank)) {
    throw new ShapeError(`${op}: ${name} must have rank ${ranks.join(' or ')}, got shape ${fmtShape(t.shape)}`);
  }
}

export function checkSameRuntime(op: string, ...ts: Tensor[]): void {
  const rt = ts[0]!.runtime;
  if (ts.some((t) => t.runtime !== rt)) throw new CmhashError(`${op}: tensors live on different runtimes`);
}

export function checkSameShape(op: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: ${aName} ${fmtShape(a.shape)} and ${bName} ${fmtShape(b.shape)} must have the same shape`);
  }
}
