import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import * as R from '../src/ops/reduce.js';
import { CPU_BINARY, CPU_UNARY, cpu, cpuMax, cpuMean, cpuMin, cpuSum, cpuZip, cpuMap } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { allClose, getRuntime, ODD_SIZES, randomData, recordKernels } from './helpers.js';
import { UNARY_CASES } from './cases/unary-cases.js';


describe('elementwise kernels vs float64 CPU reference', () => {
  for (const c of UNARY_CASES) {
    it(`unary ${c.op} on sizes ${ODD_SIZES}`, async () => {
      const rt = await getRuntime();
      for (const n of ODD_SIZES) {
        const x = randomData(n, n * 31 + c.op.length, c.lo, c.hi);
        const got = await E.unaryRaw(c.op, E.fromArray(rt, x, [n]), c.alpha ?? 0, c.beta ?? 0).read();
        const want = Array.from(x, (v) => CPU_UNARY[c.op]!(Math.fround(v), c.alpha ?? 0, c.beta ?? 0));
        const r = allClose(got, want, 1e-6, 2e-5);
        expect(r, `${c.op} n=${n} worst at ${r.index}: got ${got[r.index]} want ${want[r.index]}`).toMatchObject({ ok: true });
      }
    });
  }

  it('binarize maps 0 to +1 and sign maps 0 to 0', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, [0, -0.5, 0.5, 0], [4]);
    expect(Array.from(await E.binarize(x).read())).toEqual([1, -1, 1, 1]);
    expect(Array.from(await E.sign(x).read())).toEqual([0, -1, 1, 0]);
  });

  const SHAPES: [number[], number[]][] = [
    [[17], [17]], [[255, 3], [255, 3]], [[7, 1, 5], [1, 4, 5]], [[3, 17], [17]], [[1], [2, 1023]], [[4, 1, 3, 2], [5, 1, 2]],
  ];
  for (const op of Object.keys(CPU_BINARY) as (keyof typeof CPU_BINARY)[]) {
    it(`binary ${op} with broadcasting`, async () => {
      const rt = await getRuntime();
      for (const [sa, sb] of SHAPES) {
        const a = cpu(randomData(sa.reduce((p, d) => p * d, 1), 5 + sa.length, -2, 2), sa);
        const b = cpu(randomData(sb.reduce((p, d) => p * d, 1), 9 + sb.length, 0.5, 2.5), sb);
        const want = cpuZip(cpuMap(a, Math.fround), cpuMap(b, Math.fround), CPU_BINARY[op]!);
        const y = E.binaryRaw(op as E.BinaryOp, E.fromArray(rt, a.data, sa), E.fromArray(rt, b.data, sb));
        expect(y.shape).toEqual(want.shape);
        const r = allClose(await y.read(), want.data, 1e-6, 1e-5);
        expect(r, `${op} ${sa} x ${sb}`).toMatchObject({ ok: true });
      }
    });
  }

  const RED: { shape: number[]; axes?: number[] }[] = [
    { shape: [1023] }, { shape: [17, 255], axes: [1] }, { shape: [17, 255], axes: [0] },
    { shape: [3, 5, 7, 2], axes: [0, 2] }, { shape: [3, 5, 7, 2], axes: [1, 3] }, { shape: [1, 1] },
  ];
  for (const kind of ['sum', 'mean', 'max', 'min'] as const) {
    it(`reduce ${kind} over axes`, async () => {
      const rt = await getRuntime();
      const ref = { sum: cpuSum, mean: cpuMean, max: cpuMax, min: cpuMin }[kind];
      for (const c of RED) {
        const x = cpu(randomData(c.shape.reduce((p, d) => p * d, 1), c.shape.length * 13, -1, 1), c.shape);
        const want = ref(cpuMap(x, Math.fround), c.axes, true);
        const got = R[kind](E.fromArray(rt, x.data, c.shape), c.axes, { keepDims: true });
        expect(got.shape).toEqual(want.shape);
        const r = allClose(await got.read(), want.data, 1e-5, 1e-5);
        expect(r, `${kind} ${c.shape} axes ${c.axes}`).toMatchObject({ ok: true });
      }
    });
  }

  // Sizes that take the two-stage path (partials per part, then a second pass), odd on every axis:
  // full, row, column, middle-axis and two-axis reductions, large enough that each output has many parts.
  const BIG: { shape: number[]; axes?: number[] }[] = [
    { shape: [129, 1957] }, { shape: [129, 1957], axes: [1] }, { shape: [1957, 65], axes: [0] },
    { shape: [7, 1023, 3], axes: [1] }, { shape: [33, 5, 255], axes: [0, 2] }, { shape: [3, 70001] },
  ];
  for (const kind of ['sum', 'mean', 'max', 'min'] as const) {
    it(`reduce ${kind} in two stages on large odd sizes`, async () => {
      const rt = await getRuntime();
      const ref = { sum: cpuSum, mean: cpuMean, max: cpuMax, min: cpuMin }[kind];
      for (const c of BIG) {
        const n = c.shape.reduce((p, d) => p * d, 1);
        const axes = c.axes ?? c.shape.map((_, i) => i);
        const nRed = axes.reduce((p, a) => p * c.shape[a]!, 1);
        expect(R.reduceChunks(n / nRed, nRed), `${c.shape} axes ${c.axes} must split`).toBeGreaterThan(1);
        const x = cpu(randomData(n, n % 97, -1, 1), c.shape);
        const want = ref(cpuMap(x, Math.fround), c.axes, false);
        const xt = E.fromArray(rt, x.data, c.shape);
        const got = R[kind](xt, c.axes);
        expect(got.shape).toEqual(want.shape);
        const g = await got.read();
        // f32 accumulation error grows with the number of summed terms.
        const r = allClose(g, want.data, kind === 'sum' ? 2e-7 * nRed : 1e-6, 1e-5);
        expect(r, `${kind} ${c.shape} axes ${c.axes} worst at ${r.index}: got ${g[r.index]} want ${want.data[r.index]}`).toMatchObject({ ok: true });
        // Deterministic: the same input reduces to the same bits.
        expect(Array.from(await R[kind](xt, c.axes).read())).toEqual(Array.from(g));
      }
    });
  }
});

describe('elementwise and reduction gradients (finite differences)', () => {
  const unaryGrad: [string, (t: Tensor) => Tensor, (v: number) => number, number, number][] = [
    ['neg', E.neg, (v) => -v, -2, 2],
    ['exp', E.exp, Math.exp, -2, 2],
    ['log', E.log, Math.log, 0.5, 3],
    ['sqrt', E.sqrt, Math.sqrt, 0.5, 3],
    ['tanh', E.tanh, Math.tanh, -2, 2],
    ['sigmoid', E.sigmoid, (v) => 1 / (1 + Math.exp(-v)), -3, 3],
    ['relu', E.relu, (v) => Math.max(v, 0), -2, 2],
    ['leakyRelu', (t) => E.leakyRelu(t, 0.2), (v) => (v > 0 ? v : 0.2 * v), -2, 2],
    ['clamp', (t) => E.clamp(t, -0.5, 0.5), (v) => Math.min(Math.max(v, -0.5), 0.5), -1, 1],
    ['abs', E.abs, Math.abs, -2, 2],
    ['square', E.square, (v) => v * v, -2, 2],
    ['affine', (t) => E.affine(t, -1.5, 0.25), (v) => -1.5 * v + 0.25, -2, 2],
    ['reciprocal', E.reciprocal, (v) => 1 / v, 0.5, 2],
    ['softplus', E.softplus, (v) => Math.log1p(Math.exp(v)), -3, 3],
    ['clone', E.clone, (v) => v, -2, 2],
  ];
  for (const [name, f, ref, lo, hi] of unaryGrad) {
    it(`gradcheck ${name}`, async () => {
      const rt = await getRuntime();
      const data = randomData(23, name.length * 7, lo, hi);
      // Keep kinks (relu, abs, clamp) away from the finite-difference window.
      for (let i = 0; i < data.length; i++) if (Math.abs(data[i]!) < 0.05 || Math.abs(Math.abs(data[i]!) - 0.5) < 0.05) data[i] = data[i]! + 0.2;
      const r = await gradcheck({ rt, inputs: [{ shape: [23], data }], gpu: f, cpu: (x) => x.map(ref) });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }

  const binGrad: [string, (a: Tensor, b: Tensor) => Tensor, (u: number, v: number) => number][] = [
    ['add', E.add, (u, v) => u + v], ['sub', E.sub, (u, v) => u - v], ['mul', E.mul, (u, v) => u * v],
    ['div', E.div, (u, v) => u / v], ['maximum', E.maximum, Math.max], ['minimum', E.minimum, Math.min],
    ['axpby', (a, b) => E.axpby(0.3, a, -2, b), (u, v) => 0.3 * u - 2 * v],
  ];
  for (const [name, f, ref] of binGrad) {
    it(`gradcheck ${name} with broadcasting`, async () => {
      const rt = await getRuntime();
      const sa = [3, 1, 4], sb = [5, 1];
      const r = await gradcheck({
        rt,
        inputs: [{ shape: sa, data: randomData(12, 1, -2, 2) }, { shape: sb, data: randomData(5, 2, 0.5, 2) }],
        gpu: f,
        cpu: (a, b) => cpuZip({ shape: sa, data: a }, { shape: sb, data: b }, ref).data,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }

  for (const kind of ['sum', 'mean', 'max', 'min'] as const) {
    it(`gradcheck ${kind}`, async () => {
      const rt = await getRuntime();
      const ref = { sum: cpuSum, mean: cpuMean, max: cpuMax, min: cpuMin }[kind];
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [4, 5, 3], data: randomData(60, 3, -2, 2) }],
        gpu: (x) => R[kind](x, [0, 2]),
        cpu: (x) => ref({ shape: [4, 5, 3], data: x }, [0, 2]).data,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }

  it('gradients accumulate across backward calls and zeroGrad frees them', async () => {
    const rt = await getRuntime();
    const { backward, requireGrad, zeroGrad } = await import('../src/autograd/tape.js');
    const x = requireGrad(E.fromArray(rt, [1, 2, 3], [3]));
    for (let k = 0; k < 2; k++) tidy(() => backward(R.sum(E.square(x))));
    expect(Array.from(await x.grad!.read())).toEqual([4, 8, 12]);
    const g = x.grad!;
    zeroGrad([x]);
    expect(g.isDisposed).toBe(true);
    x.dispose();
  });

  it('tanhOfProduct = tanh(alpha·a·b) vs float64 on odd sizes (large |alpha·a·b| saturates, no NaN), and its gradients', async () => {
    const rt = await getRuntime();
    for (const n of ODD_SIZES) {
      const a = randomData(n, n + 3, -2, 2), b = randomData(n, n + 4, 0, 3);
      const got = await E.tanhOfProduct(E.fromArray(rt, a, [n]), E.fromArray(rt, b, [n]), 40).read();
      const want = Array.from(a, (v, i) => Math.tanh(40 * Math.fround(v) * Math.fround(b[i]!)));
      const r = allClose(got, want, 1e-6, 1e-5);
      expect(r, `n=${n} worst ${r.index}`).toMatchObject({ ok: true });
    }
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [3, 7], data: randomData(21, 5, -1, 1) }, { shape: [3, 7], data: randomData(21, 6, 0, 2) }],
      gpu: (a, b) => E.tanhOfProduct(a, b, 1.7),
      cpu: (a, b) => Array.from(a, (v, i) => Math.tanh(1.7 * v * b[i]!)),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(() => E.tanhOfProduct(E.fromArray(rt, [1, 2], [2]), E.fromArray(rt, [1, 2, 3], [3]), 1)).toThrow(/tanhOfProduct: a \[2\] and b \[3\]/);
  });

  it('a leaf takes its first gradient without a copy dispatch, as its own tensor; a given gradOutput is copied', async () => {
    const rt = await getRuntime();
    const { backward, requireGrad, zeroGrad } = await import('../src/autograd/tape.js');
    const a = requireGrad(E.fromArray(rt, [1, 2, 3], [3]));
    const b = requireGrad(E.fromArray(rt, [4, 5, 6], [3]));
    // add's backward hands the same gradient tensor to both leaves.
    const kernels = recordKernels(rt, () => tidy(() => backward(R.sum(E.add(a, b)))), (spec) => `${spec.kernel}${spec.constants?.OP ?? ''}`);
    // Forward add + sum, backward: the seed is a fill, sum's backward broadcasts (binary 'second'); no unary copy (op 0).
    expect(kernels.filter((k) => k === 'unary0')).toEqual([]);
    expect(a.grad).not.toBe(b.grad);
    zeroGrad([a]);
    expect(Array.from(await b.grad!.read())).toEqual([1, 1, 1]);
    // The caller's gradOutput may be changed by the caller afterwards: the leaf gets a copy.
    const gOut = E.fromArray(rt, [7, 8, 9], [3]);
    tidy(() => backward(a, gOut));
    rt.write(gOut.buffer, new Float32Array([0, 0, 0]));
    expect(Array.from(await a.grad!.read())).toEqual([7, 8, 9]);
    for (const t of [a, b, gOut]) t.dispose();
  });
});
