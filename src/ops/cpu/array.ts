/**
 * Plain-TypeScript float64 reference implementations: the oracle every GPU kernel is tested
 * against. Simple and obviously correct beats fast here.
 */
import { broadcastShapes, broadcastStrides, sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';

export interface CpuArray {
  shape: number[];
  data: Float64Array;
}

export function cpu(data: ArrayLike<number>, shape: Shape): CpuArray {
  return { shape: [...shape], data: Float64Array.from(data) };
}

/** Index of flat output position `i` into an operand with the given broadcast strides. */
function operandIndex(i: number, outShape: number[], strides: number[]): number {
  let idx = 0;
  let rem = i;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const c = rem % outShape[d]!;
    rem = Math.floor(rem / outShape[d]!);
    idx += c * strides[d]!;
  }
  return idx;
}

export function cpuMap(x: CpuArray, f: (v: number) => number): CpuArray {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function cpuZip(a: CpuArray, b: CpuArray, f: (u: number, v: number) => number): CpuArray {
  const shape = broadcastShapes('cpuZip', a.shape, b.shape);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(a.data[operandIndex(i, shape, sa)]!, b.data[operandIndex(i, shape, sb)]!);
  return { shape, data };
}

/** Reduce over `axes` with `f` starting from `init`; keepDims keeps size-1 axes. */
export function cpuReduce(x: CpuArray, axes: number[], init: number, f: (acc: number, v: number) => number, keepDims = false): CpuArray {
  const red = new Set(axes.map((a) => (a < 0 ? a + x.shape.length : a)));
  const outShape = x.shape.map((d, i) => (red.has(i) ? 1 : d));
  const outStrides = stridesOf(outShape);
  const inStrides = stridesOf(x.shape);
  const out = new Float64Array(sizeOf(outShape)).fill(init);
  const n = sizeOf(x.shape);
  for (let i = 0; i < n; i++) {
    let o = 0;
    let rem = i;
    for (let d = 0; d < x.shape.length; d++) {
      const c = Math.floor(rem / inStrides[d]!);
      rem -= c * inStrides[d]!;
      if (!red.has(d)) o += c * outStrides[d]!;
    }
    out[o] = f(out[o]!, x.data[i]!);
  }
  return { shape: keepDims ? outShape : x.shape.filter((_, i) => !red.has(i)), data: out };
}

export const CPU_UNARY: Record<string, (v: number, alpha: number, beta: number) => number> = {
  copy: (v) => v,
  neg: (v) => -v,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => Math.max(v, 0),
  leakyRelu: (v, a) => (v > 0 ? v : a * v),
  sign: Math.sign,
  clamp: (v, a, b) => Math.min(Math.max(v, a), b),
  abs: Math.abs,
  square: (v) => v * v,
  affine: (v, a, b) => a * v + b,
  reciprocal: (v) => 1 / v,
  softplus: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  binarize: (v) => (v >= 0 ? 1 : -1),
};

export const CPU_BINARY: Record<string, (u: number, v: number) => number> = {
  add: (u, v) => u + v,
  sub: (u, v) => u - v,
  mul: (u, v) => u * v,
  div: (u, v) => u / v,
  maximum: Math.max,
  minimum: Math.min,
};

export function cpuSum(x: CpuArray, axes?: number[], keepDims = false): CpuArray {
  return cpuReduce(x, axes ?? x.shape.map((_, i) => i), 0, (a, v) => a + v, keepDims);
}

export function cpuMean(x: CpuArray, axes?: number[], keepDims = false): CpuArray {
  const ax = axes ?? x.shape.map((_, i) => i);
  const count = ax.reduce((p, a) => p * x.shape[a < 0 ? a + x.shape.length : a]!, 1);
  const s = cpuSum(x, ax, keepDims);
  return cpuMap(s, (v) => v / count);
}

export function cpuMax(x: CpuArray, axes?: number[], keepDims = false): CpuArray {
  return cpuReduce(x, axes ?? x.shape.map((_, i) => i), -Infinity, Math.max, keepDims);
}

export function cpuMin(x: CpuArray, axes?: number[], keepDims = false): CpuArray {
  return cpuReduce(x, axes ?? x.shape.map((_, i) => i), Infinity, Math.min, keepDims);
}
