import { DTypeError } from '../runtime/errors.js';

export type DType = 'f32' | 'u32' | 'i32';
export type TypedArrayFor<D extends DType> = D extends 'f32' ? Float32Array : D extends 'u32' ? Uint32Array : Int32Array;
export type AnyTypedArray = Float32Array | Uint32Array | Int32Array;

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, u32: 4, i32: 4 };

export function typedArrayFor(dtype: DType, buf: ArrayBuffer, length?: number): AnyTypedArray {
  switch (dtype) {
    case 'f32': return new Float32Array(buf, 0, length);
    case 'u32': return new Uint32Array(buf, 0, length);
    case 'i32': return new Int32Array(buf, 0, length);
    default: throw new DTypeError(`unknown dtype ${String(dtype)}`);
  }
}

export function dtypeOf(data: ArrayLike<number>): DType {
  if (data instanceof Uint32Array) return 'u32';
  if (data instanceof Int32Array) return 'i32';
  return 'f32';
}

export function assertDType(name: string, actual: DType, ...allowed: DType[]): void {
  if (!allowed.includes(actual)) throw new DTypeError(`${name}: expected dtype ${allowed.join(' or ')}, got ${actual}`);
}
