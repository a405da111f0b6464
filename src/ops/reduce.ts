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

/**
 * Parallel split of a reduction of n_red elements into each of n_out outputs: none for small work
 * (under SPLIT_WORK elements in all, one pass costs less than a second dispatch), else at least MIN_PART
 * elements per invocation and about TARGET_INVOCATIONS invocations in all (enough workgroups for every
 * lavapipe thread). 1: one pass.
 */
const MIN_PART = 256;
const SPLIT_WORK = 16384;
const TARGET_INVOCATIONS = 1024;
export function reduceChunks(nOut: number, nRed: number): number {
  if (nOut <= 0 || nRed < 2 * MIN_PART || nOut * nRed < SPLIT_WORK) return 1;
  return Math.max(1, Math.min(Math.floor(nRed / MIN_PART), Math.ceil(TARGET_INVOCATIONS / nOut)));
}

/**
 * The (shape, stride) lists of the kept and reduced dimensions with size-1 axes dropped and adjacent
 * axes of the same kind merged (x is contiguous), so a full, row or column reduction has one reduced axis.
 */
function reduceLayout(shape: Shape, red: ReadonlySet<number>): { keepShape: number[]; keepStride: number[]; redShape: number[]; redStride: number[] } {
  const strides = stridesOf(shape);
  const keepShape: number[] = [], keepStride: number[] = [], redShape: number[] = [], redStride: number[] = [];
  let prev: 'keep' | 'red' | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const kind = red.has(i) ? 'red' : 'keep';
    const [sh, st] = kind === 'red' ? [redShape, redStride] : [keepShape, keepStride];
    if (prev === kind) {
      // Contiguous: the previous axis of this kind has stride d·strides[i]; merge into it.
      sh[sh.length - 1] = sh[sh.length - 1]! * d;
      st[st.length - 1] = strides[i]!;
    } else {
      sh.push(d);
      st.push(strides[i]!);
    }
    prev = kind;
  });
  return { keepShape, keepStride, redShape, redStride };
}

/** One reduce dispatch: y[c·n_out + o] = alpha · (part c of n_chunk of output o). */
function launchReduce(kind: keyof typeof REDUCE_OPS, x: Tensor, y: Tensor, l: ReturnType<typeof reduceLayout>, nChunk: number, alpha: number): void {
  launch(x.runtime, 'reduce', [x.buffer, y.buffer], {
    n_out: sizeOf(l.keepShape), n_chunk: nChunk, n_red: sizeOf(l.redShape), keep_rank: l.keepShape.length, red_rank: l.redShape.length, alpha,
    keep_shape: l.keepShape, keep_stride: l.keepStride, red_shape: l.redShape, red_stride: l.redStride,
  }, { constants: { OP: REDUCE_OPS[kind] } });
}

export function reduceRaw(kind: keyof typeof REDUCE_OPS, x: Tensor, axes: number[], keepDims: boolean, alpha: number): Tensor {
  if (x.rank > 8) throw new ShapeError(`${kind}: rank ${x.rank} exceeds 8 (${fmtShape(x.shape)})`);
  const red = new Set(axes);
  if ((kind === 'max' || kind === 'min') && x.shape.some((d, i) => red.has(i) && d === 0)) {
    throw new ShapeError(`${kind}: cannot reduce over an empty axis of ${fmtShape(x.shape)}`);
  }
  const outShape = keepDims ? x.shape.map((d, i) => (red.has(i) ? 1 : d)) : x.shape.filter((_, i) => !red.has(i));
  const rt = x.runtime;
  const y = Tensor.empty(rt, outShape, 'f32');
  const nOut = sizeOf(outShape);
  if (nOut === 0) return y;
  const layout = reduceLayout(x.shape, red);
  const nRed = sizeOf(layout.redShape);
  const nChunk = reduceChunks(nOut, nRed);
  if (nChunk === 1) {
    launchReduce(kind, x, y, layout, 1, alpha);
    return y;
  }
  // Two stages: partials [n_chunk, n_out], then their reduction over the first axis (each output's
  // parts in a fixed order; no atomics, so the result is deterministic).
  const partial = Tensor.empty(rt, [nChunk, nOut], 'f32');
  launchReduce(kind, x, partial, layout, nChunk, 1);
  launchReduce(kind, partial, y, { keepShape: [nOut], keepStride: [1], redShape: [nChunk], redStride: [nOut] }, 1, alpha);
  partial.dispose();
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
