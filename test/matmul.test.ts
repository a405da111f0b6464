import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { gemmSplit, linear, matmul, matmulRaw, textureLayout, type Activation } from '../src/ops/matmul.js';
import { REG_GEMM, SG_GEMM, TILED_GEMM, chooseSplitK, setGemmConfig, setSplitKPolicy, setTextureBPolicy, splitKPolicy, subgroupBlock, textureBPolicy, useTextureB, type GemmConfig, type SplitKPolicy } from '../src/ops/gemm-config.js';
import { cpuMatmul } from '../src/ops/cpu/matmul.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import { allClose, getRuntime, randomData, recordKernels } from './helpers.js';

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const ACTS: Activation[] = ['none', 'relu', 'tanh', 'sigmoid', 'scaledTanh', 'scaledRelu'];

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
      const cases: Case[] = [{ M: 1, N: 1, K: 1 }, { M: 17, N: 255, K: 3 }, { M: 255, N: 17, K: 33 }, { M: 5, N: 1023, K: 17 }, { M: 1023, N: 3, K: 9 }, { M: 33, N: 8, K: 21 }, { M: 7, N: 9, K: 1030 }];
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

// Split-K (a first pass of partial sums over k ranges, a second that adds them and applies the epilogue),
// forced on every shape: k ranges that are not multiples of the kernel's k block, a last split shorter
// than the others, transposes, batches, every epilogue. Buffers are NaN-poisoned (helpers.ts), so a
// partial or an output left unwritten fails.
for (const [name, cfg] of [['register-blocked with subgroups', SG_GEMM], ['register-blocked', REG_GEMM], ['workgroup-tiled', TILED_GEMM]] as [string, GemmConfig][]) {
  describe(`split-K matmul, ${name}, vs float64 CPU reference`, () => {
    const withSplit = async (maxSplits: number, minK: number, fn: () => Promise<void>) => {
      const rt = await getRuntime();
      setGemmConfig(rt, cfg);
      setSplitKPolicy(rt, { minWorkgroups: 1e9, minK, maxSplits });
      try { await fn(); } finally { setGemmConfig(rt, null); setSplitKPolicy(rt, null); }
    };
    it('odd sizes and all transposes, 2 to 7 splits', () => withSplit(7, 5, async () => {
      const cases: Case[] = [{ M: 1, N: 1, K: 11 }, { M: 3, N: 5, K: 1030 }, { M: 33, N: 17, K: 301 }, { M: 17, N: 70, K: 77 }];
      let s = 300;
      for (const c of cases) for (const tA of [false, true]) for (const tB of [false, true]) await check(c, tA, tB, 'none', false, s++);
    }));
    it('every epilogue after the sum, and batches', () => withSplit(3, 8, async () => {
      let s = 400;
      for (const act of ACTS) for (const bias of [false, true]) await check({ M: 9, N: 13, K: 131 }, false, true, act, bias, s++);
      await check({ M: 9, N: 11, K: 97, batch: 3 }, true, false, 'relu', true, s++);
      await check({ M: 9, N: 11, K: 97, batch: 2, bBatched: false }, false, false, 'tanh', true, s++);
      await check({ M: 5, N: 11, K: 97, batch: 2, aBatched: false }, true, true, 'none', false, s++);
    }));
    it('gradients through a split GEMM (finite differences)', () => withSplit(4, 4, async () => {
      const rt = await getRuntime();
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [3, 37], data: randomData(111, 500, -1, 1) }, { shape: [37, 4], data: randomData(148, 501, -1, 1) }, { shape: [4], data: randomData(4, 502, -1, 1) }],
        gpu: (a, b, bias) => matmul(a, b, { bias, activation: 'tanh' }),
        cpu: (a, b, bias) => cpuMatmul(a, [3, 37], b, [37, 4], { bias, activation: 'tanh' }),
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }));
  });
}

describe('split-K choice', () => {
  const cpu: SplitKPolicy = { minWorkgroups: 8, minK: 512, maxSplits: 16 };
  it('splits only few tiles over a long K, into whole k blocks', () => {
    expect(chooseSplitK(2, 4096, 8, cpu)).toEqual({ nsplit: 4, ksplit: 1024 });
    expect(chooseSplitK(8, 4096, 8, cpu)).toEqual({ nsplit: 1, ksplit: 4096 }); // enough workgroups already
    expect(chooseSplitK(1, 1000, 8, cpu)).toEqual({ nsplit: 1, ksplit: 1000 }); // K too short for two splits
    expect(chooseSplitK(1, 1030, 8, cpu)).toEqual({ nsplit: 2, ksplit: 520 });
    expect(chooseSplitK(1, 1 << 20, 16, cpu)).toEqual({ nsplit: 8, ksplit: 131072 }); // capped by minWorkgroups
    expect(chooseSplitK(1, 1 << 20, 16, { minWorkgroups: 1e9, minK: 1, maxSplits: 16 }).nsplit).toBe(16);
    // Every split but the last is whole blocks, and together they cover K exactly once.
    for (const [tiles, K, align] of [[1, 4097, 8], [3, 5000, 16], [1, 999, 1]] as const) {
      const { nsplit, ksplit } = chooseSplitK(tiles, K, align, { minWorkgroups: 64, minK: 100, maxSplits: 32 });
      expect(ksplit % align).toBe(0);
      expect((nsplit - 1) * ksplit < K && nsplit * ksplit >= K).toBe(true);
    }
  });
  it('per adapter, and never for convolutions, row biases or partials over the binding limit', async () => {
    const rt = await getRuntime();
    const p = splitKPolicy(rt);
    expect(p.minK).toBeGreaterThanOrEqual(256);
    const g = { M: 32, N: 10, K: 4096, batch: 1, sam: 4096, sak: 1, sbk: 1, sbn: 4096, batchA: 0, batchB: 0 };
    const ep = { bias: null, act: 'none' as const, alpha: 1 };
    setGemmConfig(rt, SG_GEMM);
    try {
      expect(gemmSplit(rt, g, SG_GEMM, ep).nsplit).toBeGreaterThan(1); // 2 workgroups for a 32×10 output
      expect(gemmSplit(rt, { ...g, N: 4096 }, SG_GEMM, ep).nsplit).toBe(1);
      expect(gemmSplit(rt, g, SG_GEMM, { ...ep, biasRows: true }).nsplit).toBe(1);
      const cv = { mode: 3 as const, aDiv: 1, aHi: 0, C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1, OH: 1, OW: 1 };
      expect(gemmSplit(rt, g, SG_GEMM, ep, cv).nsplit).toBe(1);
      setSplitKPolicy(rt, { minWorkgroups: 1e9, minK: 1, maxSplits: 1 << 20 });
      const huge = { ...g, M: 4096, N: 4096, K: 1 << 16 };
      expect(gemmSplit(rt, huge, SG_GEMM, ep).nsplit).toBe(1);
    } finally {
      setGemmConfig(rt, null);
      setSplitKPolicy(rt, null);
    }
    expect(() => setSplitKPolicy(rt, { minWorkgroups: 1, minK: 0, maxSplits: 2 })).toThrow(/minK/);
  });
});

describe('register-blocked tile per shape', () => {
  it('one column per invocation when N fits one workgroup (matrix-vector), the configured TN otherwise', async () => {
    const rt = await getRuntime();
    setGemmConfig(rt, SG_GEMM);
    try {
      const tns: number[] = [];
      const a = fromArray(rt, randomData(37 * 19, 600, -1, 1), [37, 19]);
      for (const n of [1, SG_GEMM.WG, SG_GEMM.WG + 1]) {
        const b = fromArray(rt, randomData(19 * n, 601, -1, 1), [19, n]);
        recordKernels(rt, () => matmulRaw(a, b).dispose(), (spec) => { tns.push(Number(spec.constants?.TN)); return spec.kernel; });
        b.dispose();
      }
      a.dispose();
      expect(tns).toEqual([1, 1, SG_GEMM.TN]);
    } finally {
      setGemmConfig(rt, null);
    }
    // Results on these shapes: the odd-size cases above (N = 1 and 3) run the one-column tile.
  });
});

describe('texture-B GEMM (B copied into a texture, gemm_tex) vs float64 CPU reference', () => {
  // Forced on for every shape whose B a copy can fill: B rows of N floats (N a multiple of 64) or, transposed,
  // of K floats (the KV layout). Each case also asserts the texture kernel ran (else it would test gemm_sg).
  const withTexture = async (fn: () => Promise<void>) => {
    const rt = await getRuntime();
    if (subgroupBlock(rt) === null) return; // gemm_tex needs the subgroup kernel's adapters
    setSplitKPolicy(rt, { minWorkgroups: 0, minK: 1, maxSplits: 1 });
    setTextureBPolicy(rt, { minMacs: 0, minN: 1 });
    try { await fn(); } finally { setTextureBPolicy(rt, null); setSplitKPolicy(rt, null); }
  };
  const ran = async (fn: () => Promise<void>): Promise<{ kernel: string; kv: unknown }[]> => {
    const rt = await getRuntime();
    const kernels: { kernel: string; kv: unknown }[] = [];
    const orig = rt.dispatch.bind(rt);
    rt.dispatch = (spec, ...rest) => { if (spec.kernel !== 'fill') kernels.push({ kernel: spec.kernel, kv: spec.constants?.KV }); orig(spec, ...rest); };
    try { await fn(); } finally { rt.dispatch = orig; }
    return kernels;
  };
  it('odd sizes: row-major B (N a multiple of 64, odd M and K) and transposed B (K a multiple of 64, odd M and N)', () => withTexture(async () => {
    const rowMajor: Case[] = [{ M: 1, N: 64, K: 1 }, { M: 17, N: 64, K: 3 }, { M: 255, N: 128, K: 33 }, { M: 5, N: 192, K: 17 }, { M: 7, N: 64, K: 1030 }];
    const transposed: Case[] = [{ M: 1, N: 1, K: 64 }, { M: 17, N: 255, K: 64 }, { M: 255, N: 17, K: 128 }, { M: 33, N: 3, K: 192 }, { M: 7, N: 9, K: 1024 }];
    let s = 700;
    const kernels = await ran(async () => {
      for (const tA of [false, true]) {
        for (const c of rowMajor) await check(c, tA, false, 'none', false, s++);
        for (const c of transposed) await check(c, tA, true, 'none', false, s++);
      }
    });
    expect(kernels.map((k) => k.kernel)).toEqual(Array(20).fill('gemm_tex'));
    expect(kernels.map((k) => k.kv)).toEqual([...Array(5).fill(false), ...Array(5).fill(true), ...Array(5).fill(false), ...Array(5).fill(true)]);
  }));
  it('every epilogue (bias + activation), batches, a shared b or a', () => withTexture(async () => {
    let s = 800;
    const kernels = await ran(async () => {
      // Each epilogue on both layouts, spread over the two bias settings (every pipeline compile costs ≈ 1 s here).
      for (const [i, act] of ACTS.entries()) {
        await check({ M: 19, N: 64, K: 23 }, false, false, act, i % 2 === 0, s++);
        await check({ M: 19, N: 37, K: 64 }, true, true, act, i % 2 === 1, s++);
      }
      for (const tA of [false, true]) {
        await check({ M: 17, N: 64, K: 13, batch: 3 }, tA, false, 'relu', true, s++);
        await check({ M: 17, N: 9, K: 64, batch: 3 }, tA, true, 'relu', true, s++);
        await check({ M: 17, N: 64, K: 13, batch: 3, bBatched: false }, tA, false, 'none', true, s++);
        await check({ M: 17, N: 9, K: 64, batch: 3, bBatched: false }, tA, true, 'none', true, s++);
        await check({ M: 5, N: 64, K: 97, batch: 2, aBatched: false }, tA, false, 'tanh', false, s++);
        await check({ M: 5, N: 11, K: 64, batch: 2, aBatched: false }, tA, true, 'tanh', false, s++);
      }
    });
    // A batched a against a shared non-transposed b is one tall GEMM; everything ran on the texture kernel.
    expect(new Set(kernels.map((k) => k.kernel))).toEqual(new Set(['gemm_tex']));
  }));
  it('GEMMs of one size share the scratch texture within a submit: each reads its own B', () => withTexture(async () => {
    const rt = await getRuntime();
    const [M, N, K] = [9, 64, 19];
    const a = randomData(M * K, 900), b1 = randomData(K * N, 901), b2 = randomData(K * N, 902);
    const [y1, y2] = tidy(() => {
      const at = fromArray(rt, a, [M, K]);
      return [matmulRaw(at, fromArray(rt, b1, [K, N])), matmulRaw(at, fromArray(rt, b2, [K, N]))];
    });
    const got1 = await y1.read(), got2 = await y2.read();
    y1.dispose(); y2.dispose();
    for (const [got, b] of [[got1, b1], [got2, b2]] as const) {
      const want = cpuMatmul(Float32Array.from(a), [M, K], Float32Array.from(b), [K, N]);
      expect(allClose(got, want, 1e-4, 1e-4)).toMatchObject({ ok: true });
    }
  }));
  it('gradients through texture-B GEMMs (finite differences; dX and dW take the texture too)', () => withTexture(async () => {
    const rt = await getRuntime();
    let kernels: { kernel: string; kv: unknown }[] = [];
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [3, 64], data: randomData(192, 950, -1, 1) }, { shape: [64, 64], data: randomData(4096, 951, -1, 1) }, { shape: [64], data: randomData(64, 952, -1, 1) }],
      gpu: (a, b, bias) => matmul(a, b, { bias, activation: 'tanh' }),
      cpu: (a, b, bias) => cpuMatmul(a, [3, 64], b, [64, 64], { bias, activation: 'tanh' }),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    kernels = await ran(async () => {
      // The backward's two products for x [3, 64] · W [64, 64]: dX = g·Wᵀ (KV layout) and dW = xᵀ·g.
      const a = fromArray(rt, randomData(192, 953), [3, 64]), b = fromArray(rt, randomData(4096, 954), [64, 64]);
      matmulRaw(a, b, { transB: true }).dispose();
      matmulRaw(a, a, { transA: true }).dispose();
      a.dispose(); b.dispose();
    });
    expect(kernels).toEqual([{ kernel: 'gemm_tex', kv: true }, { kernel: 'gemm_tex', kv: false }]);
  }));
  it('chosen for large GEMMs on CPU adapters with subgroups, for B layouts a copy can fill', async () => {
    const rt = await getRuntime();
    const p = { minMacs: 1 << 20, minN: 16 };
    expect(useTextureB(p, 512, 256, 256, 64, 256, 8192)).toBe(true);
    expect(useTextureB(p, 17, 64, 13, 16, 13, 8192)).toBe(false); // small
    expect(useTextureB(p, 4096, 8, 4096, 1024, 8, 8192)).toBe(false); // N < minN
    expect(useTextureB(p, 64, 256, 9000, 64, 9000, 8192)).toBe(false); // K rows over the limit
    expect(useTextureB(null, 512, 256, 256, 64, 256, 8192)).toBe(false);
    const g = { M: 8, N: 128, K: 64, batch: 1, sam: 64, sak: 1, sbk: 128, sbn: 1, batchA: 0, batchB: 0 };
    expect(textureLayout(g)).toEqual({ kv: false, width: 32, height: 64 });
    expect(textureLayout({ ...g, sbk: 1, sbn: 64 })).toEqual({ kv: true, width: 16, height: 128 });
    expect(textureLayout({ ...g, N: 100, sbk: 100 })).toBeNull(); // rows of 100 floats: no 256-byte pitch
    expect(textureLayout({ ...g, batch: 3, batchB: 128 * 64 })).toEqual({ kv: false, width: 32, height: 192 });
    expect(textureLayout({ ...g, batch: 3, batchB: 128 * 64 + 4 })).toBeNull();
    expect(textureBPolicy(rt) !== null).toBe(subgroupBlock(rt) !== null);
    setTextureBPolicy(rt, 'off');
    expect(textureBPolicy(rt)).toBeNull();
    setTextureBPolicy(rt, null);
    expect(() => setTextureBPolicy(rt, { minMacs: -1, minN: 1 })).toThrow(/minMacs/);
  });
});

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
    // N mod 4 = 0, 1, 2, 3: the kernel walks four columns per invocation, the last one the 1–3 left over.
    for (const [rows, N] of [[1, 1], [17, 3], [3, 255], [255, 17], [33, 1023], [5, 2], [7, 6], [9, 8], [2, 64], [4, 130]] as const) {
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
            case 'scaledRelu': return yv > 0 ? alpha * gv : 0;
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
    const kernels = recordKernels(rt, () => tidy(() => backward(y, fromArray(rt, randomData(15, 4), [3, 5]))));
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
