/**
 * The GEMMs of real training steps, one row per shape: every gemm_* dispatch of a few profiled steps of
 * each model (64 bits, the registry's batch, default dataset), grouped by M×N×K, transposed operands,
 * batch, split and kernel configuration, with GPU time per call (timestamp queries) and GFLOP/s.
 *
 *   node dist/bench/gemm-profile.js [--models jsghca,djsrh] [--steps 5] [--warmup 3] [--json file]
 *
 * Shapes are read back from each dispatch's uniform block (the gemm_* descriptors share one layout), so
 * this sees exactly what the GEMM policy dispatched, split-K first passes included (gemm_splitk rows are
 * their second passes). Time it under the CPU lock on a shared machine (wall and GPU times are load-bound).
 */
import { writeFileSync } from 'node:fs';
import { loadDataset } from '../src/data/node/load.js';
import { BatchSampler, disposeBatch, makeBatch } from '../src/data/batcher.js';
import { trainingSetView } from '../src/train/loop.js';
import { createModel, getModelEntry } from '../src/models/registry.js';
import { createNodeRuntime } from '../src/runtime/node-provider.js';
import { layoutOf } from '../src/kernels/params.js';
import type { KernelSpec } from '../src/runtime/runtime.js';

const GEMM_KERNELS = new Set(['gemm_sg', 'gemm_tex', 'gemm_reg', 'gemm_tiled', 'gemm_naive']);

/** "M×N×K Aᵀ Bᵀ [batch b] [split s] | kernel {constants} | grid", or undefined for other kernels. */
export function gemmLabel(spec: KernelSpec, grid: readonly [number, number, number], uniforms: ArrayBufferView | undefined): string | undefined {
  if (!uniforms) return undefined;
  const view = new DataView(uniforms.buffer, uniforms.byteOffset, uniforms.byteLength);
  if (spec.kernel === 'gemm_splitk') return `splitk n=${view.getUint32(0, true)} S=${view.getUint32(12, true)}`;
  if (!GEMM_KERNELS.has(spec.kernel)) return undefined;
  const u: Record<string, number> = {};
  for (const f of layoutOf('gemm_sg').fields) if (f.type === 'u32') u[f.name] = view.getUint32(f.offset, true);
  const conv = spec.constants?.MODE ? ` conv mode ${Number(spec.constants.MODE)}` : '';
  // op(A) = A has unit k stride, Aᵀ has stride M; op(B) = B has unit n stride, Bᵀ has stride K.
  const ta = u.sak !== 1 ? ' Aᵀ' : '';
  const tb = u.sbn !== 1 ? ' Bᵀ' : '';
  const nsplit = u.nsplit ?? 1;
  const batch = grid[2] / nsplit;
  const c = spec.constants ?? {};
  const cfg = ['TM', 'TN', 'WG', 'TX', 'TY', 'RM', 'RN', 'KV'].filter((k) => k in c).map((k) => `${k}${Number(c[k])}`).join(' ');
  return `${u.M}×${u.N}×${u.K}${ta}${tb}${batch > 1 ? ` batch ${batch}` : ''}${nsplit > 1 ? ` split ${nsplit}×${u.ksplit}` : ''}${conv} | ${spec.kernel} ${cfg}${c.HAS_BIAS ? ' +bias' : ''}${c.ACT ? ` act${Number(c.ACT)}` : ''} | grid ${grid.join('×')}`;
}

function flops(label: string): number {
  const m = /^(\d+)×(\d+)×(\d+)/.exec(label);
  if (!m) return 0;
  const b = /batch (\d+)/.exec(label);
  return 2 * Number(m[1]) * Number(m[2]) * Number(m[3]) * (b ? Number(b[1]) : 1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  const models = opt('models', 'jsghca,djsrh,dcmh,ssah,umha').split(',');
  const steps = Number(opt('steps', '5'));
  const warmup = Number(opt('warmup', '3'));
  const jsonOut = opt('json', '');
  const rt = await createNodeRuntime({ niceMainThread: true, dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
  const ds = loadDataset('default');
  const view = trainingSetView(ds);
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
  const out: Record<string, unknown> = {};
  for (const name of models) {
    const batchSize = (await getModelEntry(name)).batchSize;
    const model = await createModel(name, rt, { bits: 64, seed: 1, dims, batchSize });
    await model.prepare?.(view);
    const positions = Uint32Array.from({ length: view.n }, (_, i) => i);
    const sampler = new BatchSampler(positions, { batchSize, seed: 11 });
    const epoch = Number((model.info.config as Record<string, unknown>).imageOnlyEpochs ?? 0) + Number((model.info.config as Record<string, unknown>).textOnlyEpochs ?? 0);
    model.startEpoch?.(epoch);
    sampler.startEpoch();
    const step = async (): Promise<void> => {
      let pos = sampler.next();
      if (!pos) {
        sampler.startEpoch();
        pos = sampler.next()!;
      }
      const batch = makeBatch(rt, ds, Uint32Array.from(pos, (p) => ds.splits.train[p]!), { labels: true });
      batch.indices = pos;
      try {
        await model.trainStep(batch, epoch);
      } finally {
        disposeBatch(batch);
      }
    };
    for (let i = 0; i < warmup; i++) await step();
    await rt.sync();
    rt.startProfiling({ labelOf: gemmLabel });
    for (let i = 0; i < steps; i++) await step();
    const rep = await rt.stopProfiling();
    model.dispose();
    const rows = rep.kernels
      .filter((k) => /^\d+×|^splitk/.test(k.kernel))
      .map((k) => ({ shape: k.kernel, perStep: k.dispatches / steps, msPerStep: k.totalMs / steps, usPerCall: k.meanUs, gflops: flops(k.kernel) / (k.meanUs * 1e3) }));
    const gemmMs = rows.reduce((s, r) => s + r.msPerStep, 0);
    const gemmFlops = rows.reduce((s, r) => s + flops(r.shape) * r.perStep, 0);
    console.log(`\n${name} (batch ${batchSize}): GPU ${(rep.gpuMs / steps).toFixed(2)} ms/step, GEMM ${gemmMs.toFixed(2)} ms/step (${rows.reduce((s, r) => s + r.perStep, 0)} dispatches, ${(gemmFlops / 1e6).toFixed(0)} MFLOP, ${(gemmFlops / gemmMs / 1e6).toFixed(1)} GFLOP/s)`);
    console.log('| shape | kernel | grid | per step | µs/call | ms/step | GFLOP/s |\n|---|---|---|---:|---:|---:|---:|');
    for (const r of rows) {
      const [shape, kern, grid] = r.shape.split(' | ');
      console.log(`| ${shape} | ${kern ?? ''} | ${grid ?? ''} | ${r.perStep} | ${r.usPerCall.toFixed(0)} | ${r.msPerStep.toFixed(2)} | ${r.gflops ? r.gflops.toFixed(1) : ''} |`);
    }
    out[name] = { batchSize, steps, gpuMsPerStep: rep.gpuMs / steps, gemmMsPerStep: gemmMs, rows };
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
  rt.destroy();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
