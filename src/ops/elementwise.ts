/** Elementwise unary and (broadcasting) binary ops on f32, with their backward rules. */
import type { Runtime } from '../runtime/runtime.js';
import { DataError, ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf, validateShape, type Shape } from '../tensor/shape.js';
import { dtypeOf, type DType } from '../tensor/dtype.js';
import { record } from '../autograd/tape.js';
import { sumTo } from './reduce.js';
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

// ---- unary ops with gradients -------------------------------------------------------------------

export function clone(x: Tensor): Tensor {
  return record(unaryRaw('copy', x), 'clone', [x], (g) => [g]);
}

export function neg(x: Tensor): Tensor {
  return record(unaryRaw('neg', x), 'neg', [x], (g) => [unaryRaw('neg', g)]);
}

export function exp(x: Tensor): Tensor {
  const y = unaryRaw('exp', x);
  return record(y, 'exp', [x], (g) => [binaryRaw('mul', g, y)]);
}

export function log(x: Tensor): Tensor {
  return record(unaryRaw('log', x), 'log', [x], (g) => [binaryRaw('div', g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = unaryRaw('sqrt', x);
  return record(y, 'sqrt', [x], (g) => [unaryRaw('affine', binaryRaw('div', g, y), 0.5, 0)]);
}

export function tanh(x: Tensor): Tensor {
  const y = unaryRaw('tanh', x);
  return record(y, 'tanh', [x], (g) => [binaryRaw('tanhBackward', y, g)]);
}

export function sigmoid(x: Tensor): Tensor {
  const y = unaryRaw('sigmoid', x);
  return record(y, 'sigmoid', [x], (g) => [binaryRaw('sigmoidBackward', y, g)]);
}

export function relu(x: Tensor): Tensor {
  return record(unaryRaw('relu', x), 'relu', [x], (g) => [binaryRaw('reluBackward', x, g)]);
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return record(unaryRaw('leakyRelu', x, slope), 'leakyRelu', [x], (g) => [binaryRaw('leakyReluBackward', x, g, slope)]);
}

/** sign(x) with sign(0) = 0; zero gradient. */
export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x);
}

/** ±1 codes with sign(0) mapped to +1 (the hashing convention); zero gradient. */
export function binarize(x: Tensor): Tensor {
  return unaryRaw('binarize', x);
}

export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clamp: lo (${lo}) must be <= hi (${hi})`);
  return record(unaryRaw('clamp', x, lo, hi), 'clamp', [x], (g) => [binaryRaw('clampBackward', x, g, lo, hi)]);
}

export function abs(x: Tensor): Tensor {
  return record(unaryRaw('abs', x), 'abs', [x], (g) => [binaryRaw('mul', g, unaryRaw('sign', x))]);
}

export function square(x: Tensor): Tensor {
  return record(unaryRaw('square', x), 'square', [x], (g) => [binaryRaw('axpby', binaryRaw('mul', g, x), x, 2, 0)]);
}

/** y = scale·x + shift. */
export function affine(x: Tensor, scale: number, shift = 0): Tensor {
  return record(unaryRaw('affine', x, scale, shift), 'affine', [x], (g) => [unaryRaw('affine', g, scale, 0)]);
}

export const mulScalar = (x: Tensor, s: number): Tensor => affine(x, s, 0);
export const addScalar = (x: Tensor, s: number): Tensor => affine(x, 1, s);

export function reciprocal(x: Tensor): Tensor {
  const y = unaryRaw('reciprocal', x);
  return record(y, 'reciprocal', [x], (g) => [unaryRaw('neg', binaryRaw('mul', g, unaryRaw('square', y)))]);
}

/** log(1 + e^x), computed stably. */
export function softplus(x: Tensor): Tensor {
  return record(unaryRaw('softplus', x), 'softplus', [x], (g) => [binaryRaw('mul', g, unaryRaw('sigmoid', x))]);
}

// ---- binary ops with gradients ------------------------------------------------------------------

export function add(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('add', a, b), 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('sub', a, b), 'sub', [a, b], (g) => [sumTo(g, a.shape), sumTo(unaryRaw('neg', g), b.shape)]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('mul', a, b), 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('mul', g, b), a.shape) : null,
    b.requiresGrad ? sumTo(binaryRaw('mul', g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('div', a, b), 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('div', g, b), a.shape) : null,
    b.requiresGrad ? sumTo(unaryRaw('neg', binaryRaw('div', binaryRaw('mul', g, a), unaryRaw('square', b))), b.shape) : null,
  ]);
}

/** Elementwise max; on ties the gradient goes to `a`. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('maximum', a, b), 'maximum', [a, b], (g) => {
    const bWins = binaryRaw('greater', b, a);
    return [sumTo(binaryRaw('mul', g, unaryRaw('affine', bWins, -1, 1)), a.shape), sumTo(binaryRaw('mul', g, bWins), b.shape)];
  });
}

/** Elementwise min; on ties the gradient goes to `a`. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('minimum', a, b), 'minimum', [a, b], (g) => {
    const bWins = binaryRaw('greater', a, b);
    return [sumTo(binaryRaw('mul', g, unaryRaw('affine', bWins, -1, 1)), a.shape), sumTo(binaryRaw('mul', g, bWins), b.shape)];
  });
}

/** α·a + β·b (same shape or broadcast). */
export function axpby(alpha: number, a: Tensor, beta: number, b: Tensor): Tensor {
  return record(binaryRaw('axpby', a, b, alpha, beta), 'axpby', [a, b], (g) => [
    sumTo(unaryRaw('affine', g, alpha, 0), a.shape),
    sumTo(unaryRaw('affine', g, beta, 0), b.shape),
  ]);
}

/** A reshaped view, recorded on the tape (the gradient is reshaped back). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const y = x.view(shape);
  return record(y, 'reshape', [x], (g) => [g.view(x.shape)]);
}
