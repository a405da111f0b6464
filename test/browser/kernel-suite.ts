/**
 * The kernel-correctness suite that runs inside a real browser page (test/browser.test.ts). Each kernel
 * family is one entry of FAMILIES: cases run ops from the library bundle (imported through
 * src/index.ts, which the bundler maps to ./cmhash.js) on fresh random data and return checks against
 * the same float64 CPU references the Node tests use (src/ops/cpu). Sizes are small: SwiftShader is slow.
 *
 * Adding a family = adding one `{ family, cases }` entry to FAMILIES.
 */
import * as cm from '../../src/index.js';
import { CPU_BINARY, CPU_UNARY, cpu, cpuMap, cpuMax, cpuMean, cpuMin, cpuSum, cpuZip, type CpuArray } from '../../src/ops/cpu/array.js';
import { hammingCpu, packBitsCpu, rankCpu, topKCpu, unpackBitsCpu } from '../../src/ops/cpu/hashing.js';
import { cpuConv2d, cpuConv2dBackwardData, cpuConv2dBackwardFilter, cpuConvOutSize, type CpuConvOptions } from '../../src/ops/cpu/conv.js';
import { imageNormalizeCpu } from '../../src/ops/cpu/image.js';
import { cpuConcat, cpuGather, cpuPermute, cpuSlice } from '../../src/ops/cpu/layout.js';
import { cpuMatmul, type CpuActivation } from '../../src/ops/cpu/matmul.js';
import { cpuDropout, cpuLrn, cpuPool2d } from '../../src/ops/cpu/pool.js';
import { cpuAdamStep, cpuSgdStep } from '../../src/ops/cpu/optim.js';
import { adaptiveWeightFusionCpu, cosineReconstructionCpu, cosineSimilarityCpu, gramCpu, jointSimilarityCpu, l2NormalizeCpu } from '../../src/ops/cpu/similarity.js';
import { cpuSoftmax } from '../../src/ops/cpu/softmax.js';
import { cpuMultiHeadAttentionCore } from '../../src/ops/cpu/attention.js';
import type { Check, Tolerance, ValueCheck } from './compare.js';
import { UNARY_CASES as UNARY } from '../cases/unary-cases.js';

export interface KernelCase {
  name: string;
  run(rt: cm.Runtime): Promise<Check[]>;
}

export interface KernelFamily {
  family: string;
  cases: KernelCase[];
}

/** Sizes that are not multiples of any tile (the same as the Node tests' ODD_SIZES). */
export const SIZES = [1, 17, 255, 1023];

const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Fresh random data in [lo, hi), never all zeros; f32-rounded so CPU and GPU see the same inputs. */
export function random(shape: readonly number[], seed: number, lo = -1, hi = 1): CpuArray {
  const r = new cm.Rng(seed);
  return cpu(Array.from({ length: prod(shape) }, () => Math.fround(r.uniform(lo, hi))), shape);
}

const upload = (rt: cm.Runtime, x: CpuArray): cm.Tensor => cm.fromArray(rt, x.data, x.shape);

/** Read a result back and pair it with its reference. */
async function check(label: string, y: cm.Tensor, want: CpuArray, tol: Tolerance): Promise<ValueCheck> {
  const got = Array.from(await y.read());
  return { label, got, want: Array.from(want.data), tol, gotShape: [...y.shape], wantShape: want.shape };
}

/** Run the GPU side in a tidy scope (its inputs are freed), read the result, free it, pair it with `want`. */
async function gpuCheck(label: string, fn: () => cm.Tensor, want: CpuArray, tol: Tolerance): Promise<ValueCheck> {
  const y = cm.tidy(fn);
  try {
    return await check(label, y, want, tol);
  } finally {
    y.dispose();
  }
}

/** Run a case body and fail it when it leaves tensors alive (each case disposes what it creates). */
async function scoped(body: () => Promise<Check[]>): Promise<Check[]> {
  const before = cm.liveTensorCount();
  const out = await body();
  const leaked = cm.liveTensorCount() - before;
  if (leaked !== 0) throw new Error(`case left ${leaked} live tensors`);
  return out;
}

// ---- elementwise unary ----------------------------------------------------------------------------


const unaryFamily: KernelFamily = {
  family: 'elementwise-unary',
  cases: UNARY.map((c) => ({
    name: c.op,
    run: (rt) =>
      scoped(async () => {
        const checks: Check[] = [];
        for (const n of SIZES) {
          const x = random([n], n * 31 + c.op.length, c.lo, c.hi);
          const want = cpuMap(x, (v) => CPU_UNARY[c.op]!(v, c.alpha ?? 0, c.beta ?? 0));
          checks.push(await gpuCheck(`n=${n}`, () => cm.unaryRaw(c.op, upload(rt, x), c.alpha ?? 0, c.beta ?? 0), want, { atol: 1e-6, rtol: 2e-5 }));
        }
        return checks;
      }),
  })),
};

// ---- elementwise binary (same shape) and broadcasting -------------------------------------------------

function binaryFamily(family: string, shapes: [number[], number[]][]): KernelFamily {
  return {
    family,
    cases: Object.keys(CPU_BINARY).map((op) => ({
      name: op,
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [sa, sb] of shapes) {
            const a = random(sa, 5 + sa.length + prod(sa), -2, 2);
            const b = random(sb, 9 + sb.length + prod(sb), 0.5, 2.5);
            const want = cpuZip(a, b, CPU_BINARY[op]!);
            const y = () => cm.binaryRaw(op as cm.BinaryOp, upload(rt, a), upload(rt, b));
            checks.push(await gpuCheck(`[${sa}] ${op} [${sb}]`, y, want, { atol: 1e-6, rtol: 1e-5 }));
          }
          return checks;
        }),
    })),
  };
}

const binarySameShape = binaryFamily('elementwise-binary', SIZES.map((n) => [[n], [n]]));
const binaryBroadcast = binaryFamily('elementwise-broadcast', [
  [[7, 1, 5], [1, 4, 5]], [[3, 17], [17]], [[1], [2, 255]], [[4, 1, 3, 2], [5, 1, 2]], [[17, 1], [1, 33]],
]);

// ---- creation (fill kernel) ---------------------------------------------------------------------------

const fillFamily: KernelFamily = {
  family: 'fill',
  cases: [
    {
      name: 'full with ramp',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const n of SIZES) {
            const want = cpu(Array.from({ length: n }, (_, i) => Math.fround(0.25 + Math.fround(i * -0.5))), [n]);
            checks.push(await gpuCheck(`n=${n}`, () => cm.full(rt, [n], 0.25, -0.5), want, { atol: 1e-6, rtol: 1e-6 }));
          }
          return checks;
        }),
    },
  ],
};

// ---- reductions -----------------------------------------------------------------------------------------

const REDUCTIONS: { shape: number[]; axes?: number[] }[] = [
  { shape: [1023] }, { shape: [17, 255], axes: [1] }, { shape: [17, 255], axes: [0] },
  { shape: [3, 5, 7, 2], axes: [0, 2] }, { shape: [3, 5, 7, 2], axes: [1, 3] }, { shape: [1, 1] },
];
const REDUCE_REFS = { sum: cpuSum, mean: cpuMean, max: cpuMax, min: cpuMin };

const reduceFamily: KernelFamily = {
  family: 'reduction',
  cases: (['sum', 'mean', 'max', 'min'] as const).map((kind) => ({
    name: kind,
    run: (rt) =>
      scoped(async () => {
        const checks: Check[] = [];
        for (const c of REDUCTIONS) {
          const x = random(c.shape, c.shape.length * 13 + prod(c.shape), -1, 1);
          const want = REDUCE_REFS[kind](x, c.axes, true);
          const y = () => cm[kind](upload(rt, x), c.axes, { keepDims: true });
          checks.push(await gpuCheck(`[${c.shape}] axes ${c.axes ? `[${c.axes}]` : 'all'}`, y, want, { atol: 1e-5, rtol: 1e-5 }));
        }
        return checks;
      }),
  })),
};

// ---- GEMM: both tilings (register-blocked for CPU adapters, workgroup-tiled for GPUs) --------------------

interface GemmCase { M: number; N: number; K: number; batch?: number; aBatched?: boolean; bBatched?: boolean; tA?: boolean; tB?: boolean; act?: CpuActivation; bias?: boolean }

function gemmChecks(rt: cm.Runtime, cases: GemmCase[], seed: number): Promise<Check[]> {
  return scoped(async () => {
    const checks: Check[] = [];
    for (const c of cases) {
      const tA = c.tA ?? false, tB = c.tB ?? false;
      const a2 = tA ? [c.K, c.M] : [c.M, c.K], b2 = tB ? [c.N, c.K] : [c.K, c.N];
      const aShape = (c.aBatched ?? c.batch !== undefined) ? [c.batch!, ...a2] : a2;
      const bShape = (c.bBatched ?? c.batch !== undefined) ? [c.batch!, ...b2] : b2;
      const a = random(aShape, seed++), b = random(bShape, seed++), bias = c.bias ? random([c.N], seed++) : undefined;
      const act = c.act ?? 'none', alpha = 0.7;
      const outShape = c.batch !== undefined ? [c.batch, c.M, c.N] : [c.M, c.N];
      const want = cpu(cpuMatmul(a.data, aShape, b.data, bShape, { transA: tA, transB: tB, activation: act, alpha, bias: bias?.data }), outShape);
      const y = () => cm.matmul(upload(rt, a), upload(rt, b), { transA: tA, transB: tB, activation: act, alpha, bias: bias ? upload(rt, bias) : undefined });
      const label = `${c.batch ? `${c.batch}×` : ''}${c.M}×${c.K}·${c.K}×${c.N}${tA ? ' tA' : ''}${tB ? ' tB' : ''}${c.bias ? ' +bias' : ''} ${act}`;
      checks.push(await gpuCheck(label, y, want, { atol: 1e-5 * Math.sqrt(c.K) + 1e-5, rtol: 1e-4 }));
    }
    return checks;
  });
}

const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const GEMM_SCENARIOS: { name: string; cases: GemmCase[] }[] = [
  {
    name: 'odd sizes, all transposes',
    cases: [{ M: 1, N: 1, K: 1 }, { M: 17, N: 33, K: 3 }, { M: 33, N: 17, K: 65 }, { M: 5, N: 255, K: 17 }]
      .flatMap((c) => TRANSPOSES.map(([tA, tB]) => ({ ...c, tA, tB }))),
  },
  {
    name: 'bias + activation epilogues',
    cases: (['none', 'relu', 'tanh', 'sigmoid', 'scaledTanh'] as const).flatMap((act) => [false, true].map((bias) => ({ M: 19, N: 37, K: 23, act, bias }))),
  },
  {
    name: 'batched, shared operand',
    cases: TRANSPOSES.flatMap(([tA, tB]) => [
      { M: 17, N: 9, K: 13, batch: 3, tA, tB, act: 'relu' as const, bias: true },
      { M: 17, N: 9, K: 13, batch: 3, bBatched: false, tA, tB },
      { M: 17, N: 9, K: 13, batch: 3, aBatched: false, tA, tB },
    ]),
  },
];

/** The adapter's subgroup kernel configuration; a case that needs it fails where the adapter has no fixed subgroup size of 4 or 8. */
function subgroupConfig(rt: cm.Runtime): cm.SgGemmConfig {
  const sg = cm.subgroupBlock(rt);
  if (!sg) throw new Error(`adapter has no fixed subgroup size of 4 or 8 (subgroups ${rt.hasFeature('subgroups') ? `${rt.info.subgroupMinSize}..${rt.info.subgroupMaxSize}` : 'missing'}): the subgroup GEMM kernel cannot be checked here`);
  return { ...cm.SG_GEMM, SGK: sg, WG: Math.max(sg, Math.ceil(cm.SG_GEMM.WG / sg) * sg) };
}

/** Every GEMM tiling: subgroup and plain register blocking (CPU adapters), workgroup tiling (GPUs, matmul only). */
const TILINGS: { name: string; config: (rt: cm.Runtime) => cm.GemmConfig; conv: boolean }[] = [
  { name: 'register-blocked with subgroups', config: subgroupConfig, conv: true },
  { name: 'register-blocked', config: () => cm.REG_GEMM, conv: true },
  { name: 'workgroup-tiled', config: () => cm.TILED_GEMM, conv: false },
];

/** The naive GEMM kernel the benchmarks compare against (one output per invocation, raw dispatch). */
const naiveGemmCase: KernelCase = {
  name: 'naive reference kernel (benchmarks)',
  run: (rt) =>
    scoped(async () => {
      const checks: Check[] = [];
      for (const [M, N, K] of [[1, 1, 1], [17, 33, 9], [33, 5, 130]]) {
        const a = random([M!, K!], M! + K!), b = random([K!, N!], N! + K!);
        const want = cpu(cpuMatmul(a.data, [M!, K!], b.data, [K!, N!]), [M!, N!]);
        const y = cm.tidy(() => {
          const c = cm.Tensor.empty(rt, [M!, N!]);
          const u = cm.gemmUniforms({ M: M!, N: N!, K: K!, batch: 1, sam: K!, sak: 1, sbk: N!, sbn: 1, batchA: 0, batchB: 0 });
          rt.dispatch({ kernel: 'gemm_naive', constants: { WX: 16, WY: 16 } }, [upload(rt, a).buffer, upload(rt, b).buffer, c.buffer], [Math.ceil(N! / 16), Math.ceil(M! / 16), 1], u);
          return c;
        });
        checks.push(await check(`${M}×${K}·${K}×${N}`, y, want, { atol: 1e-5 * Math.sqrt(K!) + 1e-5, rtol: 1e-4 }));
        y.dispose();
      }
      return checks;
    }),
};

const gemmFamily: KernelFamily = {
  family: 'gemm',
  cases: [...TILINGS.flatMap((tiling) =>
    GEMM_SCENARIOS.map((sc, i) => ({
      name: `${tiling.name}: ${sc.name}`,
      run: async (rt: cm.Runtime) => {
        const cfg = tiling.config(rt);
        cm.setGemmConfig(rt, cfg);
        if (cm.gemmConfig(rt) !== cfg) throw new Error(`setGemmConfig did not take effect for ${tiling.name}`);
        try {
          return await gemmChecks(rt, sc.cases, 100 * i + 1);
        } finally {
          cm.setGemmConfig(rt, null);
        }
      },
    })),
  ), naiveGemmCase, {
    // Split-K forced on (gemm_splitk sums the partial products and applies the epilogue): K = 301 in 4 uneven splits.
    name: 'split-K (forced) + bias + relu',
    run: (rt) => scoped(async () => {
      cm.setSplitKPolicy(rt, { minWorkgroups: 1e9, minK: 16, maxSplits: 4 });
      try {
        const a = random([3, 301], 71), b = random([301, 5], 72), c = random([5], 73);
        const want = cpu(Array.from(cpuMatmul(a.data, [3, 301], b.data, [301, 5], { bias: c.data, activation: 'relu' })), [3, 5]);
        return [await gpuCheck('[3,301]·[301,5]', () => cm.matmul(upload(rt, a), upload(rt, b), { bias: upload(rt, c), activation: 'relu' }), want, { atol: 1e-5 * Math.sqrt(301) + 1e-5, rtol: 1e-4 })];
      } finally {
        cm.setSplitKPolicy(rt, null);
      }
    }),
  }, {
    // B copied into an rgba32float texture (gemm_tex), forced on: row-major B (N = 64) and transposed B (K = 64,
    // the KV layout), odd M and the other inner size, bias + relu.
    name: 'texture-B (forced), both layouts + bias + relu',
    run: (rt) => scoped(async () => {
      cm.setTextureBPolicy(rt, { minMacs: 0, minN: 1 });
      try {
        const checks: Check[] = [];
        for (const [M, N, K, tB] of [[5, 64, 37, false], [7, 13, 64, true]] as [number, number, number, boolean][]) {
          const a = random([M, K], 81 + M), b = random(tB ? [N, K] : [K, N], 82 + N), c = random([N], 83);
          const want = cpu(Array.from(cpuMatmul(a.data, [M, K], b.data, tB ? [N, K] : [K, N], { transB: tB, bias: c.data, activation: 'relu' })), [M, N]);
          checks.push(await gpuCheck(`[${M},${K}]·${tB ? `[${N},${K}]ᵀ` : `[${K},${N}]`}`, () => cm.matmul(upload(rt, a), upload(rt, b), { transB: tB, bias: upload(rt, c), activation: 'relu' }), want, { atol: 1e-5 * Math.sqrt(K) + 1e-5, rtol: 1e-4 }));
        }
        return checks;
      } finally {
        cm.setTextureBPolicy(rt, null);
      }
    }),
  }],
};

// ---- conv2d as implicit GEMM: forward (fused bias + activation), backward data, backward filter ------------

interface ConvCase { name: string; x: number[]; w: number[]; o: cm.Conv2dOptions; bias?: boolean }
const CONVS: ConvCase[] = [
  { name: '11×11 stride 4 (CNN-F conv1, scaled down)', x: [1, 3, 23, 23], w: [4, 3, 11, 11], o: { stride: 4, activation: 'relu' }, bias: true },
  { name: '5×5 pad 2', x: [1, 4, 9, 9], w: [5, 4, 5, 5], o: { padding: 2, activation: 'relu' }, bias: true },
  { name: '3×3 pad 1, batch 2', x: [2, 5, 7, 6], w: [7, 5, 3, 3], o: { padding: 1 } },
  { name: '1×1 + sigmoid', x: [3, 17, 3, 3], w: [3, 17, 1, 1], o: { activation: 'sigmoid' }, bias: true },
  { name: 'dilation 2, stride [2,1], padding [1,2] + tanh', x: [1, 3, 12, 10], w: [4, 3, 3, 2], o: { stride: [2, 1], padding: [1, 2], dilation: 2, activation: 'tanh' } },
  { name: 'scaledTanh on one pixel', x: [1, 1, 1, 1], w: [1, 1, 1, 1], o: { activation: 'scaledTanh', alpha: 0.5 }, bias: true },
];

const pair2 = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
const cpuConvOpts = (o: cm.Conv2dOptions, bias?: ArrayLike<number>): CpuConvOptions => ({
  stride: pair2(o.stride, 1), padding: pair2(o.padding, 0), dilation: pair2(o.dilation, 1), activation: o.activation, alpha: o.alpha, bias,
});

function convChecks(rt: cm.Runtime): Promise<Check[]> {
  return scoped(async () => {
    const checks: Check[] = [];
    for (const c of CONVS) {
      const seed = c.name.length * 17;
      const x = random(c.x, seed), w = random(c.w, seed + 1), bias = c.bias ? random([c.w[0]!], seed + 2) : undefined;
      const [OH, OW] = cpuConvOutSize(c.x, c.w, cpuConvOpts(c.o));
      const yShape = [c.x[0]!, c.w[0]!, OH, OW];
      const dy = random(yShape, seed + 3);
      const g = cm.conv2dGeometry(c.x, c.w, c.o);
      const tol = (k: number): Tolerance => ({ atol: 2e-6 * Math.sqrt(k) + 1e-5, rtol: 1e-4 });
      const fwd = () => cm.conv2d(upload(rt, x), upload(rt, w), { ...c.o, bias: bias ? upload(rt, bias) : undefined });
      checks.push(await gpuCheck(`${c.name}: forward`, fwd, cpu(cpuConv2d(x.data, c.x, w.data, c.w, cpuConvOpts(c.o, bias?.data)), yShape), tol(c.x[1]! * c.w[2]! * c.w[3]!)));
      checks.push(await gpuCheck(`${c.name}: backward data`, () => cm.conv2dBackwardData(upload(rt, dy), upload(rt, w), g),
        cpu(cpuConv2dBackwardData(dy.data, c.x, w.data, c.w, cpuConvOpts(c.o)), c.x), tol(c.w[0]! * c.w[2]! * c.w[3]!)));
      checks.push(await gpuCheck(`${c.name}: backward filter`, () => cm.conv2dBackwardFilter(upload(rt, dy), upload(rt, x), g),
        cpu(cpuConv2dBackwardFilter(dy.data, x.data, c.x, c.w, cpuConvOpts(c.o)), c.w), tol(c.x[0]! * OH * OW)));
    }
    return checks;
  });
}

const convFamily: KernelFamily = {
  family: 'conv2d',
  cases: TILINGS.filter((t) => t.conv).map((tiling) => ({
    name: tiling.name,
    run: async (rt: cm.Runtime) => {
      const cfg = tiling.config(rt) as cm.ConvConfig;
      cm.setConvConfig(rt, cfg);
      if (cm.convConfig(rt) !== cfg) throw new Error(`setConvConfig did not take effect for ${tiling.name}`);
      try {
        return await convChecks(rt);
      } finally {
        cm.setConvConfig(rt, null);
      }
    },
  })),
};

// ---- row softmax / log-softmax (scale, broadcast additive mask) -----------------------------------------

const softmaxFamily: KernelFamily = {
  family: 'softmax',
  cases: [false, true].flatMap((log) => {
    const op = log ? cm.logSoftmax : cm.softmax;
    const name = log ? 'logSoftmax' : 'softmax';
    return [
      {
        name: `${name} rows of odd widths, scale`,
        run: (rt: cm.Runtime) =>
          scoped(async () => {
            const checks: Check[] = [];
            for (const cols of SIZES) for (const rows of [1, 3, 19]) {
              const x = random([rows, cols], cols * 7 + rows, -8, 8);
              const want = cpuSoftmax(x, { scale: 0.7, log });
              checks.push(await gpuCheck(`${rows}×${cols}`, () => op(upload(rt, x), { scale: 0.7 }), want, { atol: 1e-6, rtol: 1e-4 }));
            }
            return checks;
          }),
      },
      {
        name: `${name} with broadcast mask`,
        run: (rt: cm.Runtime) =>
          scoped(async () => {
            const checks: Check[] = [];
            for (const [xs, ms] of [[[2, 3, 5, 17], [5, 17]], [[2, 3, 5, 17], [2, 1, 1, 17]], [[3, 2, 7], [1, 7]]] as [number[], number[]][]) {
              const x = random(xs, prod(xs), -3, 3);
              const m = cpuMap(random(ms, prod(ms) + 1, 0, 1), (v) => (v < 0.3 ? -1e9 : v));
              const want = cpuSoftmax(x, { scale: 0.25, mask: m, log });
              const y = () => op(upload(rt, x), { scale: 0.25, mask: upload(rt, m) });
              checks.push(await gpuCheck(`x [${xs}] mask [${ms}]`, y, want, { atol: 1e-5, rtol: 1e-4 }));
            }
            return checks;
          }),
      },
    ];
  }).concat([{
    name: 'multiHeadAttentionCore (fused, token layout)',
    run: (rt: cm.Runtime) =>
      scoped(async () => {
        const checks: Check[] = [];
        // Both kernel families where the adapter has a fixed subgroup size of 4 or 8 (attention_sg.wgsl).
        const kernels: cm.AttentionKernel[] = cm.subgroupBlock(rt) === null ? ['plain'] : ['plain', 'subgroup'];
        for (const kernel of kernels) {
          for (const [B, T, H, dh] of [[3, 5, 2, 3], [2, 17, 4, 8], [1, 1, 1, 64], [3, 9, 2, 9]]) {
            const s = [B!, T!, H! * dh!];
            const [q, k, v] = [1, 2, 3].map((i) => random(s, prod(s) + i, -2, 2));
            const want = cpuMultiHeadAttentionCore(q!, k!, v!, H!);
            checks.push(await gpuCheck(`${kernel} [${s}] ${H} heads`, () => cm.multiHeadAttentionCore(upload(rt, q!), upload(rt, k!), upload(rt, v!), H!, undefined, kernel), want, { atol: 1e-5, rtol: 1e-4 }));
          }
        }
        return checks;
      }),
  }]),
};

// ---- optimizer steps (in-place kernels) --------------------------------------------------------------------

function optimizerCase(name: string, make: (p: cm.Tensor) => cm.SGD | cm.Adam, ref: (p: Float64Array, g: Float64Array, lr: number) => void): KernelCase {
  return {
    name,
    run: (rt) =>
      scoped(async () => {
        const checks: Check[] = [];
        for (const n of SIZES) {
          const p0 = random([n], n + 3);
          const p = upload(rt, p0);
          const opt = make(p);
          const want = Float64Array.from(p0.data);
          for (let s = 0; s < 4; s++) {
            const g = random([n], 100 * s + n, -2, 2);
            p.grad?.dispose();
            p.grad = cm.keep(upload(rt, g));
            if (s === 2) opt.lr /= 2; // schedules change lr between steps
            opt.step();
            ref(want, g.data, opt.lr);
          }
          checks.push(await check(`n=${n}, 4 steps`, p, cpu(want, [n]), { atol: 1e-6, rtol: 1e-4 }));
          opt.dispose();
          p.dispose();
        }
        return checks;
      }),
  };
}

const SGD_OPTS: cm.SGDOptions[] = [{ lr: 0.1, weightDecay: 5e-4 }, { lr: 0.03, momentum: 0.9, nesterov: true, weightDecay: 1e-2 }, { lr: 0.02, momentum: 0.8, dampening: 0.3 }];
const ADAM_OPTS: cm.AdamOptions[] = [{ lr: 0.01 }, { lr: 0.01, weightDecay: 1e-2, decoupled: true }, { lr: 0.003, beta1: 0.8, beta2: 0.99, weightDecay: 1e-3 }];

const optimizerFamily: KernelFamily = {
  family: 'optimizer',
  cases: [
    ...SGD_OPTS.map((o) => {
      const st = { v: null as Float64Array | null };
      return optimizerCase(`SGD ${JSON.stringify(o)}`, (p) => { st.v = null; return new cm.SGD([p], o); }, (p, g, lr) => cpuSgdStep(p, g, st, { ...o, lr }));
    }),
    ...ADAM_OPTS.map((o) => {
      let st = { m: new Float64Array(0), v: new Float64Array(0), t: 0 };
      return optimizerCase(`Adam ${JSON.stringify(o)}`, (p) => {
        st = { m: new Float64Array(p.size), v: new Float64Array(p.size), t: 0 };
        return new cm.Adam([p], o);
      }, (p, g, lr) => cpuAdamStep(p, g, st, { ...o, lr }));
    }),
  ],
};

// ---- layout: strided copy (permute, slice, concat, stack), gather rows, scatter-add rows (backward) -------

/** One exact layout check per (name, inputs, GPU op, CPU reference). */
function layoutCase(name: string, shapes: number[][], gpu: (...xs: cm.Tensor[]) => cm.Tensor, ref: (...xs: CpuArray[]) => CpuArray): KernelCase {
  return {
    name,
    run: (rt) =>
      scoped(async () => {
        const xs = shapes.map((s, i) => random(s, 17 * i + prod(s), -5, 5));
        return [await gpuCheck(shapes.map((s) => `[${s}]`).join(' '), () => gpu(...xs.map((x) => upload(rt, x))), ref(...xs), 'exact')];
      }),
  };
}

const GATHER_INDEX = [16, 0, 3, 3, 9, 16, 1, 0, 12, 5, 5, 5, 7, 2, 11, 16, 4, 8, 0, 13, 6, 15, 10];

const layoutFamily: KernelFamily = {
  family: 'layout',
  cases: [
    ...([[[17, 255], [1, 0]], [[1, 17, 3], [2, 0, 1]], [[2, 3, 4, 5], [3, 1, 0, 2]], [[2, 1, 3, 2, 5], [4, 2, 0, 3, 1]]] as [number[], number[]][]).map(([shape, perm]) =>
      layoutCase(`permute [${perm}]`, [shape], (x) => cm.permute(x, perm), (x) => cpuPermute(x, perm))),
    layoutCase('transpose last two', [[2, 17, 5]], (x) => cm.transpose(x), (x) => cpuPermute(x, [0, 2, 1])),
    ...([[[1023], [17], [255]], [[17, 255], [3, 1], [14, 200]], [[3, 4, 5, 6], [0, 1, 1, 5], [3, 2, 4, 1]]] as number[][][]).map(([shape, st, sz]) =>
      layoutCase(`slice from [${st}] size [${sz}]`, [shape!], (x) => cm.slice(x, st!, sz!), (x) => cpuSlice(x, st!, sz!))),
    layoutCase('concat axis 0', [[17], [255], [1]], (...xs) => cm.concat(xs, 0), (...xs) => cpuConcat(xs, 0)),
    layoutCase('concat axis 1', [[3, 17], [3, 1], [3, 5]], (...xs) => cm.concat(xs, 1), (...xs) => cpuConcat(xs, 1)),
    layoutCase('concat last axis', [[2, 3, 4], [2, 3, 1], [2, 3, 7]], (...xs) => cm.concat(xs, -1), (...xs) => cpuConcat(xs, 2)),
    layoutCase('stack axis 1', [[2, 3], [2, 3]], (a, b) => cm.stack([a!, b!], 1),
      (a, b) => cpuConcat([{ shape: [2, 1, 3], data: a!.data }, { shape: [2, 1, 3], data: b!.data }], 1)),
    layoutCase('scatterRows (rows 5 and 1 replaced: row copy)', [[7, 3], [2, 3]], (x, v) => cm.scatterRows(x, [5, 1], v),
      (x, v) => { const d = Float64Array.from(x!.data); d.set(v!.data.subarray(0, 3), 15); d.set(v!.data.subarray(3, 6), 3); return { shape: [7, 3], data: d }; }),
    layoutCase('gather rows (u32 index, repeats)', [[17, 3, 2]],
      (x) => cm.gather(x, cm.fromArray(x.runtime, GATHER_INDEX, [GATHER_INDEX.length], 'u32')), (x) => cpuGather(x, GATHER_INDEX)),
  ],
};

// ---- pooling, local response normalisation, dropout ---------------------------------------------------------

const POOLS: [number[], cm.Pool2dOptions][] = [
  [[1, 1, 1, 1], { kernel: 1 }],
  [[2, 3, 17, 17], { kernel: 3, stride: 2 }],
  [[1, 17, 5, 7], { kernel: 3, stride: 1, padding: 1 }],
  [[2, 4, 27, 27], { kernel: 3, stride: 2, ceilMode: true }],
  [[1, 2, 13, 14], { kernel: [2, 3], stride: [2, 1], padding: [1, 0], ceilMode: true }],
  [[3, 2, 6, 6], { kernel: 4, stride: 3, padding: 2, ceilMode: true, countIncludePad: false }],
];

const poolFamily: KernelFamily = {
  family: 'pooling',
  cases: [
    ...(['max', 'avg'] as const).map((kind) => ({
      name: `${kind}Pool2d`,
      run: (rt: cm.Runtime) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [shape, o] of POOLS) {
            const x = random(shape, prod(shape) + 1, -3, 3);
            const g = cm.tidy(() => cm.pool2dGeometry('pool', upload(rt, x), o));
            const y = () => (kind === 'max' ? cm.maxPool2d : cm.avgPool2d)(upload(rt, x), o);
            checks.push(await gpuCheck(`[${shape}] ${JSON.stringify(o)}`, y, cpuPool2d(x, kind, g), { atol: 1e-6, rtol: 1e-5 }));
          }
          return checks;
        }),
    })),
    {
      name: 'localResponseNorm',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [shape, size, alpha, beta, k] of [[[2, 17, 3, 5], 5, 1e-2, 0.75, 2], [[1, 4, 9], 3, 0.5, 0.6, 1]] as [number[], number, number, number, number][]) {
            const x = random(shape, prod(shape), -3, 3);
            const y = () => cm.localResponseNorm(upload(rt, x), { size, alpha, beta, k });
            checks.push(await gpuCheck(`[${shape}] size ${size}`, y, cpuLrn(x, size, alpha, beta, k), { atol: 1e-5, rtol: 1e-5 }));
          }
          return checks;
        }),
    },
    {
      name: 'dropout (counter-hash mask)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [n, p, seed] of [[1023, 0.5, 7], [255, 0.1, 123456], [17, 0.9, 3]]) {
            const x = random([n!], n! + 5);
            checks.push(await gpuCheck(`n=${n} p=${p}`, () => cm.dropout(upload(rt, x), p!, seed!), cpuDropout(x, p!, seed!), { atol: 1e-6, rtol: 1e-5 }));
          }
          return checks;
        }),
    },
  ],
};

// ---- similarity: row L2-normalise, cosine / Gram matrices, DJSRH joint matrix, JSGHCA adaptive-weight fusion ---

const similarityFamily: KernelFamily = {
  family: 'similarity',
  cases: [
    {
      name: 'l2Normalize (zero row kept finite)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [m, d] of [[1, 1], [17, 5], [255, 33]]) {
            const x = random([m!, d!], m! + d!, -2, 2);
            if (m! > 1) x.data.fill(0, d!, 2 * d!);
            checks.push(await gpuCheck(`[${m}, ${d}]`, () => cm.l2Normalize(upload(rt, x)), cpu(l2NormalizeCpu(x.data, m!, d!), [m!, d!]), { atol: 1e-6, rtol: 1e-5 }));
          }
          return checks;
        }),
    },
    {
      name: 'cosineSimilarity and gram',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [m, n, d] of [[1, 1, 1], [17, 255, 9], [33, 17, 130], [6, 1023, 17]] as [number, number, number][]) {
            const a = random([m, d], m * 3 + d), b = random([n, d], n * 5 + d);
            checks.push(await gpuCheck(`cos ${m}×${n}×${d}`, () => cm.cosineSimilarity(upload(rt, a), upload(rt, b)), cpu(cosineSimilarityCpu(a.data, b.data, m, n, d), [m, n]), { atol: 1e-5, rtol: 1e-4 }));
            checks.push(await gpuCheck(`gram ${m}×${n}×${d}`, () => cm.gram(upload(rt, a), upload(rt, b)), cpu(gramCpu(a.data, b.data, m, n, d), [m, n]), { atol: 1e-4, rtol: 1e-4 }));
          }
          return checks;
        }),
    },
    {
      name: 'jointSimilarity (DJSRH)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const m of [1, 17, 130]) {
            const sm = random([m, m], m);
            checks.push(await gpuCheck(`m=${m}`, () => cm.jointSimilarity(upload(rt, sm), { eta: 0.4, mu: 1.5 }), cpu(jointSimilarityCpu(sm.data, m, 0.4, 1.5), [m, m]), { atol: 1e-5, rtol: 1e-4 }));
          }
          return checks;
        }),
    },
    {
      name: 'adaptiveWeightFusion (JSGHCA Eq. 5 / Alg. 1) and betaMix',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const m of [1, 17, 255]) {
            // Batch similarities as in training: cosines of non-negative features (positive row means).
            const fi = random([m, 12], m, 0, 1), ft = random([m, 30], m + 1, 0, 1);
            const sI = cpu(cosineSimilarityCpu(fi.data, fi.data, m, m, 12).map(Math.fround), [m, m]);
            const sT = cpu(cosineSimilarityCpu(ft.data, ft.data, m, m, 30).map(Math.fround), [m, m]);
            for (const variant of ['alg1', 'eq5'] as const) {
              const want = cpu(adaptiveWeightFusionCpu(sI.data, sT.data, m, variant), [m, m]);
              checks.push(await gpuCheck(`${variant} m=${m}`, () => cm.adaptiveWeightFusion(upload(rt, sI), upload(rt, sT), { variant }), want, { atol: 1e-5, rtol: 1e-4 }));
            }
            const mix = cpuZip(sI, sT, (u, v) => 0.6 * u + 0.4 * v);
            checks.push(await gpuCheck(`betaMix m=${m}`, () => cm.betaMix(upload(rt, sI), upload(rt, sT), 0.6), mix, { atol: 1e-6, rtol: 1e-5 }));
          }
          return checks;
        }),
    },
  ],
};

// ---- image input: HWC u8 / f32 → normalised NCHW f32 -----------------------------------------------------

const imageFamily: KernelFamily = {
  family: 'image',
  cases: [
    {
      name: 'imageNormalize (u8, f32, RGBA stride)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [B, H, W] of [[1, 1, 1], [2, 17, 5], [3, 9, 31]] as const) {
            const r = new cm.Rng(B * 100 + H);
            const bytes = Uint8Array.from({ length: B * H * W * 3 }, () => r.int(256));
            const want = cpu(imageNormalizeCpu(bytes, { batch: B, height: H, width: W, channels: 3, mean: cm.IMAGENET_MEAN, std: cm.IMAGENET_STD, scale: 1 / 255 }), [B, 3, H, W]);
            checks.push(await gpuCheck(`u8 ${B}×${H}×${W}`, () => cm.imageNormalize(rt, bytes, { batch: B, height: H, width: W }), want, { atol: 1e-5, rtol: 1e-5 }));
            const floats = Float32Array.from(bytes, (v) => v / 255);
            checks.push(await gpuCheck(`f32 ${B}×${H}×${W}`, () => cm.imageNormalize(rt, floats, { batch: B, height: H, width: W }), want, { atol: 1e-5, rtol: 1e-5 }));
          }
          const r = new cm.Rng(9);
          const rgba = Uint8Array.from({ length: 2 * 3 * 5 * 4 }, () => r.int(256));
          const o = { batch: 2, height: 3, width: 5, stride: 4, mean: [10, 20, 30], std: [2, 4, 8], scale: 1 };
          const want = cpu(imageNormalizeCpu(rgba, { ...o, channels: 3 }), [2, 3, 3, 5]);
          checks.push(await gpuCheck('RGBA bytes as a u32 tensor', () => cm.imageNormalize(rt, cm.fromArray(rt, new Uint32Array(rgba.buffer.slice(0)), [rgba.length / 4], 'u32'), o), want, { atol: 1e-5, rtol: 1e-5 }));
          return checks;
        }),
    },
  ],
};

// ---- hashing: sign + bit-pack, unpack, XOR-popcount distances, HammingIndex top-k / radius search -----------

const CODE_BITS = [1, 16, 33, 64, 100, 128];

/** Random packed codes; `garbage` also sets the padding bits past `bits` (kernels must ignore them). */
function randomCodes(n: number, bits: number, seed: number, garbage = false, distinct = 0): Uint32Array {
  const r = new cm.Rng(seed);
  const w = cm.wordsFor(bits), mask = cm.lastWordMask(bits);
  const pool = distinct ? Array.from({ length: distinct }, () => Array.from({ length: w }, () => r.nextU32())) : null;
  const out = new Uint32Array(n * w);
  for (let i = 0; i < n; i++) {
    const src = pool ? pool[r.int(pool.length)]! : null;
    for (let j = 0; j < w; j++) {
      const v = src ? src[j]! : r.nextU32();
      out[i * w + j] = j === w - 1 && !garbage ? (v & mask) >>> 0 : v;
    }
  }
  return out;
}

const exactU32 = (label: string, got: ArrayLike<number>, want: ArrayLike<number>): ValueCheck => ({ label, got: Array.from(got), want: Array.from(want), tol: 'exact' });

/** Top-k and radius search through a HammingIndex vs the naive CPU ranking. */
async function indexChecks(rt: cm.Runtime, bits: number, n: number, nq: number, opts: cm.HammingIndexOptions, seed: number): Promise<Check[]> {
  const db = randomCodes(n, bits, seed, false, Math.max(3, n >> 3)); // a small pool: many ties
  const q = randomCodes(nq, bits, seed + 1);
  const index = cm.HammingIndex.create(rt, bits, opts);
  try {
    index.add(db.subarray(0, Math.floor(n / 2) * cm.wordsFor(bits)));
    index.add(db.subarray(Math.floor(n / 2) * cm.wordsFor(bits)));
    const checks: Check[] = [];
    const where = `${bits} bits, ${n} codes in ${index.chunkCount} chunk(s), ${nq} queries`;
    for (const k of [1, Math.min(10, n), n]) {
      const got = await index.search(q, k);
      const want = topKCpu(q, nq, db, n, bits, k);
      checks.push(exactU32(`${where}, top-${k} indices`, got.indices, want.indices), exactU32(`${where}, top-${k} distances`, got.distances, want.distances));
    }
    const r = Math.floor(bits / 2);
    const got = await index.searchRadius(q, r);
    const want = Array.from({ length: nq }, (_, i) => rankCpu(q, i, db, n, bits)).map((x) => x.indices.filter((_, j) => x.distances[j]! <= r));
    checks.push(exactU32(`${where}, radius ${r}`, got.indices, want.flat()));
    const reloaded = cm.HammingIndex.load(rt, index.save(), opts);
    try {
      checks.push(exactU32(`${where}, save/load then top-10`, (await reloaded.search(q, Math.min(10, n))).indices, topKCpu(q, nq, db, n, bits, Math.min(10, n)).indices));
    } finally {
      reloaded.dispose();
    }
    return checks;
  } finally {
    index.dispose();
  }
}

const hashingFamily: KernelFamily = {
  family: 'hashing',
  cases: [
    {
      name: 'packBits (sign(0) → 1)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const k of CODE_BITS) for (const n of [1, 17, 255]) {
            const x = random([n, k], n + k);
            for (let i = 0; i < x.data.length; i += 7) x.data[i] = 0;
            const y = cm.tidy(() => cm.packBits(upload(rt, x)));
            checks.push(exactU32(`${n}×${k}`, await y.read(), packBitsCpu(x.data, n, k)));
            y.dispose();
          }
          return checks;
        }),
    },
    {
      name: 'unpackBits',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const k of CODE_BITS) {
            const packed = randomCodes(17, k, k);
            const y = cm.tidy(() => cm.unpackBits(cm.fromArray(rt, packed, [17, cm.wordsFor(k)], 'u32'), k));
            checks.push(exactU32(`17×${k}`, await y.read(), unpackBitsCpu(packed, 17, k)));
            y.dispose();
          }
          return checks;
        }),
    },
    {
      name: 'hammingDistances (padding bits ignored)',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const bits of CODE_BITS) {
            const nq = 17, n = 255, w = cm.wordsFor(bits);
            const q = randomCodes(nq, bits, bits * 3, true), db = randomCodes(n, bits, bits * 5, true);
            const y = cm.tidy(() => cm.hammingDistances(cm.fromArray(rt, q, [nq, w], 'u32'), cm.fromArray(rt, db, [n, w], 'u32'), bits));
            checks.push(exactU32(`${nq}×${n}, ${bits} bits`, await y.read(), Array.from({ length: nq * n }, (_, o) => hammingCpu(q, Math.floor(o / n), db, o % n, bits))));
            y.dispose();
          }
          return checks;
        }),
    },
    { name: 'HammingIndex 64-bit, one chunk', run: (rt) => indexChecks(rt, 64, 1023, 5, {}, 11) },
    { name: 'HammingIndex 33-bit, several chunks', run: (rt) => indexChecks(rt, 33, 255, 3, { blockSize: 16, chunkItems: 64 }, 12) },
    { name: 'HammingIndex 128-bit, query batches', run: (rt) => indexChecks(rt, 128, 100, 7, { blockSize: 8, chunkItems: 32, maxQueryBatch: 2 }, 13) },
    { name: 'HammingIndex 64-bit, one-scan path (sample bound, candidate lists, gather)', run: (rt) => indexChecks(rt, 64, 1023, 5, { strategy: 'one-scan', sampleItems: 64, chunkItems: 400 }, 14) },
  ],
};

// ---- backward kernels (gradient checks through the tape against the CPU references) --------------------

interface GradInput { shape: number[]; lo?: number; hi?: number; constant?: boolean; map?: (v: number) => number; data?: Float64Array }

/** n distinct values spaced 0.01 apart in random order (no near-ties inside a finite-difference step). */
const distinct = (n: number, seed: number): Float64Array => Float64Array.from(new cm.Rng(seed).permutation(n), (v) => (v - n / 2) * 0.01);

function gradCase(name: string, inputs: GradInput[], gpu: (...xs: cm.Tensor[]) => cm.Tensor, ref: (...xs: Float64Array[]) => ArrayLike<number>): KernelCase {
  return {
    name,
    run: (rt) =>
      scoped(async () => {
        const ins = inputs.map((i, k) => ({ shape: i.shape, constant: i.constant, data: i.data ?? random(i.shape, 11 * k + prod(i.shape), i.lo ?? -2, i.hi ?? 2).data.map(i.map ?? ((v) => v)) }));
        return [{ label: inputs.map((i) => `[${i.shape}]`).join(' '), gradcheck: await cm.gradcheck({ rt, inputs: ins, gpu, cpu: ref }) }];
      }),
  };
}

const arr = (shape: number[], data: Float64Array): CpuArray => ({ shape, data });
/** Inputs kept away from the kinks of relu/abs/clamp so central differences are valid. */
const awayFromKinks = (v: number): number => (Math.abs(v) < 0.1 || Math.abs(Math.abs(v) - 0.5) < 0.1 ? v + 0.25 : v);

const backwardFamily: KernelFamily = {
  family: 'backward',
  cases: [
    gradCase('softmax (scale, mask)', [{ shape: [3, 17] }, { shape: [17], constant: true }], (x, m) => cm.softmax(x, { scale: 0.7, mask: m }),
      (x, m) => cpuSoftmax(arr([3, 17], x), { scale: 0.7, mask: arr([17], m) }).data),
    gradCase('multiHeadAttentionCore', [{ shape: [2, 3, 4] }, { shape: [2, 3, 4] }, { shape: [2, 3, 4] }],
      (q, k, v) => cm.multiHeadAttentionCore(q, k, v, 2),
      (q, k, v) => cpuMultiHeadAttentionCore(arr([2, 3, 4], q), arr([2, 3, 4], k), arr([2, 3, 4], v), 2).data),
    gradCase('multiHeadAttentionCore, plain kernel (T 9, dh 5)', [{ shape: [2, 9, 10] }, { shape: [2, 9, 10] }, { shape: [2, 9, 10] }],
      (q, k, v) => cm.multiHeadAttentionCore(q, k, v, 2, undefined, 'plain'),
      (q, k, v) => cpuMultiHeadAttentionCore(arr([2, 9, 10], q), arr([2, 9, 10], k), arr([2, 9, 10], v), 2).data),
    gradCase('logSoftmax', [{ shape: [4, 9] }], (x) => cm.logSoftmax(x), (x) => cpuSoftmax(arr([4, 9], x), { log: true }).data),
    gradCase('matmul tA + bias + tanh', [{ shape: [5, 7] }, { shape: [5, 3] }, { shape: [3] }],
      (a, b, c) => cm.matmul(a, b, { transA: true, bias: c, activation: 'tanh' }),
      (a, b, c) => cpuMatmul(a, [5, 7], b, [5, 3], { transA: true, bias: c, activation: 'tanh' })),
    gradCase('batched matmul tB + sigmoid', [{ shape: [2, 4, 5] }, { shape: [3, 5] }],
      (a, b) => cm.matmul(a, b, { transB: true, activation: 'sigmoid' }),
      (a, b) => cpuMatmul(a, [2, 4, 5], b, [3, 5], { transB: true, activation: 'sigmoid' })),
    ...(['relu', 'leakyRelu', 'tanh', 'sigmoid', 'abs', 'clamp'] as const).map((op) =>
      gradCase(op, [{ shape: [23], map: awayFromKinks }], (x) => (op === 'clamp' ? cm.clamp(x, -0.5, 0.5) : op === 'leakyRelu' ? cm.leakyRelu(x, 0.2) : cm[op](x)),
        (x) => Array.from(x, (v) => CPU_UNARY[op]!(v, op === 'clamp' ? -0.5 : 0.2, 0.5)))),
    gradCase('broadcast mul, div (sumTo)', [{ shape: [3, 1, 4] }, { shape: [5, 1], lo: 0.5, hi: 2 }],
      (a, b) => cm.div(cm.mul(a, b), b),
      (a, b) => cpuZip(cpuZip(arr([3, 1, 4], a), arr([5, 1], b), CPU_BINARY.mul!), arr([5, 1], b), CPU_BINARY.div!).data),
    gradCase('gather rows (scatter-add)', [{ shape: [17, 3] }], (x) => cm.gather(x, GATHER_INDEX), (x) => cpuGather(arr([17, 3], x), GATHER_INDEX).data),
    gradCase('permute, slice, concat', [{ shape: [3, 4, 5] }, { shape: [5, 2, 3] }],
      (a, b) => cm.concat([cm.slice(cm.permute(a, [2, 0, 1]), [0, 1, 0], [5, 2, 3]), b], 2),
      (a, b) => cpuConcat([cpuSlice(cpuPermute(arr([3, 4, 5], a), [2, 0, 1]), [0, 1, 0], [5, 2, 3]), arr([5, 2, 3], b)], 2).data),
    gradCase('maxPool2d (distinct values)', [{ shape: [1, 2, 7, 7], data: distinct(98, 5) }], (x) => cm.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }),
      (x) => cpuPool2d(arr([1, 2, 7, 7], x), 'max', { KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, OH: 4, OW: 4 }).data),
    gradCase('avgPool2d (ceil mode)', [{ shape: [2, 1, 6, 6] }], (x) => cm.avgPool2d(x, { kernel: 4, stride: 3, padding: 2, ceilMode: true, countIncludePad: false }),
      (x) => cpuPool2d(arr([2, 1, 6, 6], x), 'avg', { KH: 4, KW: 4, SH: 3, SW: 3, PH: 2, PW: 2, OH: 3, OW: 3, countIncludePad: false }).data),
    gradCase('localResponseNorm', [{ shape: [1, 6, 2, 3] }], (x) => cm.localResponseNorm(x, { size: 3, alpha: 0.5, beta: 0.75, k: 1 }),
      (x) => cpuLrn(arr([1, 6, 2, 3], x), 3, 0.5, 0.75, 1).data),
    gradCase('dropout', [{ shape: [64] }], (x) => cm.dropout(x, 0.3, 99), (x) => cpuDropout(arr([64], x), 0.3, 99).data),
    gradCase('cosineSimilarity', [{ shape: [5, 6] }, { shape: [7, 6] }], (a, b) => cm.cosineSimilarity(a, b), (a, b) => cosineSimilarityCpu(a, b, 5, 7, 6)),
    gradCase('gram', [{ shape: [5, 9] }, { shape: [3, 9] }], (a, b) => cm.gram(a, b), (a, b) => gramCpu(a, b, 5, 3, 9)),
    gradCase('l2Normalize', [{ shape: [4, 6] }], (x) => cm.l2Normalize(x), (x) => l2NormalizeCpu(x, 4, 6)),
    gradCase('conv2d 3×3 stride 2 dilation 2 + bias + sigmoid', [{ shape: [1, 2, 9, 8] }, { shape: [2, 2, 3, 3] }, { shape: [2] }],
      (x, w, b) => cm.conv2d(x, w, { stride: 2, dilation: 2, padding: [1, 0], activation: 'sigmoid', bias: b }),
      (x, w, b) => cpuConv2d(x, [1, 2, 9, 8], w, [2, 2, 3, 3], { stride: [2, 2], dilation: [2, 2], padding: [1, 0], activation: 'sigmoid', bias: b })),
    // The fused training losses (issue 13): cosine_recon (+ _finish, _backward), loss_partial + scale_by, mul_tanh_backward.
    gradCase('cosineReconstruction (fused DJSRH/JSGHCA loss)', [{ shape: [5, 6] }, { shape: [5, 6] }, { shape: [5, 5], constant: true }],
      (a, b, t) => cm.cosineReconstruction(t, a, b, { ab: 1, aa: 0.3, bb: 0.7 }).total,
      (a, b, t) => [cosineReconstructionCpu(t, a, b, 5, 6, { ab: 1, aa: 0.3, bb: 0.7 })[0]]),
    gradCase('pairwiseNllLoss (fused, scale ½)', [{ shape: [4, 7] }, { shape: [4, 7], constant: true, lo: 0, hi: 1 }],
      (t, y) => cm.pairwiseNllLoss(t, y, { scale: 0.5 }),
      (t, y) => [Array.from(t).reduce((acc, v, i) => acc + Math.log1p(Math.exp(0.5 * v)) - y[i]! * 0.5 * v, 0) / t.length]),
    gradCase('bceWithLogitsLoss (fused, target 1)', [{ shape: [5, 3] }],
      (z) => cm.bceWithLogitsLoss(z, 1),
      (z) => [Array.from(z).reduce((acc, v) => acc + Math.log1p(Math.exp(-v)), 0) / z.length]),
    gradCase('squaredError (fused, scale 0.3)', [{ shape: [3, 9] }, { shape: [3, 9] }],
      (a, b) => cm.squaredError(a, b, 0.3),
      (a, b) => [0.3 * Array.from(a).reduce((acc, v, i) => acc + (v - b[i]!) ** 2, 0)]),
    gradCase('tanhOfProduct (hash codes tanh(α·a·b))', [{ shape: [4, 5] }, { shape: [4, 5] }],
      (a, b) => cm.tanhOfProduct(a, b, 0.8),
      (a, b) => Array.from(a, (v, i) => Math.tanh(0.8 * v * b[i]!))),
    // Issue 13, session 5: the Jo-Attention codes (softmax_gate + _backward) and the hidden layer's relu + dropout.
    gradCase('tanhOfSoftmaxGate (Jo-Attention codes tanh(α·q·softmax(l)))', [{ shape: [3, 5] }, { shape: [3, 5] }],
      (q, l) => cm.tanhOfSoftmaxGate(q, l, 1.3),
      (q, l) => Array.from(q, (v, i) => {
        const r = Math.floor(i / 5), row = Array.from(l).slice(r * 5, r * 5 + 5), mx = Math.max(...row);
        const z = row.reduce((acc, x) => acc + Math.exp(x - mx), 0);
        return Math.tanh(1.3 * v * (Math.exp(l[i]! - mx) / z));
      })),
    gradCase('linearReluDropout (hidden layer, mask in the GEMM store)', [{ shape: [4, 3] }, { shape: [3, 6] }, { shape: [6] }],
      (x, w, b) => cm.linearReluDropout(x, w, b, 0.3, 7),
      (x, w, b) => cpuDropout(arr([4, 6], cpuMatmul(x, [4, 3], w, [3, 6], { bias: b, activation: 'relu' })), 0.3, 7).data),
    gradCase('max over axes (tie mask)', [{ shape: [4, 5, 3] }], (x) => cm.max(x, [0, 2]), (x) => cpuMax(arr([4, 5, 3], x), [0, 2]).data),
  ],
};

/** Every kernel family the library has, in the order the page runs them. */
export const FAMILIES: KernelFamily[] = [
  unaryFamily, binarySameShape, binaryBroadcast, fillFamily, reduceFamily, gemmFamily, convFamily, softmaxFamily, layoutFamily, poolFamily, imageFamily, similarityFamily, hashingFamily, optimizerFamily, backwardFamily,
];

/**
 * Negative controls: cases built to fail, run on the same page with the same harness. The test
 * requires every one of them to be reported as failing, proving the harness catches wrong values,
 * unwritten (poisoned) outputs and thrown errors.
 */
export const CONTROLS: KernelFamily = {
  family: 'negative-control',
  cases: [
    {
      name: 'perturbed result',
      run: (rt) =>
        scoped(async () => {
          const x = random([17], 3, -2, 2);
          const xt = upload(rt, x);
          const y = cm.unaryRaw('exp', xt);
          const c = await check('exp, one element off by 1e-3 relative', y, cpuMap(x, Math.exp), { atol: 1e-6, rtol: 2e-5 });
          (c.got as number[])[5] = (c.got as number[])[5]! * (1 + 1e-3);
          xt.dispose();
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'unwritten output',
      run: (rt) =>
        scoped(async () => {
          // An output no kernel wrote: with poisoned buffers it reads back as NaN, never as stale zeros.
          const y = cm.Tensor.empty(rt, [17]);
          const c = await check('never written', y, cpu(new Array(17).fill(0), [17]), { atol: 1e-6, rtol: 0 });
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'wrong shape',
      run: (rt) =>
        scoped(async () => {
          const x = random([3, 5], 4);
          const xt = upload(rt, x);
          const y = cm.sum(xt, [1], { keepDims: false });
          const c = await check('sum over axis 1 checked against keepDims shape', y, cpuSum(x, [1], true), { atol: 1e-5, rtol: 1e-5 });
          xt.dispose();
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'thrown error',
      run: async (rt) => {
        const [a, b] = [upload(rt, random([3], 1)), upload(rt, random([4], 2))];
        try {
          cm.binaryRaw('add', a, b); // shapes do not broadcast: must throw, and the harness must report it
          return [];
        } finally {
          a.dispose();
          b.dispose();
        }
      },
    },
  ],
};
