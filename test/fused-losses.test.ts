import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { pairwiseNllLoss } from '../src/ops/pairwise-nll.js';
import { squaredError } from '../src/ops/squared-error.js';
import { bceWithLogitsLoss } from '../src/ops/bce-logits.js';
import { cpuBceWithLogits, cpuPairwiseNll } from '../src/ops/cpu/pairwise-nll.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { getRuntime, randomData } from './helpers.js';

const bits01 = (n: number, seed: number): Float64Array => randomData(n, seed, 0, 1).map((v) => (v < 0.4 ? 1 : 0));

describe('fused pairwise NLL vs float64 CPU reference', () => {
  // Odd sizes; 129 × 1957 takes the partial-sum path with many parts (and columns not dividing them).
  const SIZES: [number, number][] = [[1, 1], [1, 17], [17, 255], [129, 1957], [3, 70001]];
  for (const weighted of [false, true]) {
    it(`forward ${weighted ? 'with' : 'without'} column weights on ${SIZES.map((s) => s.join('×')).join(', ')}`, async () => {
      const rt = await getRuntime();
      for (const [m, n] of SIZES) {
        const t = randomData(m * n, m + n, -30, 30); // large |θ|: the stable softplus matters
        const s = bits01(m * n, m * n);
        const w = weighted ? randomData(n, n + 1, 0.1, 2) : undefined;
        const want = cpuPairwiseNll(Float32Array.from(t), Float32Array.from(s), n, 0.5, w && Float32Array.from(w));
        const y = pairwiseNllLoss(E.fromArray(rt, t, [m, n]), E.fromArray(rt, s, [m, n]), { scale: 0.5, colWeights: w && E.fromArray(rt, w, [1, n]) });
        expect(y.shape).toEqual([]);
        const got = await y.item();
        expect(Math.abs(got - want), `${m}×${n}: got ${got} want ${want}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      }
    });
  }

  for (const weighted of [false, true]) {
    it(`gradcheck with respect to t and s ${weighted ? 'with' : 'without'} column weights`, async () => {
      const rt = await getRuntime();
      const [m, n] = [3, 7];
      const s = bits01(m * n, 4);
      const w = randomData(n, 5, 0.2, 2);
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [m, n], data: randomData(m * n, 6, -4, 4) }],
        gpu: (t) => pairwiseNllLoss(t, E.fromArray(rt, s, [m, n]), { scale: 0.5, colWeights: weighted ? E.fromArray(rt, w, [n]) : undefined }),
        cpu: (t) => [cpuPairwiseNll(t, s, n, 0.5, weighted ? w : undefined)],
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const t = randomData(m * n, 7, -4, 4);
      const r2 = await gradcheck({
        rt,
        inputs: [{ shape: [m, n], data: randomData(m * n, 8, 0, 1) }],
        gpu: (sv) => pairwiseNllLoss(E.fromArray(rt, t, [m, n]), sv, { scale: 0.5, colWeights: weighted ? E.fromArray(rt, w, [1, n]) : undefined }),
        cpu: (sv) => [cpuPairwiseNll(t, sv, n, 0.5, weighted ? w : undefined)],
      });
      expect(r2.ok, JSON.stringify(r2)).toBe(true);
    });
  }

  it('backward on a large odd matrix matches the closed form g·scale/count·w·(σ(θ) − s)', async () => {
    const rt = await getRuntime();
    const [m, n] = [129, 1957];
    const t = randomData(m * n, 9, -30, 30), s = bits01(m * n, 10), w = randomData(n, 11, 0.1, 2);
    const tt = requireGrad(E.fromArray(rt, t, [m, n]));
    backward(E.mulScalar(pairwiseNllLoss(tt, E.fromArray(rt, s, [m, n]), { scale: 0.5, colWeights: E.fromArray(rt, w, [n]) }), 3));
    const got = await tt.grad!.read();
    const coef = 3 * (0.5 / (m * n));
    let bad = -1;
    for (let e = 0; e < m * n && bad < 0; e++) {
      const th = 0.5 * Math.fround(t[e]!);
      const want = coef * Math.fround(w[e % n]!) * (1 / (1 + Math.exp(-th)) - s[e]!);
      // σ in f32 is off by an ulp (6e-8) near 1: an absolute part on top of the relative one.
      if (!(Math.abs(got[e]! - want) <= 1e-4 * Math.abs(want) + coef * 2 * 2e-7)) bad = e;
    }
    expect(bad, bad >= 0 ? `element ${bad}: got ${got[bad]}` : '').toBe(-1);
  });

  it('rejects bad arguments naming them', async () => {
    const rt = await getRuntime();
    const t = E.fromArray(rt, randomData(6, 1), [2, 3]);
    expect(() => pairwiseNllLoss(t, E.fromArray(rt, randomData(4, 2), [2, 2]))).toThrow(/pairwiseNllLoss.*s/);
    expect(() => pairwiseNllLoss(t, t, { colWeights: E.fromArray(rt, randomData(2, 3), [2]) })).toThrow(/pairwiseNllLoss: colWeights \[2\] must be \[3\] or \[1, 3\]/);
    expect(() => pairwiseNllLoss(t, t, { colWeights: requireGrad(E.fromArray(rt, randomData(3, 3), [3])) })).toThrow(/colWeights \[3\] requires a gradient/);
    expect(() => pairwiseNllLoss(E.fromArray(rt, randomData(6, 1), [6]), E.fromArray(rt, randomData(6, 1), [6]))).toThrow(/pairwiseNllLoss.*t/);
  });
});

describe('fused squared error vs float64 CPU reference', () => {
  const cpuSse = (a: ArrayLike<number>, b: ArrayLike<number>, scale: number): number => {
    let acc = 0;
    for (let i = 0; i < a.length; i++) acc += (a[i]! - b[i]!) ** 2;
    return scale * acc;
  };
  // Odd sizes; the last two take the partial-sum path (several parts, a second reduce pass).
  const SHAPES = [[1], [17], [255, 3], [129, 65], [3, 70001]];
  it(`forward, sum / mean / weighted, on ${SHAPES.map((s) => s.join('×')).join(', ')}`, async () => {
    const rt = await getRuntime();
    for (const shape of SHAPES) {
      const n = shape.reduce((p, d) => p * d, 1);
      const a = Float32Array.from(randomData(n, n, -3, 3)), b = Float32Array.from(randomData(n, n + 1, -3, 3));
      for (const scale of [1, 1 / n, 0.37]) {
        const y = squaredError(E.fromArray(rt, a, shape), E.fromArray(rt, b, shape), scale);
        expect(y.shape).toEqual([]);
        const got = await y.item(), want = cpuSse(a, b, scale);
        expect(Math.abs(got - want), `${shape} scale ${scale}: got ${got} want ${want}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('gradcheck with respect to a, b and both', async () => {
    const rt = await getRuntime();
    const shape = [3, 5];
    const fixed = randomData(15, 21, -2, 2);
    for (const which of ['a', 'b'] as const) {
      const r = await gradcheck({
        rt,
        inputs: [{ shape, data: randomData(15, 22, -2, 2) }],
        gpu: (x) => (which === 'a' ? squaredError(x, E.fromArray(rt, fixed, shape), 0.3) : squaredError(E.fromArray(rt, fixed, shape), x, 0.3)),
        cpu: (x) => [which === 'a' ? cpuSse(x, fixed, 0.3) : cpuSse(fixed, x, 0.3)],
      });
      expect(r.ok, `${which}: ${JSON.stringify(r)}`).toBe(true);
    }
    const r = await gradcheck({
      rt,
      inputs: [{ shape, data: randomData(15, 23, -2, 2) }, { shape, data: randomData(15, 24, -2, 2) }],
      gpu: (a, b) => squaredError(a, b, 1 / 15),
      cpu: (a, b) => [cpuSse(a, b, 1 / 15)],
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('backward on a large odd tensor: dL/da = 2·scale·g·(a − b), dL/db = −dL/da', async () => {
    const rt = await getRuntime();
    const shape = [3, 70001];
    const n = 3 * 70001;
    const a = Float32Array.from(randomData(n, 31, -3, 3)), b = Float32Array.from(randomData(n, 32, -3, 3));
    const at = requireGrad(E.fromArray(rt, a, shape)), bt = requireGrad(E.fromArray(rt, b, shape));
    backward(E.mulScalar(squaredError(at, bt, 1 / n), 3));
    const ga = await at.grad!.read(), gb = await bt.grad!.read();
    let bad = -1;
    for (let e = 0; e < n && bad < 0; e++) {
      const want = 3 * (2 / n) * (a[e]! - b[e]!);
      if (!(Math.abs(ga[e]! - want) <= 1e-5 * Math.abs(want) + 1e-12) || gb[e] !== -ga[e]!) bad = e;
    }
    expect(bad, bad >= 0 ? `element ${bad}: ${ga[bad]} / ${gb[bad]}` : '').toBe(-1);
  });

  it('rejects bad arguments naming them', async () => {
    const rt = await getRuntime();
    const a = E.fromArray(rt, randomData(6, 1), [2, 3]);
    expect(() => squaredError(a, E.fromArray(rt, randomData(6, 2), [3, 2]))).toThrow(/squaredError.*\[2, 3\].*\[3, 2\]|squaredError.*b/);
    expect(() => squaredError(a, a, Infinity)).toThrow(/squaredError: scale must be finite/);
  });
});

describe('fused logistic loss against a constant target (bceWithLogitsLoss) vs float64 CPU reference', () => {
  // Odd sizes; the last two take the partial-sum path (several parts, a second reduce pass).
  const SHAPES = [[1], [17, 1], [255, 3], [129, 65], [3, 70001]];
  it(`forward, targets 0 and 1, on ${SHAPES.map((s) => s.join('×')).join(', ')}`, async () => {
    const rt = await getRuntime();
    for (const shape of SHAPES) {
      const n = shape.reduce((p, d) => p * d, 1);
      const z = Float32Array.from(randomData(n, 5 * n, -40, 40)); // large |z|: the stable softplus matters
      for (const target of [0, 1] as const) {
        const y = bceWithLogitsLoss(E.fromArray(rt, z, shape), target);
        expect(y.shape).toEqual([]);
        const got = await y.item(), want = cpuBceWithLogits(z, target);
        expect(Math.abs(got - want), `${shape} target ${target}: got ${got} want ${want}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('gradcheck for both targets', async () => {
    const rt = await getRuntime();
    for (const target of [0, 1] as const) {
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [7, 3], data: randomData(21, 40 + target, -3, 3) }],
        gpu: (z) => bceWithLogitsLoss(z, target),
        cpu: (z) => [cpuBceWithLogits(z, target)],
      });
      expect(r.ok, `target ${target}: ${JSON.stringify(r)}`).toBe(true);
    }
  });

  it('backward on a large odd tensor: dL/dz = g·(σ(z) − target)/n, exact signs at |z| = 60', async () => {
    const rt = await getRuntime();
    const n = 3 * 70001;
    const z = Float32Array.from(randomData(n, 41, -60, 60));
    for (const target of [0, 1] as const) {
      const zt = requireGrad(E.fromArray(rt, z, [3, 70001]));
      backward(E.mulScalar(bceWithLogitsLoss(zt, target), 3));
      const g = await zt.grad!.read();
      let bad = -1;
      for (let e = 0; e < n && bad < 0; e++) {
        const want = (3 / n) * (1 / (1 + Math.exp(-z[e]!)) - target);
        if (!(Math.abs(g[e]! - want) <= 1e-5 * Math.abs(want) + 1e-12)) bad = e;
      }
      expect(bad, bad >= 0 ? `target ${target}, element ${bad}: ${g[bad]} for z ${z[bad]}` : '').toBe(-1);
      zt.dispose();
    }
  });

  it('rejects bad arguments naming them', async () => {
    const rt = await getRuntime();
    expect(() => bceWithLogitsLoss(E.fromArray(rt, new Float32Array(0), [0, 3]), 1)).toThrow(/bceWithLogitsLoss: z \[0, 3\] has no elements/);
    expect(() => bceWithLogitsLoss(E.fromArray(rt, [1], [1]), 2 as 0)).toThrow(/bceWithLogitsLoss: target must be 0 or 1/);
  });
});
