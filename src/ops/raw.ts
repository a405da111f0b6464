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
import { Uniforms } from './uniforms.js';
import { checkSameRuntime, checkTensor } from './validate.js';

const WG = 256;

export const UNARY_OPS = {
  copy: 0, neg: 1, exp: 2, log: 3, sqrt: 4, tanh: 5, sigmoid: 6, relu: 7, leakyRelu: 8, sign: 9,
  clamp: 10, abs: 11, square: 12, affine: 13, reciprocal: 14, softplus: 15, binarize: 16,
} as const;
export type UnaryOp = keyof typeof UNARY_OPS;

export const BINARY_OPS = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, reluBackward: 6, tanhBackward: 7,
  sigmoidBackward: 8, leakyReluBackward: 9, equal: 10, clampBackward: 11, axpby: 12, greater: 13, second: 14,
} as const;
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
    const u = new Uniforms().u32(t.size).u32(0).f32(value).f32(step);
    rt.dispatch({ kernel: 'fill', constants: { WG } }, [t.buffer], rt.grid(Math.ceil(t.size / WG)), u.bytes());
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
    const u = new Uniforms().u32(x.size).u32(0).f32(alpha).f32(beta);
    rt.dispatch({ kernel: 'unary', constants: { OP: UNARY_OPS[op], WG } }, [x.buffer, y.buffer], rt.grid(Math.ceil(x.size / WG)), u.bytes());
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
    const u = new Uniforms().u32(y.size).u32(outShape.length).f32(alpha).f32(beta);
    u.dims(outShape).dims(broadcastStrides(a.shape, outShape)).dims(broadcastStrides(b.shape, outShape));
    rt.dispatch(
      { kernel: 'binary', constants: { OP: BINARY_OPS[op], BROADCAST: !same, WG } },
      [a.buffer, b.buffer, y.buffer],
      rt.grid(Math.ceil(y.size / WG)),
      u.bytes(),
    );
  }
  return y;
}

setGradPrimitives({ onesLike, add: (a, b) => binaryRaw('add', a, b), copy: (t) => unaryRaw('copy', t) });
