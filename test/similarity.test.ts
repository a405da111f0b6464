import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { adaptiveWeightFusion, betaMix, cosineSimilarity, gram, jointSimilarity, l2Normalize } from '../src/ops/similarity.js';
import { adaptiveWeightFusionCpu, cosineSimilarityCpu, gramCpu, jointSimilarityCpu, l2NormalizeCpu } from '../src/ops/cpu/similarity.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { ShapeError } from '../src/runtime/errors.js';
import { allClose, getRuntime, ODD_SIZES, randomData, recordKernels } from './helpers.js';
import { tidy } from '../src/tensor/scope.js';

const f32 = (x: Float64Array): Float64Array => x.map(Math.fround);

describe('similarity kernels vs float64 CPU reference', () => {
  it('l2Normalize rows, a zero row stays zero', async () => {
    const rt = await getRuntime();
    for (const [m, d] of [[1, 1], [17, 5], [255, 33], [1023, 7]] as const) {
      const x = randomData(m * d, m + d, -2, 2);
      if (m > 1) x.fill(0, d, 2 * d);
      const got = await l2Normalize(fromArray(rt, x, [m, d])).read();
      const r = allClose(got, l2NormalizeCpu(f32(x), m, d), 1e-6, 1e-5);
      expect(r, `[${m}, ${d}] worst ${r.index}`).toMatchObject({ ok: true });
    }
  });

  const PAIRS: [number, number, number][] = [[1, 1, 1], [17, 255, 9], [33, 17, 130], [1023, 5, 3], [6, 1023, 17]];
  it(`cosineSimilarity and gram on odd shapes (sizes ${ODD_SIZES})`, async () => {
    const rt = await getRuntime();
    for (const [m, n, d] of PAIRS) {
      const a = randomData(m * d, m * 3 + d, -1, 1), b = randomData(n * d, n * 5 + d, -1, 1);
      const ta = fromArray(rt, a, [m, d]), tb = fromArray(rt, b, [n, d]);
      const cos = cosineSimilarity(ta, tb), g = gram(ta, tb);
      expect(cos.shape).toEqual([m, n]);
      const rc = allClose(await cos.read(), cosineSimilarityCpu(f32(a), f32(b), m, n, d), 1e-5, 1e-4);
      expect(rc, `cos ${m}x${n}x${d} worst ${rc.index}`).toMatchObject({ ok: true });
      const rg = allClose(await g.read(), gramCpu(f32(a), f32(b), m, n, d), 1e-4, 1e-4);
      expect(rg, `gram ${m}x${n}x${d} worst ${rg.index}`).toMatchObject({ ok: true });
    }
  });

  it('jointSimilarity = mu((1-eta)S + eta S S^T / m)', async () => {
    const rt = await getRuntime();
    for (const m of [1, 17, 130]) {
      const s = randomData(m * m, m, -1, 1);
      const got = await jointSimilarity(fromArray(rt, s, [m, m]), { eta: 0.4, mu: 1.5 }).read();
      const r = allClose(got, jointSimilarityCpu(f32(s), m, 0.4, 1.5), 1e-5, 1e-4);
      expect(r, `m=${m} worst ${r.index}`).toMatchObject({ ok: true });
    }
  });

  it('adaptive-weight fusion matches Algorithm 1 (and Eq. 5) computed on the CPU', async () => {
    const rt = await getRuntime();
    for (const m of [1, 17, 255]) {
      // Batch similarities as in training: cosines of non-negative features (positive row means).
      const fi = randomData(m * 12, m, 0, 1), ft = randomData(m * 30, m + 1, 0, 1);
      const sI = cosineSimilarityCpu(fi, fi, m, m, 12), sT = cosineSimilarityCpu(ft, ft, m, m, 30);
      for (const variant of ['alg1', 'eq5'] as const) {
        const got = await adaptiveWeightFusion(fromArray(rt, sI, [m, m]), fromArray(rt, sT, [m, m]), { variant }).read();
        const want = adaptiveWeightFusionCpu(f32(sI), f32(sT), m, variant);
        const r = allClose(got, want, 1e-5, 1e-4);
        expect(r, `${variant} m=${m} worst ${r.index}: ${got[r.index]} vs ${want[r.index]}`).toMatchObject({ ok: true });
      }
    }
    // The default is Eq. 5, and the two variants differ.
    const m = 9;
    const sI = randomData(m * m, 1, 0.1, 1), sT = randomData(m * m, 2, 0.1, 1);
    const dflt = await adaptiveWeightFusion(fromArray(rt, sI, [m, m]), fromArray(rt, sT, [m, m])).read();
    expect(allClose(dflt, adaptiveWeightFusionCpu(f32(sI), f32(sT), m, 'eq5')).ok).toBe(true);
    expect(allClose(dflt, adaptiveWeightFusionCpu(f32(sI), f32(sT), m, 'alg1')).ok).toBe(false);
  });

  it('betaMix', async () => {
    const rt = await getRuntime();
    const a = randomData(17 * 17, 3), b = randomData(17 * 17, 4);
    const got = await betaMix(fromArray(rt, a, [17, 17]), fromArray(rt, b, [17, 17]), 0.6).read();
    expect(allClose(got, f32(a).map((v, i) => 0.6 * v + 0.4 * Math.fround(b[i]!)), 1e-6, 1e-5).ok).toBe(true);
    // A [rows, n] tile (UMHA's affinity), both modalities rescaled.
    const c = randomData(5 * 17, 5), d = randomData(5 * 17, 6);
    const tile = await betaMix(fromArray(rt, c, [5, 17]), fromArray(rt, d, [5, 17]), 0.25, [true, true]).read();
    expect(allClose(tile, f32(c).map((v, i) => 0.25 * (2 * v - 1) + 0.75 * (2 * Math.fround(d[i]!) - 1)), 1e-6, 1e-5).ok).toBe(true);
  });

  it('betaMix and adaptive-weight fusion with the 2s − 1 rescale per modality and an overall scale, in one pass', async () => {
    const rt = await getRuntime();
    const r2 = (s: Float64Array | number[], on: boolean): number[] => Array.from(s, (v) => (on ? 2 * v - 1 : v));
    for (const m of [1, 17, 130]) {
      const fi = randomData(m * 12, m + 5, 0, 1), ft = randomData(m * 30, m + 6, 0, 1);
      const sI = f32(cosineSimilarityCpu(fi, fi, m, m, 12)), sT = f32(cosineSimilarityCpu(ft, ft, m, m, 30));
      for (const rescale of [[false, true], [true, false], [true, true]] as [boolean, boolean][]) {
        const [vI, vT] = [r2(sI, rescale[0]), r2(sT, rescale[1])];
        const mixKernels: string[] = [];
        const mix = await tidy(() => {
          let out!: ReturnType<typeof betaMix>;
          mixKernels.push(...recordKernels(rt, () => { out = betaMix(fromArray(rt, sI, [m, m]), fromArray(rt, sT, [m, m]), 0.3, rescale); }));
          return out;
        }).read();
        expect(mixKernels).toEqual(['awf_fuse']);
        const rm = allClose(mix, vI.map((v, i) => 0.3 * v + 0.7 * vT[i]!), 1e-6, 1e-5);
        expect(rm, `betaMix m=${m} ${rescale} worst ${rm.index}`).toMatchObject({ ok: true });
        for (const variant of ['alg1', 'eq5'] as const) {
          const got = await adaptiveWeightFusion(fromArray(rt, sI, [m, m]), fromArray(rt, sT, [m, m]), { variant, rescale, scale: 0.5 }).read();
          const want = adaptiveWeightFusionCpu(sI, sT, m, variant, [vI, vT]).map((v) => 0.5 * v);
          const r = allClose(got, want, 1e-5, 1e-4);
          expect(r, `${variant} m=${m} ${rescale} worst ${r.index}: ${got[r.index]} vs ${want[r.index]}`).toMatchObject({ ok: true });
        }
      }
    }
  });

  it('rejects bad shapes naming the argument', async () => {
    const rt = await getRuntime();
    const a = fromArray(rt, randomData(6, 1), [2, 3]), b = fromArray(rt, randomData(8, 2), [2, 4]);
    expect(() => cosineSimilarity(a, b)).toThrow(/cosineSimilarity: a \[2, 3\] and b \[2, 4\] must have the same number of columns/);
    expect(() => jointSimilarity(a)).toThrow(/sTilde must be square/);
    expect(() => adaptiveWeightFusion(a, a)).toThrow(ShapeError);
    expect(() => l2Normalize(fromArray(rt, randomData(6, 1), [6]))).toThrow(/rank 2/);
  });
});

describe('similarity gradients (finite differences)', () => {
  it('gradcheck l2Normalize', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt, inputs: [{ shape: [5, 7], data: randomData(35, 1, -1, 1) }],
      gpu: (x) => l2Normalize(x), cpu: (x) => l2NormalizeCpu(x, 5, 7),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('gradcheck cosineSimilarity to both inputs', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt, inputs: [{ shape: [5, 6], data: randomData(30, 2, -1, 1) }, { shape: [7, 6], data: randomData(42, 3, -1, 1) }],
      gpu: (a, b) => cosineSimilarity(a, b), cpu: (a, b) => cosineSimilarityCpu(a, b, 5, 7, 6),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('gradcheck cosineSimilarity of a matrix with itself', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt, inputs: [{ shape: [6, 4], data: randomData(24, 5, -1, 1) }],
      gpu: (a) => cosineSimilarity(a, a), cpu: (a) => cosineSimilarityCpu(a, a, 6, 6, 4),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('gradcheck gram to both inputs', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt, inputs: [{ shape: [5, 9], data: randomData(45, 6, -1, 1) }, { shape: [3, 9], data: randomData(27, 7, -1, 1) }],
      gpu: (a, b) => gram(a, b), cpu: (a, b) => gramCpu(a, b, 5, 3, 9),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
});
