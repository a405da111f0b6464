/**
 * The elementwise kernels without autograd: creation (fromArray, full, …), unaryRaw and binaryRaw, and
 * their op tables. Below elementwise.ts and reduce.ts, whose backward rules both use them (so neither
 * needs the other's module to load first), and the source of the tape's gradient primitives.
 */
import type { Runtime } from '../runtime/runtime.js';
import { DataError, ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf, validateShape, type Shape } from '../tensor/shape.js';
import { dtypeOf, type DType } from '../tensor/dtype.js';
import { setGradPrimitives } from '../autograd/tape.js';
import { launch } from './launch.js';
import { BINARY_OP_TABLE, UNARY_OP_TABLE } from '../kernels/descriptors.js';
import { checkSameRuntime, checkTensor } from './validate.js';

/** Op name → op code, from the one table that also writes the kernel's switch (src/kernels/descriptors.ts). */
function opCodes<T extends readonly (readonly [string, string])[]>(table: T): { readonly [E in T[number] as E[0]]: number } {
  return Object.fromEntries(table.map(([name], i) => [name, i])) as { readonly [E in T[number] as E[0]]: number };
}

export const UNARY_OPS = opCodes(UNARY_OP_TABLE);
export type UnaryOp = keyof typeof UNARY_OPS;

export const BINARY_OPS = opCodes(BINARY_OP_TABLE);
export type BinaryOp = keyof typeof BINARY_OPS;

// ---- creation ---------------------------------------------------------------------------------

/** Upload host data. Rejects NaN/Infinity in f32 data and a length that does not match the shape. */
export function fromArray(rt: Runtime, data: ArrayLike<number>, shape: Shape, dtype: DType = dtypeOf(data)): Tensor {
  validateShape('fromArray', shape);
  const n = sizeOf(shape);
  if (data.length !== n) throw new ShapeError(`fromArray: data has ${data.length} elements, shape ${fmtShape(shape)} needs ${n}`);
  let typed: Float32Array | Uint32Array | Int32Array;
  if (dtype === 'f32') {
    typed = data instanceof Float32Array ? data : Float32Array.from(data);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(typed[i]!)) throw new DataError(`fromArray: element ${i} is ${typed[i]} (shape ${fmtShape(shape)}); data must be finite`);
    }
  } else {
    typed = dtype === 'u32' ? (data instanceof Uint32Array ? data : Uint32Array.from(data)) : data instanceof Int32Array ? data : Int32Array.from(data);
  }
  const t = Tensor.empty(rt, shape, dtype);
  if (n > 0) rt.write(t.buffer, typed);
  return t;
}

/** y[i] = value + i·step (f32), written on the GPU. */
export function full(rt: Runtime, shape: Shape, value: number, step = 0): Tensor {
  const t = Tensor.empty(rt, shape, 'f32');
  if (t.size > 0) {
    launch(rt, 'fill', [t.buffer], { n: t.size, value, step });
  }
  return t;
}

export const zeros = (rt: Runtime, shape: Shape): Tensor => full(rt, shape, 0);
export const ones = (rt: Runtime, shape: Shape): Tensor => full(rt, shape, 1);
export const onesLike = (t: Tensor): Tensor => full(t.runtime, t.shape, 1);
export const zerosLike = (t: Tensor): Tensor => full(t.runtime, t.shape, 0);

// ---- raw kernels (no autograd) ----------------------------------------------------------------

export function unaryRaw(op: UnaryOp, x: Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(op, 'x', x, 'f32');
  const rt = x.runtime;
  const y = Tensor.empty(rt, x.shape, 'f32');
  if (x.size > 0) {
    launch(rt, 'unary', [x.buffer, y.buffer], { n: x.size, alpha, beta }, { constants: { OP: UNARY_OPS[op] } });
  }
  return y;
}

export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(op, 'a', a, 'f32');
  checkTensor(op, 'b', b, 'f32');
  checkSameRuntime(op, a, b);
  const rt = a.runtime;
  const same = shapesEqual(a.shape, b.shape);
  const outShape = same ? [...a.shape] : broadcastShapes(op, a.shape, b.shape);
  if (outShape.length > 8) throw new ShapeError(`${op}: rank ${outShape.length} exceeds 8`);
  const y = Tensor.empty(rt, outShape, 'f32');
  if (y.size > 0) {
    launch(rt, 'binary', [a.buffer, b.buffer, y.buffer], {
      n: y.size, rank: outShape.length, alpha, beta,
      shape: outShape, sa: broadcastStrides(a.shape, outShape), sb: broadcastStrides(b.shape, outShape),
    }, { constants: { OP: BINARY_OPS[op], BROADCAST: !same } });
  }
  return y;
}

setGradPrimitives({
  onesLike, add: (a, b) => binaryRaw('add', a, b), copy: (t) => unaryRaw('copy', t),
  copyInto: (t, dst) => {
    if (t.byteLength > 0) t.runtime.copy(t.buffer, 0, dst.buffer, 0, t.byteLength);
    return dst;
  },
});
