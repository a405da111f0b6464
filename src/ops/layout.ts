/**
 * Layout ops: permute/transpose, slice, concat (one strided-copy kernel) and gather of rows by a u32
 * index tensor (backward: an atomics-free scatter-add). All have backward rules.
 */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { normAxis, shapesEqual, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { fromArray, full } from './elementwise.js';
import { launch } from './launch.js';
import { checkSameRuntime, checkTensor } from './validate.js';

const MAX_RANK = 8;

function checkMaxRank(op: string, name: string, t: Tensor): void {
  if (t.rank > MAX_RANK) throw new ShapeError(`${op}: ${name} ${fmtShape(t.shape)} has rank ${t.rank}; at most ${MAX_RANK} supported`);
}

/** dst[dstOff + Σ c·dstStride] = src[srcOff + Σ c·srcStride] over `shape` (no tape). */
export function stridedCopyRaw(
  src: Tensor, dst: Tensor, shape: Shape, srcOff: number, srcStride: readonly number[], dstOff: number, dstStride: readonly number[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  launch(src.runtime, 'strided_copy', [src.buffer, dst.buffer], {
    n, rank: shape.length, src_off: srcOff, dst_off: dstOff, shape, src_stride: srcStride, dst_stride: dstStride,
  });
}

function permuteRaw(x: Tensor, perm: readonly number[]): Tensor {
  const st = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]!);
  const y = Tensor.empty(x.runtime, outShape, x.dtype);
  stridedCopyRaw(x, y, outShape, 0, perm.map((p) => st[p]!), 0, stridesOf(outShape));
  return y;
}

/** Reorder dimensions: y.shape[i] = x.shape[perm[i]] (negative axes allowed). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor('permute', 'x', x, 'f32');
  checkMaxRank('permute', 'x', x);
  if (perm.length !== x.rank) throw new ShapeError(`permute: perm [${perm}] has ${perm.length} entries, x ${fmtShape(x.shape)} has rank ${x.rank}`);
  const p = perm.map((a) => normAxis('permute', a, x.rank));
  if (new Set(p).size !== p.length) throw new ShapeError(`permute: perm [${perm}] is not a permutation of the axes of x ${fmtShape(x.shape)}`);
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => (inv[a] = i));
  return record(permuteRaw(x, p), 'permute', [x], (g) => [permuteRaw(g, inv)]);
}

/** Swap two dimensions (default: the last two). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', 'x', x, 'f32');
  if (x.rank < 2 && (dim0 === -2 || dim1 === -2)) throw new ShapeError(`transpose: x ${fmtShape(x.shape)} needs rank >= 2`);
  const a = normAxis('transpose', dim0, x.rank), b = normAxis('transpose', dim1, x.rank);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * The block x[start_0 : start_0+size_0, …]. `sizes[d]` of −1 (or omitted) runs to the end of the axis;
 * missing trailing axes are taken whole.
 */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[] = []): Tensor {
  checkTensor('slice', 'x', x, 'f32');
  checkMaxRank('slice', 'x', x);
  if (starts.length > x.rank || sizes.length > x.rank) {
    throw new ShapeError(`slice: starts [${starts}] / sizes [${sizes}] have more entries than x ${fmtShape(x.shape)} has axes`);
  }
  const st = x.shape.map((_, d) => starts[d] ?? 0);
  const sz = x.shape.map((dim, d) => (sizes[d] === undefined || sizes[d] === -1 ? dim - st[d]! : sizes[d]!));
  x.shape.forEach((dim, d) => {
    if (!Number.isInteger(st[d]) || !Number.isInteger(sz[d]) || st[d]! < 0 || sz[d]! < 0 || st[d]! + sz[d]! > dim) {
      throw new ShapeError(`slice: axis ${d}: start ${st[d]} size ${sz[d]} is out of range for x ${fmtShape(x.shape)}`);
    }
  });
  const xs = stridesOf(x.shape);
  const off = st.reduce((a, s, d) => a + s * xs[d]!, 0);
  const y = Tensor.empty(x.runtime, sz, x.dtype);
  stridedCopyRaw(x, y, sz, off, xs, 0, stridesOf(sz));
  return record(y, 'slice', [x], (g) => {
    const dx = full(x.runtime, x.shape, 0);
    stridedCopyRaw(g, dx, sz, 0, stridesOf(sz), off, xs);
    return [dx];
  });
}

/** Join tensors along `axis`; every other dimension must match. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError('concat: needs a non-empty list of tensors');
  xs.forEach((t, i) => checkTensor('concat', `xs[${i}]`, t, 'f32'));
  checkSameRuntime('concat', ...xs);
  const first = xs[0]!;
  checkMaxRank('concat', 'xs[0]', first);
  const ax = normAxis('concat', axis, first.rank);
  xs.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new CmhashError(`concat: xs[${i}] has dtype ${t.dtype}, xs[0] has ${first.dtype}`);
    if (t.rank !== first.rank || t.shape.some((d: number, k: number) => k !== ax && d !== first.shape[k])) {
      throw new ShapeError(`concat: xs[${i}] ${fmtShape(t.shape)} does not match xs[0] ${fmtShape(first.shape)} outside axis ${ax}`);
    }
  });
  const outShape = [...first.shape];
  outShape[ax] = xs.reduce((a, t) => a + t.shape[ax]!, 0);
  const y = Tensor.empty(first.runtime, outShape, first.dtype);
  const ys = stridesOf(outShape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of xs) {
    offsets.push(at);
    stridedCopyRaw(t, y, t.shape, 0, stridesOf(t.shape), at * ys[ax]!, ys);
    at += t.shape[ax]!;
  }
  return record(y, 'concat', xs, (g) =>
    xs.map((t, i) => {
      if (!t.requiresGrad) return null;
      const dx = Tensor.empty(g.runtime, t.shape, 'f32');
      stridedCopyRaw(g, dx, t.shape, offsets[i]! * ys[ax]!, ys, 0, stridesOf(t.shape));
      return dx;
    }),
  );
}

/** Stack equally shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ShapeError('stack: needs a non-empty list of tensors');
  const ax = normAxis('stack', axis, xs[0]!.rank + 1);
  return concat(xs.map((t) => {
    const s = [...t.shape];
    s.splice(ax, 0, 1);
    return reshapeRecorded(t, s);
  }), ax);
}

function reshapeRecorded(x: Tensor, shape: number[]): Tensor {
  return record(x.view(shape), 'reshape', [x], (g) => [g.view(x.shape)]);
}

/**
 * Rows of x selected by a u32 index tensor (or an array of numbers, checked on the host):
 * y.shape = [...idx.shape, ...x.shape.slice(1)]. An index tensor entry ≥ x.shape[0] gives a NaN row.
 * Backward: scatter-add of the output gradient into x's rows (repeated indices accumulate).
 */
export function gather(x: Tensor, index: Tensor | readonly number[]): Tensor {
  checkTensor('gather', 'x', x, 'f32');
  if (x.rank < 1) throw new ShapeError(`gather: x must have rank >= 1, got ${fmtShape(x.shape)}`);
  const rows = x.shape[0]!;
  let idx: Tensor;
  let owned = false;
  if (index instanceof Tensor) {
    checkTensor('gather', 'index', index, 'u32');
    checkSameRuntime('gather', x, index);
    idx = index;
  } else {
    index.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= rows) throw new ShapeError(`gather: index[${i}] = ${v} is out of range for x ${fmtShape(x.shape)} (rows 0..${rows - 1})`);
    });
    idx = fromArray(x.runtime, index, [index.length], 'u32');
    owned = true;
  }
  const d = sizeOf(x.shape.slice(1));
  const m = idx.size;
  const rt = x.runtime;
  const y = Tensor.empty(rt, [...idx.shape, ...x.shape.slice(1)], 'f32');
  if (y.size > 0) {
    launch(rt, 'gather', [x.buffer, idx.buffer, y.buffer], { n_out: y.size, rows, d });
  }
  // The backward rule needs the indices; a host-array index tensor lives as long as the output's node.
  const out = record(y, 'gather', [x], (g) => [scatterAddRows(g.view([m, d]), idx, rows).view(x.shape)]);
  if (owned && !out.node) idx.dispose();
  return out;
}

/**
 * out[r, …] = Σ g[i, …] over the i with index[i] == r, for r < rows (gather's backward; indices ≥ rows add
 * nowhere). Deterministic order, no atomics. No gradient is recorded.
 */
export function scatterAddRows(g: Tensor, index: Tensor, rows: number): Tensor {
  checkTensor('scatterAddRows', 'g', g, 'f32');
  checkTensor('scatterAddRows', 'index', index, 'u32');
  checkSameRuntime('scatterAddRows', g, index);
  if (g.rank < 1 || index.size !== g.shape[0]) throw new ShapeError(`scatterAddRows: index ${fmtShape(index.shape)} must hold one entry per row of g ${fmtShape(g.shape)}`);
  if (!Number.isInteger(rows) || rows < 0) throw new ShapeError(`scatterAddRows: rows must be a non-negative integer, got ${rows}`);
  const rt = g.runtime;
  const d = sizeOf(g.shape.slice(1));
  const out = Tensor.empty(rt, [rows, ...g.shape.slice(1)], 'f32');
  if (out.size > 0) {
    launch(rt, 'scatter_add_rows', [g.buffer, index.buffer, out.buffer], { rows, blocks: Math.ceil(d / ROW_BLOCK), m: index.size, d }, { constants: { CB: ROW_BLOCK } });
  }
  return out;
}

/** Columns per invocation of the row-scan kernels (scatter_add_rows, scatter_rows): each invocation scans the index list once. */
const ROW_BLOCK = 16;

/**
 * A copy of x with row index[k] replaced by row k of `values` (x [rows, …], values [index.length, …]);
 * when an index repeats, its last row wins, and entries ≥ rows replace nothing. One buffer copy of x, then
 * each replaced row written once from the row that maps to it (O(m·d), no O(rows·m·d) scatter-add of differences).
 * A host index array is checked first: integers in range, no repeats (errors name the entry). No gradient
 * is recorded (used to refresh stored per-item matrices such as DCMH's F and G).
 */
export function scatterRows(x: Tensor, index: Tensor | ArrayLike<number>, values: Tensor): Tensor {
  checkTensor('scatterRows', 'x', x, 'f32');
  checkTensor('scatterRows', 'values', values, 'f32');
  checkSameRuntime('scatterRows', x, values);
  if (x.rank < 1) throw new ShapeError(`scatterRows: x must have rank >= 1, got ${fmtShape(x.shape)}`);
  const rows = x.shape[0]!;
  let idx: Tensor;
  if (index instanceof Tensor) {
    checkTensor('scatterRows', 'index', index, 'u32');
    checkSameRuntime('scatterRows', x, index);
    idx = index;
  } else {
    checkRowIndex('scatterRows', index, rows);
    idx = fromArray(x.runtime, index, [index.length], 'u32');
  }
  const m = idx.size;
  if (values.rank !== x.rank || values.shape[0] !== m || !shapesEqual(values.shape.slice(1), x.shape.slice(1))) {
    throw new ShapeError(`scatterRows: values ${fmtShape(values.shape)} must be [${m}, ${x.shape.slice(1).join(', ')}] (index ${fmtShape(idx.shape)}, x ${fmtShape(x.shape)})`);
  }
  const rt = x.runtime;
  const d = sizeOf(x.shape.slice(1));
  const out = Tensor.empty(rt, x.shape, 'f32');
  if (out.size > 0) {
    // The kept rows by one buffer copy, then only the m replaced rows by the kernel.
    rt.copy(x.buffer, 0, out.buffer, 0, x.byteLength);
    if (m > 0 && d > 0) launch(rt, 'scatter_rows', [idx.buffer, values.buffer, out.buffer], { rows, blocks: Math.ceil(d / ROW_BLOCK), m, d }, { constants: { CB: ROW_BLOCK } });
  }
  if (idx !== index) idx.dispose();
  return out;
}

/** Host check of a row index list: integers in [0, rows), no entry twice (errors name the entries). */
export function checkRowIndex(op: string, index: ArrayLike<number>, rows: number): void {
  const seen = new Map<number, number>();
  for (let i = 0; i < index.length; i++) {
    const v = index[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= rows) throw new ShapeError(`${op}: index[${i}] = ${v} is out of range (rows 0..${rows - 1})`);
    const first = seen.get(v);
    if (first !== undefined) throw new ShapeError(`${op}: index[${first}] and index[${i}] are both ${v} (each row may be replaced once)`);
    seen.set(v, i);
  }
}
