/** Float64 references for permute, slice, concat and gather (index arithmetic spelled out). */
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import type { CpuArray } from './array.js';

function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

function flat(c: readonly number[], shape: readonly number[]): number {
  const st = stridesOf(shape);
  return c.reduce((a, v, d) => a + v * st[d]!, 0);
}

export function cpuPermute(x: CpuArray, perm: readonly number[]): CpuArray {
  const shape = perm.map((p) => x.shape[p]!);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, shape);
    const src = new Array<number>(x.shape.length);
    perm.forEach((p, k) => (src[p] = c[k]!));
    data[i] = x.data[flat(src, x.shape)]!;
  }
  return { shape, data };
}

export function cpuSlice(x: CpuArray, starts: readonly number[], sizes: readonly number[]): CpuArray {
  const shape = [...sizes];
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = x.data[flat(coords(i, shape).map((v, d) => v + starts[d]!), x.shape)]!;
  return { shape, data };
}

export function cpuConcat(xs: readonly CpuArray[], axis: number): CpuArray {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const c = coords(i, shape);
    let k = 0;
    while (c[axis]! >= xs[k]!.shape[axis]!) c[axis]! -= xs[k++]!.shape[axis]!;
    data[i] = xs[k]!.data[flat(c, xs[k]!.shape)]!;
  }
  return { shape, data };
}

export function cpuGather(x: CpuArray, idx: readonly number[], idxShape: readonly number[] = [idx.length]): CpuArray {
  const d = sizeOf(x.shape.slice(1));
  const shape = [...idxShape, ...x.shape.slice(1)];
  const data = new Float64Array(idx.length * d);
  idx.forEach((r, m) => {
    for (let j = 0; j < d; j++) data[m * d + j] = x.data[r * d + j]!;
  });
  return { shape, data };
}

/** out[r] = Σ g[k] over the k with idx[k] == r < rows (gather's backward). */
export function cpuScatterAddRows(g: CpuArray, idx: readonly number[], rows: number): CpuArray {
  const d = sizeOf(g.shape.slice(1));
  const data = new Float64Array(rows * d);
  idx.forEach((r, k) => {
    if (r < rows) for (let j = 0; j < d; j++) data[r * d + j]! += g.data[k * d + j]!;
  });
  return { shape: [rows, ...g.shape.slice(1)], data };
}

/** x with row idx[k] replaced by values[k] (a later k wins; entries ≥ rows replace nothing). */
export function cpuScatterRows(x: CpuArray, idx: readonly number[], values: CpuArray): CpuArray {
  const d = sizeOf(x.shape.slice(1));
  const data = Float64Array.from(x.data);
  idx.forEach((r, k) => {
    if (r < x.shape[0]!) for (let j = 0; j < d; j++) data[r * d + j] = values.data[k * d + j]!;
  });
  return { shape: [...x.shape], data };
}
