/**
 * Dense kernels: GEMM at 256–2048, the training steps' GEMM shapes (TRAIN_GEMMS: M = 32 against
 * 4096-wide layers, with and without split-K) and two AlexNet-style convolutions. Ours (the per-adapter choice
 * of gemm-config.ts, plus the other GEMM paths for comparison and a naive one-output-per-invocation
 * WGSL GEMM) against tfjs-webgpu on the same adapter and numpy's OpenBLAS SGEMM on the same CPU.
 */
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { fromArray } from '../../src/ops/elementwise.js';
import { gemmSplit, gemmUniforms, matmulRaw } from '../../src/ops/matmul.js';
import { conv2dRaw, conv2dGeometry } from '../../src/ops/conv.js';
import { REG_GEMM, SG_GEMM, TILED_GEMM, gemmConfig, setGemmConfig, setSplitKPolicy, subgroupBlock, type GemmConfig } from '../../src/ops/gemm-config.js';
import { Rng } from '../../src/util/rng.js';
import { convFlops, gemmFlops, gflops, measure } from '../lib/measure.js';
import { numpyGemm, type NumpyResult } from '../lib/numpy.js';
import { loadTfjsWebgpu, type TfjsPeer } from '../lib/tfjs.js';
import type { BenchContext, ResultRow, Suite } from '../lib/types.js';

function randomTensor(rt: Runtime, shape: number[], seed: number): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return fromArray(rt, Float32Array.from({ length: n }, () => r.uniform(-1, 1)), shape);
}

/** The reference naive kernel: one output per invocation, straight from storage. */
function naiveMatmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape as [number, number];
  const N = b.shape[1]!;
  const rt = a.runtime;
  const c = Tensor.empty(rt, [M, N]);
  const u = gemmUniforms({ M, N, K, batch: 1, sam: K, sak: 1, sbk: N, sbn: 1, batchA: 0, batchB: 0 });
  rt.dispatch({ kernel: 'gemm_naive', constants: { WX: 16, WY: 16 } }, [a.buffer, b.buffer, c.buffer], [Math.ceil(N / 16), Math.ceil(M / 16), 1], u);
  return c;
}

const label = (cfg: GemmConfig): string =>
  cfg.kind === 'sg' ? `cmhash gemm_sg ${cfg.TM}×${cfg.TN}/inv, WG ${cfg.WG}` :
  cfg.kind === 'reg' ? `cmhash gemm_reg ${cfg.TM}×${cfg.TN}/inv, WG ${cfg.WG}` :
  `cmhash gemm_tiled ${cfg.TY * cfg.RM}×${cfg.TX * cfg.RN} tile, BK ${cfg.BK}`;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, map: (i: number) => number = (i) => i): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[map(i)]!));
  return m;
}

async function gemmCases(ctx: BenchContext, sizes: number[], tfjs: TfjsPeer | null, rows: ResultRow[]): Promise<void> {
  const { rt, args, log } = ctx;
  const chosen = gemmConfig(rt);
  // The other paths, to show what the per-adapter choice buys (bounded sizes: they are slow here).
  const alternatives: GemmConfig[] = [SG_GEMM, REG_GEMM, TILED_GEMM].filter((c) => c.kind !== chosen.kind && (c.kind !== 'sg' || subgroupBlock(rt) === SG_GEMM.SGK));
  for (const n of sizes) {
    const name = `GEMM ${n}³`;
    const flops = gemmFlops(n, n, n);
    const a = randomTensor(rt, [n, n], n);
    const b = randomTensor(rt, [n, n], n + 1);
    const time = async (impl: string, run: () => Promise<void>, note?: string) => {
      const m = await measure(`${name} ${impl}`, run, { timeMs: args.timeMs });
      rows.push({ case: name, impl, medianMs: m.medianMs, samples: m.samples, workerCpuMs: m.workerCpuMs, gflops: gflops(flops, m.medianMs), note });
      log(`  ${name} ${impl}: ${m.medianMs.toFixed(1)} ms, ${gflops(flops, m.medianMs).toFixed(2)} GFLOP/s`);
    };
    const ours = (f: () => Tensor) => async () => {
      const c = f();
      await rt.sync();
      c.dispose();
    };
    const y0 = matmulRaw(a, b);
    const oursData = await y0.read();
    y0.dispose();
    if (tfjs) {
      const tf = tfjs.tf;
      const ta = tf.tensor2d(await a.read() as Float32Array, [n, n]);
      const tb = tf.tensor2d(await b.read() as Float32Array, [n, n]);
      const tc = tf.matMul(ta, tb);
      const note = `max |ours − tfjs| = ${maxAbsDiff(oursData, await tc.data()).toExponential(1)}`;
      tc.dispose();
      await time(`${label(chosen)} (default)`, ours(() => matmulRaw(a, b)), note);
      await time(`tfjs-webgpu ${tfjs.version}`, async () => {
        const y = tf.matMul(ta, tb);
        await tfjs.sync();
        y.dispose();
      });
      ta.dispose();
      tb.dispose();
    } else {
      await time(`${label(chosen)} (default)`, ours(() => matmulRaw(a, b)));
    }
    if (n <= 1024 || args.quick) {
      for (const cfg of alternatives) {
        setGemmConfig(rt, cfg);
        try {
          await time(label(cfg), ours(() => matmulRaw(a, b)));
        } finally {
          setGemmConfig(rt, null);
        }
      }
      await time('naive WGSL (1 output/invocation)', ours(() => naiveMatmul(a, b)));
    }
    a.dispose();
    b.dispose();
  }
}

/**
 * The GEMMs of the training steps (issue 13), exactly as the models issue them (scratch logging of
 * dispatchGemm during one JSGHCA / DJSRH step at batch 32 and one DCMH step at batch 128): forward
 * X·W, dX = dY·Wᵀ (transB) and dW = Xᵀ·dY (transA, K = the batch). `per` = how many times one step runs it.
 */
export const TRAIN_GEMMS: { M: number; N: number; K: number; tA: boolean; tB: boolean; role: string }[] = [
  { M: 32, N: 4096, K: 128, tA: false, tB: false, role: 'JSGHCA/DJSRH image layer 1 forward, ×1' },
  { M: 32, N: 64, K: 4096, tA: false, tB: false, role: 'hash heads forward, ×2' },
  { M: 32, N: 4096, K: 10, tA: false, tB: false, role: 'text layer 1 forward, ×1' },
  { M: 32, N: 4096, K: 64, tA: false, tB: true, role: 'hash heads dX, ×2' },
  { M: 4096, N: 64, K: 32, tA: true, tB: false, role: 'hash heads dW, ×2' },
  { M: 128, N: 4096, K: 32, tA: true, tB: false, role: 'image layer 1 dW, ×1' },
  { M: 10, N: 4096, K: 32, tA: true, tB: false, role: 'text layer 1 dW, ×1' },
  { M: 32, N: 128, K: 4096, tA: false, tB: true, role: 'JSGHCA image layer 1 dX, ×1' },
  { M: 32, N: 10, K: 4096, tA: false, tB: true, role: 'JSGHCA text layer 1 dX, ×1' },
  { M: 128, N: 1024, K: 128, tA: false, tB: false, role: 'DCMH layer 1 forward, ×1' },
  { M: 128, N: 64, K: 1956, tA: false, tB: false, role: 'DCMH similarity, ×2' },
  { M: 128, N: 1956, K: 64, tA: false, tB: true, role: 'DCMH similarity dX, ×2' },
  { M: 1024, N: 64, K: 128, tA: true, tB: false, role: 'DCMH hash head dW, ×2' },
];

/** Back-to-back GEMMs per submit in the shapes cases, as in a training step (one submit per step). */
const SHAPE_REPS = 10;

async function trainGemmCases(ctx: BenchContext, rows: ResultRow[]): Promise<void> {
  const { rt, args, log } = ctx;
  const chosen = gemmConfig(rt);
  // Ours as chosen (split-K where gemm-config's policy says), the same tile without split-K, and the other
  // register-blocked paths; each call submits SHAPE_REPS GEMMs and waits, ms and CPU are per GEMM.
  const variants: { label: string; cfg: GemmConfig | null; split: boolean }[] = [
    { label: `${label(chosen)} (default)`, cfg: null, split: true },
    { label: `${label(chosen)}, no split-K`, cfg: null, split: false },
  ];
  if (chosen.kind === 'sg') variants.push({ label: `${label({ ...chosen, TM: 32 })}, no split-K`, cfg: { ...chosen, TM: 32 }, split: false });
  for (const s of args.quick ? TRAIN_GEMMS.slice(0, 2) : TRAIN_GEMMS) {
    const name = `GEMM ${s.M}×${s.N}×${s.K}${s.tA ? ' Aᵀ' : ''}${s.tB ? ' Bᵀ' : ''} (${s.role})`;
    const flops = gemmFlops(s.M, s.N, s.K);
    const a = randomTensor(rt, s.tA ? [s.K, s.M] : [s.M, s.K], s.M + s.K);
    const b = randomTensor(rt, s.tB ? [s.N, s.K] : [s.K, s.N], s.N + s.K);
    const want = await matmulRaw(a, b, { transA: s.tA, transB: s.tB }).read();
    for (const v of variants) {
      if (v.cfg) setGemmConfig(rt, v.cfg);
      if (!v.split) setSplitKPolicy(rt, { minWorkgroups: 0, minK: 1, maxSplits: 1 });
      try {
        const geom = { M: s.M, N: s.N, K: s.K, batch: 1, sam: 0, sak: 0, sbk: 0, sbn: 0, batchA: 0, batchB: 0 };
        const split = gemmSplit(rt, geom, gemmConfig(rt), { bias: null, act: 'none', alpha: 1 });
        const got = await matmulRaw(a, b, { transA: s.tA, transB: s.tB }).read();
        const m = await measure(`${name} ${v.label}`, async () => {
          const cs: Tensor[] = [];
          for (let r = 0; r < SHAPE_REPS; r++) cs.push(matmulRaw(a, b, { transA: s.tA, transB: s.tB }));
          await rt.sync();
          for (const c of cs) c.dispose();
        }, { timeMs: args.timeMs });
        const ms = m.medianMs / SHAPE_REPS;
        const note = `${split.nsplit > 1 ? `split-K ${split.nsplit}×${split.ksplit}; ` : ''}max |Δ| vs default ${maxAbsDiff(got, want).toExponential(1)}; ${SHAPE_REPS} per submit`;
        rows.push({ case: name, impl: v.label, medianMs: ms, samples: m.samples, workerCpuMs: m.workerCpuMs === null ? null : m.workerCpuMs / SHAPE_REPS, gflops: gflops(flops, ms), note });
        log(`  ${name} ${v.label}: ${(ms * 1000).toFixed(0)} µs, ${gflops(flops, ms).toFixed(2)} GFLOP/s${m.workerCpuMs === null ? '' : `, worker CPU ${(m.workerCpuMs / SHAPE_REPS * 1000).toFixed(0)} µs`}${split.nsplit > 1 ? ` (split ${split.nsplit})` : ''}`);
      } finally {
        setGemmConfig(rt, null);
        setSplitKPolicy(rt, null);
      }
    }
    a.dispose();
    b.dispose();
  }
}

interface ConvCase { name: string; x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: number }

async function convCases(ctx: BenchContext, cases: ConvCase[], tfjs: TfjsPeer | null, rows: ResultRow[]): Promise<void> {
  const { rt, args, log } = ctx;
  for (const c of cases) {
    const g = conv2dGeometry(c.x, c.w, { stride: c.stride, padding: c.pad });
    const flops = convFlops(g.N, g.C, g.O, g.OH, g.OW, g.KH, g.KW);
    const x = randomTensor(rt, c.x, 3);
    const w = randomTensor(rt, c.w, 4);
    const time = async (impl: string, run: () => Promise<void>, note?: string) => {
      const m = await measure(`${c.name} ${impl}`, run, { timeMs: args.timeMs });
      rows.push({ case: c.name, impl, medianMs: m.medianMs, samples: m.samples, workerCpuMs: m.workerCpuMs, gflops: gflops(flops, m.medianMs), note });
      log(`  ${c.name} ${impl}: ${m.medianMs.toFixed(1)} ms, ${gflops(flops, m.medianMs).toFixed(2)} GFLOP/s`);
    };
    const opts = { stride: c.stride, padding: c.pad };
    const oursRun = async () => {
      const y = conv2dRaw(x, w, opts);
      await rt.sync();
      y.dispose();
    };
    if (tfjs) {
      const tf = tfjs.tf;
      // tfjs's native layout: NHWC input, [kh, kw, in, out] filter.
      const tx = tf.transpose(tf.tensor4d(await x.read() as Float32Array, c.x), [0, 2, 3, 1]);
      const tw = tf.transpose(tf.tensor4d(await w.read() as Float32Array, c.w), [2, 3, 1, 0]);
      const tfPad = c.pad === 0 ? 'valid' : ([[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
      const ty = tf.conv2d(tx, tw, c.stride, tfPad);
      const y = conv2dRaw(x, w, opts);
      const ours = await y.read();
      y.dispose();
      const theirs = await ty.data();
      ty.dispose();
      const { O, OH, OW } = g;
      // ours is NCHW, tfjs NHWC.
      const diff = maxAbsDiff(ours, theirs, (i) => {
        const ow = i % OW, oh = Math.floor(i / OW) % OH, o = Math.floor(i / (OW * OH)) % O, n = Math.floor(i / (OW * OH * O));
        return ((n * OH + oh) * OW + ow) * O + o;
      });
      await time('cmhash conv2d (implicit GEMM, NCHW)', oursRun, `max |ours − tfjs| = ${diff.toExponential(1)}`);
      await time(`tfjs-webgpu ${tfjs.version} (NHWC)`, async () => {
        const out = tf.conv2d(tx, tw, c.stride, tfPad);
        await tfjs.sync();
        out.dispose();
      });
      tx.dispose();
      tw.dispose();
    } else {
      await time('cmhash conv2d (implicit GEMM, NCHW)', oursRun);
    }
    x.dispose();
    w.dispose();
  }
}

const gemmSizes = (quick: boolean): number[] => (quick ? [64, 128] : [256, 512, 1024, 2048]);

export const denseSuite: Suite = {
  name: 'dense',
  description: 'GEMM (256–2048), the training steps\' GEMM shapes, and convolution vs tfjs-webgpu on the same adapter and numpy OpenBLAS SGEMM',
  // numpy runs in the CPU-peer phase, before the runtime renices the main thread (children would inherit it).
  async peers({ args, log }) {
    if (args.cases && !args.cases.includes('square')) return undefined;
    const np = numpyGemm(gemmSizes(args.quick), args.quick ? 3 : 7);
    if ('missing' in np) log(`  numpy OpenBLAS peer skipped: ${np.missing}`);
    return np;
  },
  async run(ctx) {
    const { rt, args, log } = ctx;
    const sizes = gemmSizes(args.quick);
    const rows: ResultRow[] = [];
    const np = ctx.peerData as NumpyResult | { missing: string } | undefined;
    const npRows: ResultRow[] = [];
    if (!np) {
      if (!args.cases) log('  numpy OpenBLAS peer not run (--no-peers)');
    } else if (!('missing' in np)) {
      for (const r of np.results) {
        npRows.push({ case: `GEMM ${r.n}³`, impl: `numpy ${np.version} SGEMM (${np.blas})`, medianMs: r.medianMs, samples: r.samples, gflops: gflops(gemmFlops(r.n, r.n, r.n), r.medianMs) });
      }
    }
    let tfjs: TfjsPeer | null = null;
    try {
      tfjs = await loadTfjsWebgpu();
      log(`  tfjs-webgpu ${tfjs.version} on ${tfjs.adapter}`);
    } catch (e) {
      log(`  tfjs-webgpu peer skipped: ${(e as Error).message}`);
    }
    const want = (group: string) => !args.cases || args.cases.includes(group);
    if (want('square')) await gemmCases(ctx, sizes, tfjs, rows);
    // Keep each GEMM size's rows together, numpy last.
    for (const r of want('square') ? npRows : []) {
      const last = rows.map((x) => x.case).lastIndexOf(r.case);
      rows.splice(last + 1, 0, r);
    }
    const convs: ConvCase[] = args.quick
      ? [{ name: 'conv 11×11 s4, 2×3×35×35 → 8', x: [2, 3, 35, 35], w: [8, 3, 11, 11], stride: 4, pad: 0 }, { name: 'conv 3×3 p1, 2×16×13×13 → 16', x: [2, 16, 13, 13], w: [16, 16, 3, 3], stride: 1, pad: 1 }]
      : [{ name: 'AlexNet conv1 11×11 s4, 8×3×227² → 96', x: [8, 3, 227, 227], w: [96, 3, 11, 11], stride: 4, pad: 0 }, { name: 'conv 3×3 p1, 8×256×13² → 256', x: [8, 256, 13, 13], w: [256, 256, 3, 3], stride: 1, pad: 1 }];
    if (want('shapes')) await trainGemmCases(ctx, rows);
    if (want('conv')) await convCases(ctx, convs, tfjs, rows);
    return rows;
  },
};
