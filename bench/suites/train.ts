/**
 * Training: every known model (src/models/registry.ts) at 64 bits with its paper's batch size on the
 * default dataset (Wikipedia features, LDA text): median wall time per training step and per epoch
 * (startEpoch … endEpoch), after warm-up, with the steps run as the training loop runs them (the next step's
 * batch upload and recording overlap this step's GPU work, src/train/overlap.ts: a step's time is the
 * interval between two completed steps; CMHASH_STEPS_IN_FLIGHT=1 times one step at a time), in the
 * joint stage of staged schedules; peak GPU buffer bytes from the runtime's pool and the process RSS
 * (lavapipe's "GPU" memory is host memory); a per-kernel GPU-time breakdown with timestamp queries.
 *
 * Peers: PyTorch CPU (bench/peers/torch_*.py) doing the same step — JSGHCA and DJSRH, UMHA, and two supervised
 * models (DCMH, SSAH) — timed in the CPU-peer phase before the GPU runtime exists, with configurations taken
 * from the models' own defaults and the same prepare()-time input scales. A parity run (identical initial
 * weights, one batch, dropout off) compares the loss before and after one SGD step on both sides.
 * Models not present in this build are reported as missing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDataset } from '../../src/data/node/load.js';
import { BatchSampler, disposeBatch, makeBatch } from '../../src/data/batcher.js';
import type { Dataset } from '../../src/data/dataset.js';
import { trainingSetView } from '../../src/train/loop.js';
import { runOverlappedSteps, STEPS_IN_FLIGHT } from '../../src/train/overlap.js';
import { createModel, getModelEntry, KNOWN_MODELS } from '../../src/models/registry.js';
import type { HashModel, TrainingSetView } from '../../src/models/types.js';
import type { ProfileReport } from '../../src/runtime/profiler.js';
import { unitVarianceScale } from '../../src/models/common/nets.js';
import { shouldRescaleCosine } from '../../src/models/common/rescale.js';
import { median } from '../lib/measure.js';
import { runPeer, torchVersion } from '../lib/python.js';
import type { BenchContext, PeerContext, ResultRow, Suite } from '../lib/types.js';

export const BITS = 64;

/** Where each model's mini-batch (its registry batchSize, the CLI's default --batch) comes from. */
export const BATCH_SOURCE: Record<string, string> = {
  djsrh: 'MODELS.md (DJSRH)',
  jsghca: 'MODELS.md (JSGHCA §3.4)',
  ssah: 'MODELS.md (SSAH)',
  dcmh: "DCMH reference code's batch_size (MODELS.md is silent)",
  hfah: "SSAH's, which HFAH follows (MODELS.md is silent)",
  udsph: "SSAH's, which UDSPH follows (MODELS.md)",
  umha: "DJSRH's, whose target UMHA builds on [ours: the seed gives no batch size]",
};

/** Models with a PyTorch peer, and the script that implements it. */
const TORCH_PEERS: Record<string, string> = {
  jsghca: 'torch_jsghca.py', djsrh: 'torch_jsghca.py', dcmh: 'torch_dcmh.py', ssah: 'torch_ssah.py', umha: 'torch_umha.py',
};

interface Sizes { warmupSteps: number; epochs: number; profileSteps: number }
/** Steps in flight: the training loop's, or CMHASH_STEPS_IN_FLIGHT=1 (each loss read back before the next step) for an A/B. */
const DEPTH = Number(process.env.CMHASH_STEPS_IN_FLIGHT ?? STEPS_IN_FLIGHT);
const sizes = (quick: boolean): Sizes => (quick ? { warmupSteps: 2, epochs: 1, profileSteps: 3 } : { warmupSteps: 10, epochs: 3, profileSteps: 10 });

/** First epoch index of the joint stage (staged schedules train one net at a time first). */
export function jointEpoch(config: Record<string, unknown>): number {
  const n = (k: string): number => (typeof config[k] === 'number' ? (config[k] as number) : 0);
  return n('imageOnlyEpochs') + n('textOnlyEpochs');
}

interface PeerTiming {
  torch: string;
  threads: number;
  nice: number;
  params: number;
  stepMs: number;
  stepMinMs: number;
  steps: number;
  epochMs: number;
  epochs: number;
  stepsPerEpoch: number;
  firstLoss: number;
  lastLoss: number;
  /** One-off set-up before the first step (UMHA's affinity and first code update), when the peer has one. */
  prepareMs?: number;
  /** Self CPU time per operator (torch.profiler) over a few extra steps. */
  profile: { steps: number; selfMsPerStep: number; ops: { op: string; calls: number; selfMs: number }[] } | null;
}

interface PeerRun {
  model: string;
  script: string;
  config: Record<string, unknown>;
  /** The fastest thread setting's run. */
  outcome: ReturnType<typeof runPeer<PeerTiming>>;
  tried: { threads: number; stepMs: number | null }[];
}

interface TrainPeerData {
  dir: string;
  torch: { version: string; threads: number } | { missing: string };
  runs: PeerRun[];
}

/** Train-split features as raw little-endian f32 files for the Python peers. */
function writeTrainSplit(dir: string, view: TrainingSetView): Record<string, unknown> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string, a: Float32Array): string => {
    const p = join(dir, name);
    writeFileSync(p, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  };
  return {
    n: view.n, imageDim: view.imageDim, textDim: view.textDim, labelDim: view.labelDim,
    image: f('train_image.f32', view.image), text: f('train_text.f32', view.text), labels: view.labels ? f('train_labels.f32', view.labels) : null,
  };
}

/**
 * The peer's configuration: the model's defaults with what prepare() derives from the training set
 * (input scales, cosine rescaling) computed by the same functions. Checked against the built model later.
 */
async function peerConfig(name: string, view: TrainingSetView): Promise<Record<string, unknown> | null> {
  if (name === 'jsghca' || name === 'djsrh' || name === 'umha') {
    const cfg = name === 'jsghca'
      ? (await import('../../src/models/jsghca/config.js')).jsghcaDefaults() as unknown as Record<string, unknown>
      : name === 'umha'
        ? (await import('../../src/models/umha/config.js')).umhaDefaults() as unknown as Record<string, unknown>
        : (await import('../../src/models/djsrh/config.js')).djsrhDefaults() as unknown as Record<string, unknown>;
    const target = { ...(cfg.target as Record<string, unknown>) };
    if (cfg.rescale === 'auto') {
      target.rescaleImage = shouldRescaleCosine(view.image, view.imageDim);
      target.rescaleText = shouldRescaleCosine(view.text, view.textDim);
    } else target.rescaleImage = target.rescaleText = cfg.rescale === 'on';
    const inputScale = cfg.normalizeInputs
      ? { image: unitVarianceScale(view.image, view.imageDim), text: unitVarianceScale(view.text, view.textDim) }
      : { image: 1, text: 1 };
    return { cfg: { ...cfg, target }, inputScale };
  }
  if (name === 'ssah') {
    const cfg = (await import('../../src/models/ssah/config.js')).ssahDefaults() as unknown as Record<string, unknown>;
    const inputScale = cfg.normalizeInputs
      ? { image: unitVarianceScale(view.image, view.imageDim), text: unitVarianceScale(view.text, view.textDim) }
      : { image: 1, text: 1 };
    return { cfg, inputScale };
  }
  if (name === 'dcmh') {
    let mod: { dcmhDefaults?: () => unknown };
    try {
      // A computed specifier: the model folder may not be in this build (as in the registry).
      const spec = '../../src/models/dcmh/index.js';
      mod = (await import(/* @vite-ignore */ spec)) as typeof mod;
    } catch {
      return null;
    }
    if (!mod.dcmhDefaults) return null;
    const cfg = mod.dcmhDefaults() as Record<string, unknown>;
    const inputScale = cfg.normalizeInputs
      ? { image: unitVarianceScale(view.image, view.imageDim), text: unitVarianceScale(view.text, view.textDim) }
      : { image: 1, text: 1 };
    return { cfg, inputScale };
  }
  return null;
}

function loadDefault(): { ds: Dataset; view: TrainingSetView } {
  const ds = loadDataset('default');
  return { ds, view: trainingSetView(ds) };
}

const fmtMiB = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Compare the fields the peer was given with the built model's config (after prepare()). */
function configDiff(peer: Record<string, unknown>, model: Record<string, unknown>): string[] {
  const out: string[] = [];
  const cfg = peer.cfg as Record<string, unknown>;
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'rescale') continue; // resolved into target.rescale*
    if (JSON.stringify(model[k]) !== JSON.stringify(v)) out.push(`${k}: peer ${JSON.stringify(v)} vs model ${JSON.stringify(model[k])}`);
  }
  if (JSON.stringify(model.inputScale) !== JSON.stringify(peer.inputScale)) out.push(`inputScale: peer ${JSON.stringify(peer.inputScale)} vs model ${JSON.stringify(model.inputScale)}`);
  return out;
}

async function parity(ctx: BenchContext, name: string, script: string, ds: Dataset, view: TrainingSetView, dir: string, batchSize: number): Promise<string> {
  const { rt } = ctx;
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
  const model = await createModel(name, rt, { bits: BITS, seed: 3, dims, batchSize, config: { dropout: 0 } });
  try {
    await model.prepare?.(view);
    const j0 = jointEpoch(model.info.config);
    model.startEpoch?.(j0);
    // Initial weights, [in, out] row-major as cmhash stores them.
    const params = [...model.namedParameters()];
    const datas = await Promise.all(params.map(([, t]) => t.read()));
    let offset = 0;
    const tensors = params.map(([n, t], i) => {
      const e = { name: n, shape: t.shape, offset };
      offset += datas[i]!.length;
      return e;
    });
    const all = new Float32Array(offset);
    datas.forEach((d, i) => all.set(d as Float32Array, tensors[i]!.offset));
    const wfile = join(dir, `${name}_weights.f32`);
    writeFileSync(wfile, new Uint8Array(all.buffer));
    const pos = Uint32Array.from({ length: batchSize }, (_, i) => i);
    const rows = Uint32Array.from(pos, (p) => ds.splits.train[p]!);
    const losses: Record<string, number>[] = [];
    for (let s = 0; s < 2; s++) {
      const batch = makeBatch(rt, ds, rows, { labels: true });
      batch.indices = pos;
      try {
        const r = await model.trainStep(batch, j0);
        losses.push({ total: r.loss, ...r.terms });
      } finally {
        disposeBatch(batch);
      }
    }
    // The peer mirrors the model as built: if a configured part has no parameters in the model, say so
    // and leave it out of the parity run so the rest is still checked.
    const mc = { ...model.info.config };
    let caveat = '';
    if (mc.joAttention === true && !params.some(([n]) => /_extra\d+\./.test(n))) {
      mc.joAttention = false;
      caveat = "; NOTE: the built model has joAttention=true but no Jo-Attention parameters (its forward skips Jo-Attention), so parity ran without it on both sides and the timed PyTorch peer (with Jo-Attention, as configured) does slightly more work";
    }
    const cfg = { cfg: mc, inputScale: model.info.config.inputScale, bits: BITS };
    const out = runPeer<{ before: Record<string, number>; after: Record<string, number> }>(script, {
      ...cfg, mode: 'parity', model: name, batch: batchSize, epoch: j0, data: writeTrainSplit(dir, view),
      weights: { file: wfile, tensors }, indices: Array.from(pos),
    });
    if (!out.ok) return `parity not checked: ${out.missing}${caveat}`;
    const a = losses[0]!.total!, b = losses[1]!.total!;
    const ta = out.result.before.total!, tb = out.result.after.total!;
    const rel = Math.max(Math.abs(a - ta) / Math.abs(ta), Math.abs(b - tb) / Math.abs(tb));
    return `parity (same initial weights and batch, dropout off): loss before/after one step ours ${a.toPrecision(7)}/${b.toPrecision(7)}, PyTorch ${ta.toPrecision(7)}/${tb.toPrecision(7)} (max rel. diff ${rel.toExponential(1)})${caveat}`;
  } finally {
    model.dispose();
  }
}

interface ModelTiming {
  stepMs: number;
  epochMs: number;
  steps: number;
  stepsPerEpoch: number;
  prepareMs: number;
  dispatchesPerStep: number;
  submitsPerStep: number;
  cpuMsPerStep: number;
  /** Median host time per step before the first wait: batch upload, op recording, submit. */
  recordMs: number;
  peakLiveBytes: number;
  peakAllocatedBytes: number;
  paramBytes: number;
  peakRssBytes: number;
  /** RSS when the model started (what earlier models left in the process is in both). */
  rssStartBytes: number;
  profile: ProfileReport;
  profiledStepMs: number;
  firstLoss: number;
  lastLoss: number;
  jointEpoch: number;
}

async function timeModel(ctx: BenchContext, model: HashModel, ds: Dataset, view: TrainingSetView, batchSize: number): Promise<ModelTiming> {
  const { rt, args } = ctx;
  const sz = sizes(args.quick);
  const rssStart = process.memoryUsage.rss();
  const t0 = performance.now();
  await model.prepare?.(view);
  await rt.sync();
  const prepareMs = performance.now() - t0;
  const positions = Uint32Array.from({ length: view.n }, (_, i) => i);
  const sampler = new BatchSampler(positions, { batchSize, seed: 11 });
  let rss = process.memoryUsage.rss();
  let recordMs = 0;
  // Steps run as in the training loop: the next one recorded while the GPU runs this one
  // (src/train/overlap.ts); a step's time is the interval between two completions.
  interface Started { batch: ReturnType<typeof makeBatch>; t: number }
  const runSteps = async (nextPos: () => Uint32Array | null, epoch: number, done: (loss: number, ms: number) => void): Promise<void> => {
    let last = performance.now();
    await runOverlappedSteps<Started>({
      next: () => {
        const pos = nextPos();
        if (!pos) return null;
        const t = performance.now();
        const rows = Uint32Array.from(pos, (p) => ds.splits.train[p]!);
        const batch = makeBatch(rt, ds, rows, { labels: true });
        batch.indices = pos;
        return { batch, t };
      },
      start: ({ batch, t }) => {
        // Host time: batch upload plus trainStep until it first waits (recording the step's ops and submitting).
        const pending = model.trainStep(batch, epoch);
        recordMs = performance.now() - t;
        return pending;
      },
      cleanup: ({ batch }) => {
        disposeBatch(batch);
        rss = Math.max(rss, process.memoryUsage.rss());
      },
      done: (r) => {
        if (!Number.isFinite(r.loss)) throw new Error(`${model.info.name}: loss ${r.loss}`);
        const now = performance.now();
        done(r.loss, now - last);
        last = now;
      },
      depth: model.overlapsSteps === true ? DEPTH : 1,
    });
  };
  const j0 = jointEpoch(model.info.config);
  let epoch = j0;
  // Warm-up: pipelines, first-dispatch JIT, pool growth.
  model.startEpoch?.(epoch);
  sampler.startEpoch();
  let warm = 0;
  await runSteps(() => {
    if (warm++ >= sz.warmupSteps) return null;
    let pos = sampler.next();
    if (!pos) {
      sampler.startEpoch();
      pos = sampler.next()!;
    }
    return pos;
  }, epoch, () => {});
  await model.endEpoch?.(epoch);
  await rt.sync();
  const stepTimes: number[] = [], epochTimes: number[] = [], losses: number[] = [], recordTimes: number[] = [];
  const s0 = rt.stats();
  const cpu0 = process.cpuUsage();
  for (let e = 0; e < sz.epochs; e++) {
    epoch++;
    const te = performance.now();
    model.startEpoch?.(epoch);
    sampler.startEpoch();
    await runSteps(() => sampler.next(), epoch, (loss, ms) => {
      losses.push(loss);
      stepTimes.push(ms);
      recordTimes.push(recordMs);
    });
    await model.endEpoch?.(epoch);
    await rt.sync();
    epochTimes.push(performance.now() - te);
  }
  const cpu = process.cpuUsage(cpu0);
  const s1 = rt.stats();
  // Per-kernel GPU time over a few more steps (profiling records one pass per dispatch: not timed above).
  model.startEpoch?.(++epoch);
  sampler.startEpoch();
  rt.startProfiling();
  const tp = performance.now();
  let profiled = 0;
  await runSteps(() => (profiled < sz.profileSteps ? (profiled++, sampler.next()) : null), epoch, () => {});
  const profile = await rt.stopProfiling();
  const profiledStepMs = (performance.now() - tp) / Math.max(1, profiled);
  profile.gpuMs /= Math.max(1, profiled);
  profile.dispatches /= Math.max(1, profiled);
  for (const k of profile.kernels) {
    k.totalMs /= Math.max(1, profiled);
    k.dispatches /= Math.max(1, profiled);
  }
  let paramBytes = 0;
  for (const t of model.namedParameters().values()) paramBytes += t.size * 4;
  const st = rt.stats();
  return {
    stepMs: median(stepTimes), epochMs: median(epochTimes), steps: stepTimes.length, stepsPerEpoch: sampler.batchesPerEpoch, prepareMs,
    dispatchesPerStep: (s1.dispatches - s0.dispatches) / stepTimes.length, submitsPerStep: (s1.submits - s0.submits) / stepTimes.length,
    cpuMsPerStep: (cpu.user + cpu.system) / 1e3 / stepTimes.length, recordMs: median(recordTimes),
    peakLiveBytes: st.peakLiveBytes, peakAllocatedBytes: st.peakAllocatedBytes, paramBytes, peakRssBytes: rss, rssStartBytes: rssStart,
    profile, profiledStepMs, firstLoss: losses[0]!, lastLoss: losses[losses.length - 1]!, jointEpoch: j0,
  };
}

/**
 * The fixed GPU cost of one dispatch on this adapter: the profiled time of a dispatch that does almost no
 * work (fill 64 words), median over 200. Multiplied by the dispatches per step it bounds what fusing
 * kernels could save.
 */
async function dispatchFloorUs(ctx: BenchContext): Promise<number> {
  const { rt } = ctx;
  const buf = rt.createStorage(256);
  for (let i = 0; i < 8; i++) rt.fillWords(buf, 64, 0);
  await rt.sync();
  rt.startProfiling();
  const n = 200;
  for (let i = 0; i < n; i++) rt.fillWords(buf, 64, i);
  const rep = await rt.stopProfiling();
  rt.release(buf);
  return (rep.gpuMs * 1e3) / n;
}

const topKernels = (p: ProfileReport, n = 5): string =>
  p.kernels.slice(0, n).map((k) => `${k.kernel.replace('#main', '')} ${(100 * k.share).toFixed(0)}% (${k.dispatches.toFixed(0)}×${k.meanUs.toFixed(0)} µs)`).join(', ');

export const trainSuite: Suite = {
  name: 'train',
  description: `training step and epoch of every model at ${BITS} bits, paper batch sizes, default dataset; peak memory; PyTorch CPU peers; per-kernel GPU time`,

  async peers(ctx: PeerContext): Promise<TrainPeerData> {
    const { args, log } = ctx;
    const dir = join(tmpdir(), `cmhash-bench-train-${process.pid}`);
    const torch = torchVersion();
    const data: TrainPeerData = { dir, torch, runs: [] };
    if ('missing' in torch) {
      log(`  PyTorch peers skipped: ${torch.missing}`);
      return data;
    }
    log(`  PyTorch ${torch.version}, ${torch.threads} threads`);
    const { view } = loadDefault();
    const files = writeTrainSplit(dir, view);
    const sz = sizes(args.quick);
    const wanted = args.models ?? [...KNOWN_MODELS];
    for (const [model, script] of Object.entries(TORCH_PEERS)) {
      if (!wanted.includes(model)) continue;
      const config = await peerConfig(model, view);
      if (!config) {
        log(`  ${model}: no PyTorch peer run (the model's config is not in this build)`);
        continue;
      }
      const batch = (await getModelEntry(model)).batchSize;
      // Small steps can be faster on one thread than on all cores: time both, keep the peer's best.
      let outcome: PeerRun['outcome'] | null = null;
      const tried: { threads: number; stepMs: number | null }[] = [];
      for (const threads of [...new Set([1, cpus().length])]) {
        const o = runPeer<PeerTiming>(script, {
          ...config, mode: 'time', model, bits: BITS, batch, epoch: 2, data: files,
          warmupSteps: sz.warmupSteps, epochs: sz.epochs, seed: 1, threads, profileSteps: sz.profileSteps,
        });
        tried.push({ threads, stepMs: o.ok ? o.result.stepMs : null });
        if (o.ok) log(`  ${model} PyTorch, ${threads} thread(s): step ${o.result.stepMs.toFixed(2)} ms, epoch ${o.result.epochMs.toFixed(0)} ms (nice ${o.result.nice})`);
        else log(`  ${model} PyTorch peer, ${threads} thread(s), skipped: ${o.missing}`);
        if (!outcome || (o.ok && (!outcome.ok || o.result.stepMs < outcome.result.stepMs))) outcome = o;
      }
      data.runs.push({ model, script, config, outcome: outcome!, tried });
    }
    return data;
  },

  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const { rt, args, log } = ctx;
    const peers = ctx.peerData as TrainPeerData | undefined;
    const dir = peers?.dir ?? join(tmpdir(), `cmhash-bench-train-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const rows: ResultRow[] = [];
    const { ds, view } = loadDefault();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    const names = args.models ?? [...KNOWN_MODELS];
    const floorUs = rt.hasFeature('timestamp-query') ? await dispatchFloorUs(ctx) : NaN;
    if (Number.isFinite(floorUs)) log(`  fixed GPU cost of a near-empty dispatch (fill 64 words, profiled): ${floorUs.toFixed(0)} µs`);
    try {
      for (const name of names) {
        let batchSize: number;
        try {
          batchSize = (await getModelEntry(name)).batchSize;
        } catch (e) {
          log(`  ${name}: missing (${(e as Error).message.split('\n')[0]})`);
          rows.push({ case: `${name} ${BITS} bits`, impl: 'cmhash', medianMs: NaN, samples: 0, note: 'missing: not in this build yet' });
          continue;
        }
        const label = `${name} ${BITS} bits, batch ${batchSize}`;
        await rt.sync();
        rt.pool.trim();
        rt.pool.resetPeak();
        let model: HashModel;
        try {
          model = await createModel(name, rt, { bits: BITS, seed: 1, dims, batchSize });
        } catch (e) {
          log(`  ${name}: could not be built: ${(e as Error).message}`);
          rows.push({ case: label, impl: 'cmhash', medianMs: NaN, samples: 0, note: `failed to build: ${(e as Error).message.split('\n')[0]}` });
          continue;
        }
        let t: ModelTiming;
        try {
          t = await timeModel(ctx, model, ds, view, batchSize);
        } catch (e) {
          model.dispose();
          log(`  ${name}: training failed: ${(e as Error).message}`);
          rows.push({ case: label, impl: 'cmhash', medianMs: NaN, samples: 0, note: `training failed: ${(e as Error).message.split('\n')[0]}` });
          continue;
        }
        const modelConfig = model.info.config;
        model.dispose();
        await rt.sync();
        const gpuShare = t.profile.gpuMs / t.stepMs;
        log(`  ${label}: step ${t.stepMs.toFixed(2)} ms, epoch ${t.epochMs.toFixed(0)} ms (${t.stepsPerEpoch} steps), ${t.dispatchesPerStep.toFixed(0)} dispatches/step, GPU ${t.profile.gpuMs.toFixed(2)} ms/step; peak live ${fmtMiB(t.peakLiveBytes)}, RSS ${fmtMiB(t.peakRssBytes)}`);
        log(`    top kernels: ${topKernels(t.profile)}`);
        const row: ResultRow = {
          case: label, impl: `cmhash (${rt.info.backend})`, medianMs: t.stepMs, samples: t.steps,
          note: `epoch ${t.epochMs.toFixed(0)} ms (${t.stepsPerEpoch} steps); ${t.dispatchesPerStep.toFixed(0)} dispatches, ${t.submitsPerStep.toFixed(1)} submits, ${t.cpuMsPerStep.toFixed(1)} CPU-ms per step; host recording ${t.recordMs.toFixed(1)} ms/step; ` +
            `GPU busy ${t.profile.gpuMs.toFixed(2)} ms/step (${(100 * gpuShare).toFixed(0)}% of the step), of which ≈${((floorUs * t.profile.dispatches) / 1e3).toFixed(1)} ms is the fixed per-dispatch cost; peak GPU buffers live ${fmtMiB(t.peakLiveBytes)} / pooled ${fmtMiB(t.peakAllocatedBytes)} (params ${fmtMiB(t.paramBytes)}); peak RSS ${fmtMiB(t.peakRssBytes)} (${t.peakRssBytes >= t.rssStartBytes ? '+' : '−'}${fmtMiB(Math.abs(t.peakRssBytes - t.rssStartBytes))} over the model's start)`,
          extra: {
            model: name, bits: BITS, batchSize, batchSource: BATCH_SOURCE[name] ?? 'the registry default', epochMs: t.epochMs, stepsPerEpoch: t.stepsPerEpoch,
            trainItems: view.n, prepareMs: t.prepareMs, jointEpoch: t.jointEpoch, dispatchesPerStep: t.dispatchesPerStep, submitsPerStep: t.submitsPerStep,
            cpuMsPerStep: t.cpuMsPerStep, recordMs: t.recordMs, peakLiveBytes: t.peakLiveBytes, peakAllocatedBytes: t.peakAllocatedBytes, paramBytes: t.paramBytes,
            peakRssBytes: t.peakRssBytes, rssStartBytes: t.rssStartBytes, dispatchFloorUs: floorUs, firstLoss: t.firstLoss, lastLoss: t.lastLoss, profile: t.profile, profiledStepMs: t.profiledStepMs,
          },
        };
        rows.push(row);
        const peer = peers?.runs.find((r) => r.model === name);
        if (!peer) {
          if (TORCH_PEERS[name]) {
            const why = !peers ? 'CPU peers not run (--no-peers)' : 'missing' in peers.torch ? peers.torch.missing : 'the peer did not run (its config was not in this build when the peers ran)';
            rows.push({ case: label, impl: 'PyTorch CPU', medianMs: NaN, samples: 0, note: `skipped: ${why}` });
          }
          continue;
        }
        if (!peer.outcome.ok) {
          rows.push({ case: label, impl: 'PyTorch CPU', medianMs: NaN, samples: 0, note: `skipped: ${peer.outcome.missing}` });
          continue;
        }
        const p = peer.outcome.result;
        const diff = configDiff(peer.config, modelConfig);
        const ratio = p.stepMs / t.stepMs;
        const par = await parity(ctx, name, peer.script, ds, view, dir, batchSize).catch((e: Error) => `parity check failed: ${e.message}`);
        log(`  ${label}: PyTorch step ${p.stepMs.toFixed(2)} ms → throughput ours/PyTorch ${ratio.toFixed(2)}×; ${par}`);
        if (diff.length) log(`  WARNING ${name}: the peer's config differs from the model's: ${diff.join('; ')}`);
        row.note += `; throughput ours/PyTorch ${ratio.toFixed(2)}× per step, ${(p.epochMs / t.epochMs).toFixed(2)}× per epoch`;
        rows.push({
          case: label, impl: `PyTorch ${p.torch} CPU (${p.threads} threads, ${peer.script})`, medianMs: p.stepMs, samples: p.steps,
          note: `epoch ${p.epochMs.toFixed(0)} ms (${p.stepsPerEpoch} steps)${p.prepareMs !== undefined ? `; prepare ${p.prepareMs.toFixed(0)} ms (ours ${t.prepareMs.toFixed(0)} ms)` : ''}; ${par}${diff.length ? `; CONFIG DIFFERS: ${diff.join('; ')}` : ''}`,
          extra: { ...p, niceAtSpawn: peer.outcome.niceness, threadsTried: peer.tried, ratioStep: ratio, ratioEpoch: p.epochMs / t.epochMs, configDiff: diff },
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
