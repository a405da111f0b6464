import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { avgPool2d, maxPool2d, pool2dGeometry, type Pool2dOptions } from '../src/ops/pool.js';
import { localResponseNorm } from '../src/ops/lrn.js';
import { dropout } from '../src/ops/dropout.js';
import { cpuDropout, cpuDropoutKeep, cpuLrn, cpuLrnBackward, cpuPool2d } from '../src/ops/cpu/pool.js';
import { cpu } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward, noGrad, requireGrad } from '../src/autograd/tape.js';
import { tidy } from '../src/tensor/scope.js';
import { Rng } from '../src/util/rng.js';
import { allClose, getRuntime, randomData } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
/** Distinct values spaced ≥ 0.01 apart (no ties or near-ties for max pooling's finite differences). */
const distinct = (n: number, seed: number): Float64Array => {
  const perm = new Rng(seed).permutation(n);
  return Float64Array.from(perm, (v) => (v - n / 2) * 0.01);
};

const POOL_CASES: [number[], Pool2dOptions][] = [
  [[1, 1, 1, 1], { kernel: 1 }],
  [[2, 3, 17, 17], { kernel: 3, stride: 2 }],
  [[1, 17, 5, 7], { kernel: 3, stride: 1, padding: 1 }],
  [[1, 1, 3, 1023], { kernel: [3, 3], stride: [2, 2], padding: [1, 1] }],
  [[2, 4, 27, 27], { kernel: 3, stride: 2, ceilMode: true }],
  [[1, 2, 13, 14], { kernel: [2, 3], stride: [2, 1], padding: [1, 0], ceilMode: true }],
  [[1, 1, 1, 255], { kernel: [1, 5], stride: [1, 5] }],
  [[3, 2, 6, 6], { kernel: 4, stride: 3, padding: 2, ceilMode: true, countIncludePad: false }],
];

describe('pooling, LRN and dropout kernels vs float64 CPU reference', () => {
  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}Pool2d (stride, padding, ceil mode, divisor rules)`, async () => {
      const rt = await getRuntime();
      for (const [shape, o] of POOL_CASES) {
        const x = randomData(size(shape), size(shape) + 1, -3, 3);
        const t = E.fromArray(rt, x, shape);
        const g = pool2dGeometry('test', t, o);
        const y = (kind === 'max' ? maxPool2d : avgPool2d)(t, o);
        const want = cpuPool2d(cpu(x.map(Math.fround), shape), kind, g);
        expect(y.shape).toEqual(want.shape);
        const r = allClose(await y.read(), want.data, 1e-6, 1e-5);
        expect(r, `${shape} ${JSON.stringify(o)}`).toMatchObject({ ok: true });
      }
    });
  }

  it('pooling output sizes follow PyTorch (floor and ceil mode)', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, randomData(55 * 55, 1), [1, 1, 55, 55]);
    expect(maxPool2d(x, { kernel: 3, stride: 2 }).shape).toEqual([1, 1, 27, 27]);
    const y = E.fromArray(rt, randomData(6 * 6, 2), [1, 1, 6, 6]);
    expect(maxPool2d(y, { kernel: 3, stride: 2 }).shape).toEqual([1, 1, 2, 2]);
    expect(maxPool2d(y, { kernel: 3, stride: 2, ceilMode: true }).shape).toEqual([1, 1, 3, 3]);
    expect(maxPool2d(y, { kernel: 2, stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 4, 4]);
    expect(() => maxPool2d(y, { kernel: 2, padding: 2 })).toThrow(/padding \[2, 2\] must be at most half the kernel/);
    expect(() => maxPool2d(E.fromArray(rt, [1, 2], [2]), { kernel: 2 })).toThrow(/x must have rank 4, got shape \[2\]/);
  });

  it('max pooling routes ties to the first maximum', async () => {
    const rt = await getRuntime();
    const x = requireGrad(E.fromArray(rt, [1, 5, 5, 2, 5, 0, 3, 1, 1], [1, 1, 3, 3]));
    const gx = tidy(() => {
      const y = maxPool2d(x, { kernel: 2, stride: 1 });
      backward(y, E.fromArray(rt, [1, 10, 100, 1000], [1, 1, 2, 2]));
      return x.grad!;
    });
    // windows: [1,5;2,5]→(0,1) [5,5;5,0]→(0,1) [2,5;3,1]→(1,1) [5,0;1,1]→(1,1)
    expect(Array.from(await gx.read())).toEqual([0, 11, 0, 0, 1100, 0, 0, 0, 0]);
    x.dispose();
  });

  it('local response normalisation (CNN-F parameters and others)', async () => {
    const rt = await getRuntime();
    const cases: [number[], number, number, number, number][] = [
      [[2, 17, 3, 5], 5, 1e-4, 0.75, 2], [[1, 1, 1, 1], 5, 1e-4, 0.75, 2], [[1, 8, 255], 3, 0.5, 0.6, 1], [[3, 1023], 4, 2, 0.75, 1.5],
    ];
    for (const [shape, n, a, b, k] of cases) {
      // Values large enough for the normaliser to matter with alpha = 1e-4.
      const x = randomData(size(shape), size(shape), a < 1e-3 ? -60 : -2, a < 1e-3 ? 60 : 2);
      const y = localResponseNorm(E.fromArray(rt, x, shape), { size: n, alpha: a, beta: b, k });
      const r = allClose(await y.read(), cpuLrn(cpu(x.map(Math.fround), shape), n, a, b, k).data, 1e-5, 1e-5);
      expect(r, `${shape} size ${n}`).toMatchObject({ ok: true });
    }
    expect(() => localResponseNorm(E.fromArray(rt, [1], [1]))).toThrow(/rank >= 2/);
  });

  it('local response normalisation backward (from the saved s^(−β−1)) vs the float64 gradient, odd sizes', async () => {
    const rt = await getRuntime();
    const cases: [number[], number, number, number, number][] = [
      [[2, 17, 3, 5], 5, 1e-4, 0.75, 2], [[1, 1, 1, 1], 5, 1e-4, 0.75, 2], [[1, 8, 255], 3, 0.5, 0.6, 1], [[3, 1023], 4, 2, 0.75, 1.5], [[5, 6, 1], 2, 1, 0.5, 1],
    ];
    for (const [shape, n, a, b, k] of cases) {
      const x = randomData(size(shape), 3 * size(shape), a < 1e-3 ? -60 : -2, a < 1e-3 ? 60 : 2).map(Math.fround);
      const g = randomData(size(shape), 7 + size(shape), -1, 1).map(Math.fround);
      const xt = requireGrad(E.fromArray(rt, x, shape));
      const gx = tidy(() => {
        backward(localResponseNorm(xt, { size: n, alpha: a, beta: b, k }), E.fromArray(rt, g, shape));
        return xt.grad!;
      });
      const want = cpuLrnBackward(cpu(x, shape), cpu(g, shape), n, a, b, k).data;
      const r = allClose(await gx.read(), want, 1e-5, 1e-4);
      expect(r, `${shape} size ${n}`).toMatchObject({ ok: true });
      xt.dispose();
    }
  });

  it('local response normalisation without a gradient saves nothing (inference path)', async () => {
    const rt = await getRuntime();
    const shape = [2, 17, 3];
    const x = randomData(size(shape), 5, -2, 2);
    const xt = requireGrad(E.fromArray(rt, x, shape));
    const y = noGrad(() => localResponseNorm(xt, { size: 5, alpha: 0.5, beta: 0.75, k: 1 }));
    expect(y.requiresGrad).toBe(false);
    const r = allClose(await y.read(), cpuLrn(cpu(x.map(Math.fround), shape), 5, 0.5, 0.75, 1).data, 1e-5, 1e-5);
    expect(r).toMatchObject({ ok: true });
    xt.dispose();
  });

  it('dropout: mask matches the hash exactly, is reproducible, keeps ≈ 1 − p', async () => {
    const rt = await getRuntime();
    for (const [n, p, seed] of [[1, 0.5, 3], [17, 0.1, 4], [1023, 0.5, 0xdeadbeef], [100000, 0.3, 12345]] as const) {
      const x = randomData(n, n, 0.5, 1.5).map(Math.fround);
      const y = await dropout(E.fromArray(rt, x, [n]), p, seed).read();
      const want = cpuDropout(cpu(x, [n]), p, seed).data;
      for (let i = 0; i < n; i++) expect((y[i] === 0) === (want[i] === 0), `element ${i}`).toBe(true);
      expect(allClose(y, want, 1e-6, 1e-6).ok).toBe(true);
      const again = await dropout(E.fromArray(rt, x, [n]), p, seed).read();
      expect(Array.from(again)).toEqual(Array.from(y));
      if (n === 100000) {
        const kept = y.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0) / n;
        expect(Math.abs(kept - (1 - p))).toBeLessThan(0.01);
        const other = await dropout(E.fromArray(rt, x, [n]), p, seed + 1).read();
        let same = 0;
        for (let i = 0; i < n; i++) if ((other[i] === 0) === (y[i] === 0)) same++;
        expect(same / n).toBeLessThan(0.7); // independent masks agree on ≈ p² + (1−p)² = 0.58
      }
    }
    expect(Array.from(await dropout(E.fromArray(rt, [1, 2], [2]), 0, 1).read())).toEqual([1, 2]);
    expect(() => dropout(E.fromArray(rt, [1], [1]), 1, 1)).toThrow(/p must be in \[0, 1\)/);
  });

  it('dropout backward applies the forward mask', async () => {
    const rt = await getRuntime();
    const n = 255, p = 0.4, seed = 77;
    const x = requireGrad(E.fromArray(rt, randomData(n, 1), [n]));
    const gdata = randomData(n, 2);
    const gx = tidy(() => {
      backward(dropout(x, p, seed), E.fromArray(rt, gdata, [n]));
      return x.grad!;
    });
    const got = await gx.read();
    const want = gdata.map((g, i) => (cpuDropoutKeep(i, p, seed) ? Math.fround(g) / (1 - p) : 0));
    expect(allClose(got, want, 1e-6, 1e-6).ok).toBe(true);
    x.dispose();
  });
});

describe('pooling, LRN and dropout gradients (finite differences)', () => {
  const GC: [number[], Pool2dOptions][] = [
    [[1, 2, 5, 5], { kernel: 3, stride: 2, padding: 1 }],
    [[2, 1, 6, 5], { kernel: [2, 3], stride: [2, 1], ceilMode: true }],
    [[1, 1, 7, 7], { kernel: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }],
  ];
  for (const kind of ['max', 'avg'] as const) {
    it(`gradcheck ${kind}Pool2d`, async () => {
      const rt = await getRuntime();
      for (const [shape, o] of GC) {
        const t = E.fromArray(rt, new Float32Array(size(shape)).fill(1), shape);
        const g = pool2dGeometry('test', t, o);
        const r = await gradcheck({
          rt,
          inputs: [{ shape, data: distinct(size(shape), size(shape)) }],
          gpu: (x) => (kind === 'max' ? maxPool2d : avgPool2d)(x, o),
          cpu: (x) => cpuPool2d(cpu(x, shape), kind, g).data,
        });
        expect(r.ok, `${shape} ${JSON.stringify(o)} ${JSON.stringify(r)}`).toBe(true);
      }
    });
  }
  it('gradcheck localResponseNorm', async () => {
    const rt = await getRuntime();
    for (const [shape, n, a, b, k] of [[[2, 7, 2, 3], 5, 0.5, 0.75, 2], [[1, 6, 4], 4, 1, 0.6, 1]] as [number[], number, number, number, number][]) {
      const r = await gradcheck({
        rt,
        inputs: [{ shape, data: randomData(size(shape), 9, -2, 2) }],
        gpu: (x) => localResponseNorm(x, { size: n, alpha: a, beta: b, k }),
        cpu: (x) => cpuLrn(cpu(x, shape), n, a, b, k).data,
      });
      expect(r.ok, `${shape} ${JSON.stringify(r)}`).toBe(true);
    }
  });
  it('gradcheck dropout', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [40], data: randomData(40, 3) }],
      gpu: (x) => dropout(x, 0.3, 99),
      cpu: (x) => cpuDropout(cpu(x, [40]), 0.3, 99).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
});
