import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { linear, matmul, matmulRaw, type Activation } from '../src/ops/matmul.js';
import { REG_GEMM, SG_GEMM, TILED_GEMM, setGemmConfig, type GemmConfig } from '../src/ops/gemm-config.js';
import { cpuMatmul } from '../src/ops/cpu/matmul.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import { allClose, getRuntime, randomData } from './helpers.js';

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const ACTS: Activation[] = ['none', 'relu', 'tanh', 'sigmoid', 'scaledTanh'];

interface Case { M: number; N: number; K: number; batch?: number; bBatched?: boolean; aBatched?: boolean }

async function check(c: Case, transA: boolean, transB: boolean, act: Activation, withBias: boolean, seed: number): Promise<void> {
  const rt = await getRuntime();
  const aBatched = c.aBatched ?? c.batch !== undefined;
  const bBatched = c.bBatched ?? c.batch !== undefined;
  const a2 = transA ? [c.K, c.M] : [c.M, c.K];
  const b2 = transB ? [c.N, c.K] : [c.K, c.N];
  const aShape = aBatched ? [c.batch!, ...a2] : a2;
  const bShape = bBatched ? [c.batch!, ...b2] : b2;
  const a = randomData(size(aShape), seed, -1, 1);
  const b = randomData(size(bShape), seed + 1, -1, 1);
  const bias = withBias ? randomData(c.N, seed + 2, -1, 1) : undefined;
  const alpha = 0.7;
  const got = await tidy(() =>
    matmul(fromArray(rt, a, aShape), fromArray(rt, b, bShape), {
      transA, transB, activation: act, alpha, bias: bias ? fromArray(rt, bias, [c.N]) : undefined,
    }),
  ).read();
  const want = cpuMatmul(Float32Array.from(a), aShape, Float32Array.from(b), bShape, {
    transA, transB, activation: act, alpha, bias: bias ? Float32Array.from(bias) : undefined,
  });
  const tol = 1e-5 * Math.sqrt(c.K) + 1e-5;
  const r = allClose(got, want, tol, 1e-4);
  expect(r, `${JSON.stringify(c)} tA=${transA} tB=${transB} ${act} bias=${withBias}: worst ${r.index} got ${got[r.index]} want ${want[r.index]}`).toMatchObject({ ok: true });
}

for (const [name, cfg] of [['register-blocked with subgroups (CPU adapters)', SG_GEMM], ['register-blocked (no subgroups)', REG_GEMM], ['workgroup-tiled (GPUs)', TILED_GEMM]] as [string, GemmConfig][]) {
  describe(`matmul ${name} vs float64 CPU reference`, () => {
    const withCfg = async (fn: () => Promise<void>) => {
      const rt = await getRuntime();
      setGemmConfig(rt, cfg);
      try { await fn(); } finally { setGemmConfig(rt, null); }
    };
    it('odd sizes, all transpose combinations', () => withCfg(async () => {
      const cases: Case[] = [{ M: 1, N: 1, K: 1 }, { M: 17, N: 255, K: 3 }, { M: 255, N: 17, K: 33 }, { M: 5, N: 1023, K: 17 }, { M: 1023, N: 3, K: 9 }, { M: 7, N: 9, K: 1030 }];
      let s = 1;
      for (const c of cases) for (const tA of [false, true]) for (const tB of [false, true]) await check(c, tA, tB, 'none', false, s++);
    }));
    it('every epilogue (bias + activation)', () => withCfg(async () => {
      let s = 100;
      for (const act of ACTS) for (const bias of [false, true]) await check({ M: 19, N: 37, K: 23 }, false, false, act, bias, s++);
    }));
    it('batched, and a batched a against a shared b', () => withCfg(async () => {
      let s = 200;
      for (const tA of [false, true]) for (const tB of [false, true]) {
        await check({ M: 17, N: 9, K: 13, batch: 3 }, tA, tB, 'relu', true, s++);
        await check({ M: 17, N: 9, K: 13, batch: 3, bBatched: false }, tA, tB, 'none', true, s++);
        await check({ M: 5, N: 9, K: 13, batch: 2, aBatched: false }, tA, tB, 'tanh', false, s++);
      }
    }));
  });
}

describe('matmul validation', () => {
  it('names both shapes when inner dimensions differ', async () => {
    const rt = await getRuntime();
    const a = fromArray(rt, randomData(6, 1), [2, 3]);
    const b = fromArray(rt, randomData(8, 2), [4, 2]);
    expect(() => matmul(a, b)).toThrow(/a \[2, 3\].*K=3.*b \[4, 2\].*K=4/);
    expect(() => matmul(a, b, { transA: true })).toThrow(/inner dimensions differ: a \[2, 3\] \(transposed\) has K=2, b \[4, 2\] has K=4/);
    expect(() => matmul(a, fromArray(rt, randomData(6, 3), [3, 2]), { bias: fromArray(rt, [1, 2, 3], [3]) })).toThrow(/bias \[3\]/);
    expect(() => matmul(fromArray(rt, randomData(12, 1), [2, 2, 3]), fromArray(rt, randomData(18, 1), [3, 3, 2]))).toThrow(/batch sizes differ/);
    expect(() => linear(a, fromArray(rt, randomData(8, 2), [4, 2]))).toThrow(/linear: x \[2, 3\] has 3 features, w \[4, 2\]/);
  });
});

describe('matmul gradients (finite differences)', () => {
  for (const tA of [false, true]) for (const tB of [false, true]) {
    it(`gradcheck transA=${tA} transB=${tB} with bias and tanh`, async () => {
      const rt = await getRuntime();
      const M = 3, K = 4, N = 5;
      const aS = tA ? [K, M] : [M, K], bS = tB ? [N, K] : [K, N];
      const r = await gradcheck({
        rt,
        inputs: [{ shape: aS, data: randomData(M * K, 11, -1, 1) }, { shape: bS, data: randomData(K * N, 12, -1, 1) }, { shape: [N], data: randomData(N, 13, -1, 1) }],
        gpu: (a, b, bias) => matmul(a, b, { transA: tA, transB: tB, bias, activation: 'tanh' }),
        cpu: (a, b, bias) => cpuMatmul(a, aS, b, bS, { transA: tA, transB: tB, bias, activation: 'tanh' }),
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }
  for (const act of ACTS) {
    it(`gradcheck through activation ${act}`, async () => {
      const rt = await getRuntime();
      const a = randomData(12, 21, -1, 1), b = randomData(20, 22, -1, 1), bias = randomData(5, 23, -1, 1);
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [3, 4], data: a }, { shape: [4, 5], data: b }, { shape: [5], data: bias }],
        gpu: (x, y, z) => matmul(x, y, { bias: z, activation: act, alpha: 1.3 }),
        cpu: (x, y, z) => cpuMatmul(x, [3, 4], y, [4, 5], { bias: z, activation: act, alpha: 1.3 }),
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }
  for (const [name, aS, bS] of [['batched', [2, 3, 4], [2, 4, 5]], ['batched a, shared b', [2, 3, 4], [4, 5]], ['shared a, batched b', [3, 4], [2, 4, 5]]] as [string, number[], number[]][]) {
    for (const tA of [false, true]) {
      it(`gradcheck ${name} transA=${tA}`, async () => {
        const rt = await getRuntime();
        const aShape = tA ? [...aS.slice(0, -2), aS[aS.length - 1]!, aS[aS.length - 2]!] : aS;
        const r = await gradcheck({
          rt,
          inputs: [{ shape: aShape, data: randomData(size(aS), 31, -1, 1) }, { shape: bS, data: randomData(size(bS), 32, -1, 1) }, { shape: [5], data: randomData(5, 33, -1, 1) }],
          gpu: (a, b, bias) => matmul(a, b, { transA: tA, bias, activation: 'sigmoid' }),
          cpu: (a, b, bias) => cpuMatmul(a, aShape, b, bS, { transA: tA, bias, activation: 'sigmoid' }),
        });
        expect(r.ok, JSON.stringify(r)).toBe(true);
      });
    }
  }
  it('gradcheck batched a against a shared transposed b', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [2, 3, 4], data: randomData(24, 35, -1, 1) }, { shape: [5, 4], data: randomData(20, 36, -1, 1) }],
      gpu: (a, b) => matmul(a, b, { transB: true, activation: 'relu' }),
      cpu: (a, b) => cpuMatmul(a, [2, 3, 4], b, [5, 4], { transB: true, activation: 'relu' }),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('gradcheck linear', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [4, 6], data: randomData(24, 41) }, { shape: [6, 3], data: randomData(18, 42) }, { shape: [3], data: randomData(3, 43) }],
      gpu: (x, w, b) => linear(x, w, b, 'relu'),
      cpu: (x, w, b) => cpuMatmul(x, [4, 6], w, [6, 3], { bias: b, activation: 'relu' }),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('epilogueBackward (activation derivative + bias gradient, one pass) vs float64 on odd sizes', async () => {
    const rt = await getRuntime();
    const { epilogueBackward } = await import('../src/ops/matmul.js');
    const { cpuActivate } = await import('../src/ops/cpu/matmul.js');
    const alpha = 1.7;
    for (const [rows, N] of [[1, 1], [17, 3], [3, 255], [255, 17], [33, 1023]] as const) {
      for (const act of ACTS) {
        // y is an activation output (relu's has zeros, sigmoid's lies in (0, 1), tanh's in (-1, 1)).
        const y = randomData(rows * N, rows + N, -3, 3).map((v) => Math.fround(cpuActivate(act, v, alpha)));
        const g = randomData(rows * N, rows * N + 1, -1, 1).map(Math.fround);
        const d = (yv: number, gv: number): number => {
          switch (act) {
            case 'relu': return yv > 0 ? gv : 0;
            case 'tanh': return gv * (1 - yv * yv);
            case 'sigmoid': return gv * yv * (1 - yv);
            case 'scaledTanh': return alpha * gv * (1 - yv * yv);
            default: return gv;
          }
        };
        const gzWant = Array.from(y, (v, i) => d(v, g[i]!));
        const gbWant = Array.from({ length: N }, (_, n) => { let t = 0; for (let r = 0; r < rows; r++) t += gzWant[r * N + n]!; return t; });
        for (const wantBias of [false, true]) {
          const out = epilogueBackward(act, fromArray(rt, y, [rows, N]), fromArray(rt, g, [rows, N]), alpha, wantBias);
          const rz = allClose(await out.gz.read(), gzWant, 1e-6, 1e-5);
          expect(rz, `gz ${act} [${rows}, ${N}] worst ${rz.index}`).toMatchObject({ ok: true });
          if (!wantBias) { expect(out.gbias).toBeNull(); continue; }
          const rb = allClose(await out.gbias!.read(), gbWant, 1e-5, 1e-4);
          expect(rb, `gbias ${act} [${rows}, ${N}] worst ${rb.index}`).toMatchObject({ ok: true });
        }
      }
    }
  });
  it("linear's backward: the activation derivative and the bias gradient take one dispatch, next to the two GEMMs", async () => {
    const rt = await getRuntime();
    const { backward, requireGrad } = await import('../src/autograd/tape.js');
    const x = requireGrad(fromArray(rt, randomData(21, 1), [3, 7]));
    const w = requireGrad(fromArray(rt, randomData(35, 2), [7, 5]));
    const b = requireGrad(fromArray(rt, randomData(5, 3), [5]));
    const y = linear(x, w, b, 'scaledTanh', 2);
    const kernels: string[] = [];
    const orig = rt.dispatch.bind(rt);
    rt.dispatch = (spec, ...rest) => {
      if (spec.kernel !== 'fill') kernels.push(spec.kernel);
      orig(spec, ...rest);
    };
    try {
      tidy(() => backward(y, fromArray(rt, randomData(15, 4), [3, 5])));
    } finally {
      rt.dispatch = orig;
    }
    expect(kernels.filter((k) => !k.startsWith('gemm'))).toEqual(['bias_act_backward']);
    expect(kernels.filter((k) => k.startsWith('gemm')).length).toBe(2);
    for (const t of [x, w, b, y]) t.dispose();
  });
  it('matmulRaw records nothing on the tape', async () => {
    const rt = await getRuntime();
    const { requireGrad } = await import('../src/autograd/tape.js');
    const a = requireGrad(fromArray(rt, randomData(4, 1), [2, 2]));
    const y = matmulRaw(a, a);
    expect(y.node).toBeNull();
    expect(matmul(a, a).node?.op).toBe('matmul');
  });
});
