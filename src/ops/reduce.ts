/** Reductions (sum, mean, max, min) over any set of axes, with backward rules. */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { normAxis, shapesEqual, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { binaryRaw, unaryRaw } from './raw.js';
import { launch } from './launch.js';
import { checkTensor } from './validate.js';

const REDUCE_OPS = { sum: 0, max: 1, min: 2 } as const;

function resolveAxes(op: string, x: Tensor, axes?: number | readonly number[]): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  return out;
}

export function reduceRaw(kind: keyof typeof REDUCE_OPS, x: Tensor, axes: number[], keepDims: boolean, alpha: number): Tensor {
  if (x.rank > 8) throw new ShapeError(`${kind}: rank ${x.rank} exceeds 8 (${fmtShape(x.shape)})`);
  const strides = stridesOf(x.shape);
  const red = new Set(axes);
  const keepShape: number[] = [], keepStride: number[] = [], redShape: number[] = [], redStride: number[] = [];
  x.shape.forEach((d, i) => {
    if (red.has(i)) { redShape.push(d); redStride.push(strides[i]!); }
    else { keepShape.push(d); keepStride.push(strides[i]!); }
  });
  if ((kind === 'max' || kind === 'min') && sizeOf(redShape) === 0) {
    throw new ShapeError(`${kind}: cannot reduce over an empty axis of ${fmtShape(x.shape)}`);
  }
  const outShape = keepDims ? x.shape.map((d, i) => (red.has(i) ? 1 : d)) : keepShape;
  const rt = x.runtime;
  const y = Tensor.empty(rt, outShape, 'f32');
  const nOut = sizeOf(keepShape);
  if (nOut > 0) {
    launch(rt, 'reduce', [x.buffer, y.buffer], {
      n_out: nOut, n_red: sizeOf(redShape), keep_rank: keepShape.length, red_rank: redShape.length, alpha,
      keep_shape: keepShape, keep_stride: keepStride, red_shape: redShape, red_stride: redStride,
    }, { constants: { OP: REDUCE_OPS[kind] } });
  }
  return y;
}

/** Broadcast `g` (shape with 1s / fewer dims) to the shape of `like`. */
export function expandAs(g: Tensor, like: Tensor): Tensor {
  return shapesEqual(g.shape, like.shape) ? g : binaryRaw('second', like, g);
}

/** Sum `g` down to `shape` (the inverse of broadcasting): used by every broadcasting backward rule. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  if (off < 0) throw new ShapeError(`sumTo: cannot reduce ${fmtShape(g.shape)} to larger rank ${fmtShape(shape)}`);
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    const t = i < off ? 1 : shape[i - off]!;
    if (i < off || (t === 1 && d !== 1)) axes.push(i);
    else if (t !== d) throw new ShapeError(`sumTo: ${fmtShape(g.shape)} does not broadcast from ${fmtShape(shape)}`);
  });
  return reduceRaw('sum', g, axes, true, 1).view(shape);
}

export interface ReduceOptions {
  keepDims?: boolean;
}

export function sum(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkTensor('sum', 'x', x, 'f32');
  const ax = resolveAxes('sum', x, axes);
  const y = reduceRaw('sum', x, ax, opts.keepDims ?? false, 1);
  const keepShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return record(y, 'sum', [x], (g) => [expandAs(g.view(keepShape), x)]);
}

export function mean(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkTensor('mean', 'x', x, 'f32');
  const ax = resolveAxes('mean', x, axes);
  const count = ax.reduce((p, a) => p * x.shape[a]!, 1);
  if (count === 0) throw new ShapeError(`mean: reducing ${fmtShape(x.shape)} over axes [${ax}] averages zero elements`);
  const y = reduceRaw('sum', x, ax, opts.keepDims ?? false, 1 / count);
  const keepShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return record(y, 'mean', [x], (g) => [unaryRaw('affine', expandAs(g.view(keepShape), x), 1 / count, 0)]);
}

function extreme(kind: 'max' | 'min', x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkTensor(kind, 'x', x, 'f32');
  const ax = resolveAxes(kind, x, axes);
  const y = reduceRaw(kind, x, ax, opts.keepDims ?? false, 1);
  const keepShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  // Gradient flows to every position equal to the extreme value (ties share it in full).
  return record(y, kind, [x], (g) => {
    const mask = binaryRaw('equal', x, expandAs(y.view(keepShape), x));
    return [binaryRaw('mul', mask, expandAs(g.view(keepShape), x))];
  });
}

export const max = (x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions): Tensor => extreme('max', x, axes, opts);
export const min = (x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions): Tensor => extreme('min', x, axes, opts);
