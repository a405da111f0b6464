import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { concat, gather, permute, scatterAddRows, scatterRows, slice, stack, transpose } from '../src/ops/layout.js';
import { cpuConcat, cpuGather, cpuPermute, cpuScatterAddRows, cpuScatterRows, cpuSlice } from '../src/ops/cpu/layout.js';
import { cpu } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { allClose, getRuntime, ODD_SIZES, randomData } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const exact = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(Array.from(got)).toEqual(Array.from(want, Math.fround));
};

describe('layout kernels vs float64 CPU reference (exact copies)', () => {
  it(`permute ranks 1..6 and transpose, incl. dims of ${ODD_SIZES}`, async () => {
    const rt = await getRuntime();
    const cases: [number[], number[]][] = [
      [[1023], [0]], [[17, 255], [1, 0]], [[1, 17, 3], [2, 0, 1]], [[2, 3, 4, 5], [3, 1, 0, 2]],
      [[2, 1, 3, 2, 5], [4, 2, 0, 3, 1]], [[2, 3, 1, 2, 3, 2], [5, 4, 3, 2, 1, 0]], [[255, 1, 17], [2, 1, 0]],
    ];
    for (const [shape, perm] of cases) {
      const x = randomData(size(shape), shape.length * 3 + 1, -5, 5);
      const y = permute(E.fromArray(rt, x, shape), perm);
      const want = cpuPermute(cpu(x, shape), perm);
      expect(y.shape).toEqual(want.shape);
      exact(await y.read(), want.data);
    }
    const x = randomData(2 * 17 * 5, 4);
    const t = transpose(E.fromArray(rt, x, [2, 17, 5]));
    expect(t.shape).toEqual([2, 5, 17]);
    exact(await t.read(), cpuPermute(cpu(x, [2, 17, 5]), [0, 2, 1]).data);
  });

  it('slice with offsets in every axis and -1 sizes', async () => {
    const rt = await getRuntime();
    const cases: [number[], number[], number[], number[]][] = [
      [[1023], [17], [255], [255]], [[17, 255], [3, 1], [-1, 200], [14, 200]], [[4, 5, 6], [1, 0, 2], [2, 5, 3], [2, 5, 3]],
      [[1], [0], [1], [1]], [[3, 4, 5, 6], [0, 1, 1, 5], [3, 2, -1, 1], [3, 2, 4, 1]],
    ];
    for (const [shape, st, sz, want] of cases) {
      const x = randomData(size(shape), size(shape), -5, 5);
      const y = slice(E.fromArray(rt, x, shape), st, sz);
      expect(y.shape).toEqual(want);
      exact(await y.read(), cpuSlice(cpu(x, shape), st.map((s, d) => s), want).data);
    }
  });

  it('concat along each axis and stack', async () => {
    const rt = await getRuntime();
    const cases: [number[][], number][] = [
      [[[17], [255], [1]], 0], [[[3, 17], [3, 1], [3, 5]], 1], [[[2, 3, 4], [5, 3, 4]], 0], [[[2, 3, 4], [2, 3, 1], [2, 3, 7]], -1],
      [[[2, 1, 4], [2, 6, 4]], 1],
    ];
    for (const [shapes, axis] of cases) {
      const xs = shapes.map((s, i) => randomData(size(s), i + 10 * s.length, -3, 3));
      const y = concat(xs.map((x, i) => E.fromArray(rt, x, shapes[i]!)), axis);
      const ax = axis < 0 ? axis + shapes[0]!.length : axis;
      const want = cpuConcat(xs.map((x, i) => cpu(x, shapes[i]!)), ax);
      expect(y.shape).toEqual(want.shape);
      exact(await y.read(), want.data);
    }
    const a = randomData(6, 1), b = randomData(6, 2);
    const s = stack([E.fromArray(rt, a, [2, 3]), E.fromArray(rt, b, [2, 3])], 1);
    expect(s.shape).toEqual([2, 2, 3]);
    exact(await s.read(), cpuConcat([cpu(a, [2, 1, 3]), cpu(b, [2, 1, 3])], 1).data);
  });

  it(`gather rows by a u32 index tensor (repeats, sizes ${ODD_SIZES})`, async () => {
    const rt = await getRuntime();
    for (const n of ODD_SIZES) {
      const shape = [n, 3, 2];
      const x = randomData(size(shape), n, -4, 4);
      const idx = Array.from(randomData(2 * n + 1, n + 1, 0, n), Math.floor);
      const want = cpuGather(cpu(x, shape), idx, [idx.length]);
      const y = gather(E.fromArray(rt, x, shape), E.fromArray(rt, idx, [idx.length], 'u32'));
      expect(y.shape).toEqual(want.shape);
      exact(await y.read(), want.data);
    }
    // Index tensors of any shape; host arrays are range-checked.
    const x = randomData(20, 3);
    const y = gather(E.fromArray(rt, x, [10, 2]), E.fromArray(rt, [1, 9, 0, 1], [2, 2], 'u32'));
    expect(y.shape).toEqual([2, 2, 2]);
    exact(await y.read(), cpuGather(cpu(x, [10, 2]), [1, 9, 0, 1]).data);
    expect(() => gather(E.fromArray(rt, x, [10, 2]), [3, 10])).toThrow(/index\[1\] = 10 is out of range for x \[10, 2\]/);
    const bad = await gather(E.fromArray(rt, x, [10, 2]), E.fromArray(rt, [10], [1], 'u32')).read();
    expect(Array.from(bad).every(Number.isNaN)).toBe(true);
  });

  it(`scatterAddRows sums rows by index, repeats and out-of-range indices included (sizes ${ODD_SIZES})`, async () => {
    const rt = await getRuntime();
    // d = 3 (one column block) and d = 37 (three blocks of 16, the last partial).
    for (const d of [3, 37]) {
      for (const m of ODD_SIZES) {
        const rows = Math.max(1, m >> 1);
        const g = randomData(m * d, m + 5 + d, -4, 4);
        const idx = Array.from(randomData(m, m + 6, 0, rows + 1), Math.floor); // value `rows` adds nowhere
        const want = cpuScatterAddRows(cpu(g, [m, d]), idx, rows);
        const y = scatterAddRows(E.fromArray(rt, g, [m, d]), E.fromArray(rt, idx, [m], 'u32'), rows);
        expect(y.shape).toEqual([rows, d]);
        const r = allClose(await y.read(), want.data, 1e-5, 1e-5);
        expect(r, `m ${m} d ${d} worst at ${r.index}`).toMatchObject({ ok: true });
      }
    }
    const g = E.fromArray(rt, randomData(6, 1), [2, 3]);
    expect(() => scatterAddRows(g, E.fromArray(rt, [0, 1, 1], [3], 'u32'), 2)).toThrow(/scatterAddRows: index \[3\] must hold one entry per row of g \[2, 3\]/);
    expect(() => scatterAddRows(g, E.fromArray(rt, [0, 1], [2], 'f32'), 2)).toThrow(/scatterAddRows.*index/);
  });

  it(`scatterRows copies each replaced row from its source, keeps the others (sizes ${ODD_SIZES})`, async () => {
    const rt = await getRuntime();
    for (const d of [1, 5, 37]) {
      for (const rows of ODD_SIZES) {
        // Distinct host indices (a seeded permutation prefix), about half the rows.
        const perm = Array.from(randomData(rows, rows + d, 0, 1)).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
        const idx = perm.slice(0, Math.max(1, rows >> 1));
        const m = idx.length;
        const x = randomData(rows * d, rows + 2, -4, 4), v = randomData(m * d, rows + 3, 5, 9);
        const want = cpuScatterRows(cpu(x, [rows, d]), idx, cpu(v, [m, d]));
        const xt = E.fromArray(rt, x, [rows, d]), vt = E.fromArray(rt, v, [m, d]);
        exact(await scatterRows(xt, E.fromArray(rt, idx, [m], 'u32'), vt).read(), want.data);
        exact(await scatterRows(xt, idx, vt).read(), want.data);
      }
    }
    // A u32 index tensor is taken as it is: a repeated row takes its last value, an entry ≥ rows replaces nothing.
    const x = randomData(12, 7), v = randomData(12, 8, 5, 9);
    const idx = [2, 5, 2, 1];
    const y = scatterRows(E.fromArray(rt, x, [4, 3]), E.fromArray(rt, idx, [4], 'u32'), E.fromArray(rt, v, [4, 3]));
    exact(await y.read(), cpuScatterRows(cpu(x, [4, 3]), idx, cpu(v, [4, 3])).data);
    expect(Array.from(await y.read()).slice(6, 9)).toEqual(Array.from(Float32Array.from(v.slice(6, 9))));
    // Host arrays are checked: range and repeats, naming the entries; shapes are checked.
    const xt = E.fromArray(rt, x, [4, 3]), vt = E.fromArray(rt, v.slice(0, 6), [2, 3]);
    expect(() => scatterRows(xt, [1, 4], vt)).toThrow(/scatterRows: index\[1\] = 4 is out of range \(rows 0..3\)/);
    expect(() => scatterRows(xt, [3, 3], vt)).toThrow(/scatterRows: index\[0\] and index\[1\] are both 3/);
    expect(() => scatterRows(xt, [0, 1, 2], vt)).toThrow(/scatterRows: values \[2, 3\] must be \[3, 3\]/);
  });

  it('rejects bad arguments naming shapes', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, randomData(6, 1), [2, 3]);
    expect(() => permute(x, [0, 0])).toThrow(/not a permutation.*\[2, 3\]/);
    expect(() => permute(x, [0])).toThrow(/rank 2/);
    expect(() => slice(x, [1, 2], [2, 1])).toThrow(/axis 0: start 1 size 2 is out of range for x \[2, 3\]/);
    expect(() => concat([x, E.fromArray(rt, randomData(4, 2), [2, 2])], 0)).toThrow(/xs\[1\] \[2, 2\] does not match xs\[0\] \[2, 3\] outside axis 0/);
  });
});

describe('layout gradients (finite differences)', () => {
  it('gradcheck permute', async () => {
    const rt = await getRuntime();
    const shape = [2, 3, 4];
    const r = await gradcheck({
      rt, inputs: [{ shape, data: randomData(24, 1) }],
      gpu: (x) => permute(x, [2, 0, 1]), cpu: (x) => cpuPermute(cpu(x, shape), [2, 0, 1]).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('gradcheck slice', async () => {
    const rt = await getRuntime();
    const shape = [4, 5, 3];
    const r = await gradcheck({
      rt, inputs: [{ shape, data: randomData(60, 2) }],
      gpu: (x) => slice(x, [1, 2, 0], [2, 3, 2]), cpu: (x) => cpuSlice(cpu(x, shape), [1, 2, 0], [2, 3, 2]).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('gradcheck concat (three inputs)', async () => {
    const rt = await getRuntime();
    const s = [[2, 1, 3], [2, 4, 3], [2, 2, 3]];
    const r = await gradcheck({
      rt, inputs: s.map((sh, i) => ({ shape: sh, data: randomData(size(sh), 5 + i) })),
      gpu: (a, b, c) => concat([a!, b!, c!], 1), cpu: (a, b, c) => cpuConcat([cpu(a!, s[0]!), cpu(b!, s[1]!), cpu(c!, s[2]!)], 1).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('gradcheck gather with repeated indices (scatter-add)', async () => {
    const rt = await getRuntime();
    const shape = [5, 3];
    const idx = [4, 0, 4, 2, 4, 0];
    const r = await gradcheck({
      rt, inputs: [{ shape, data: randomData(15, 6) }],
      gpu: (x) => gather(x, E.fromArray(rt, idx, [6], 'u32')), cpu: (x) => cpuGather(cpu(x, shape), idx).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const r2 = await gradcheck({
      rt, inputs: [{ shape, data: randomData(15, 7) }],
      gpu: (x) => gather(x, idx), cpu: (x) => cpuGather(cpu(x, shape), idx).data,
    });
    expect(r2.ok, JSON.stringify(r2)).toBe(true);
  });
});
