#!/usr/bin/env node
/**
 * Host cost of recording a training step, per model (issue 13): the bench's step (batch upload +
 * trainStep up to its first wait), split into JS recording and Dawn's submit, with the runtime's
 * cache counters. Run after `npm run build`; add `--cpu-prof` to node for a V8 profile.
 *   node scripts/host-profile.mjs jsghca,ssah [steps]
 */
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { readFileSync, writeFileSync } from 'node:fs';

/** CPU time of this (the main) thread in ms (schedstat: updated at scheduler ticks, so only medians over many steps mean much). Wall time on 2 busy cores also counts the time lavapipe's threads preempt it. */
const threadCpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
import { createNodeRuntime } from '../dist/src/node.js';
import { loadDataset } from '../dist/src/data/node/load.js';
import { BatchSampler, makeBatch } from '../dist/src/data/batcher.js';
import { trainingSetView } from '../dist/src/train/loop.js';
import { createModel, getModelEntry } from '../dist/src/models/registry.js';

const names = (process.argv[2] ?? 'jsghca').split(',');
const steps = Number(process.argv[3] ?? 30);
/** With a third argument: a V8 CPU profile of the measured steps only, written to <dir>/<model>.cpuprofile. */
const profDir = process.argv[4];
const session = profDir ? new Session() : null;
session?.connect();
const rt = await createNodeRuntime({ dawnFlags: process.env.DAWN_FLAGS ? process.env.DAWN_FLAGS.split(' ') : [] });
const ds = loadDataset('default');
const view = trainingSetView(ds);
const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const name of names) {
  const batchSize = (await getModelEntry(name)).batchSize;
  const model = await createModel(name, rt, { bits: 64, seed: 1, dims, batchSize });
  await model.prepare?.(view);
  await rt.sync();
  const n = (k) => (typeof model.info.config[k] === 'number' ? model.info.config[k] : 0);
  const epoch = n('imageOnlyEpochs') + n('textOnlyEpochs');
  model.startEpoch?.(epoch);
  const sampler = new BatchSampler(Uint32Array.from({ length: view.n }, (_, i) => i), { batchSize, seed: 11 });
  sampler.startEpoch();
  // Time Dawn's queue.submit separately: wrap it.
  const q = rt.device.queue, submit = q.submit.bind(q), writeBuffer = q.writeBuffer.bind(q);
  let submitMs = 0, writeMs = 0, submits = 0, submitCpu = 0;
  q.submit = (cbs) => { const t = performance.now(), c = threadCpuMs(); submit(cbs); submitMs += performance.now() - t; submitCpu += threadCpuMs() - c; submits++; };
  q.writeBuffer = (...a) => { const t = performance.now(); writeBuffer(...a); writeMs += performance.now() - t; };
  let created = 0, bgMiss = 0, c0 = 0, m0 = 0;
  const subCpu = [], cpu = [], nsub = [], rec = [], sub = [], wr = [], tot = [], disp = [], batchMs = [];
  for (let i = 0; i < steps + 5; i++) {
    let pos = sampler.next();
    if (!pos) { sampler.startEpoch(); pos = sampler.next(); }
    if (session && i === 5) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROF_US ?? 250) }); await session.post('Profiler.start'); }
    const d0 = rt.stats().dispatches;
    submitMs = 0; writeMs = 0; submitCpu = 0;
    if (i === 5) { c0 = rt.stats().created; m0 = rt.stats().bindGroupMisses; }
    const c = threadCpuMs(), sb = rt.stats().submits;
    const t = performance.now();
    const batch = makeBatch(rt, ds, Uint32Array.from(pos, (p) => ds.splits.train[p]), { labels: true });
    batch.indices = pos;
    const tb = performance.now();
    const pending = model.trainStep(batch, epoch);
    const tr = performance.now();
    const cr = threadCpuMs() - c, subs = rt.stats().submits - sb;
    const s = submitMs, w = writeMs, sc = submitCpu;
    await pending;
    const te = performance.now();
    batch.image.dispose(); batch.text.dispose(); batch.labels?.dispose();
    if (i >= 5) { subCpu.push(sc); cpu.push(cr); nsub.push(subs); rec.push(tr - t); sub.push(s); wr.push(w); tot.push(te - t); disp.push(rt.stats().dispatches - d0); batchMs.push(tb - t); }
  }
  if (session) { const { profile } = await session.post('Profiler.stop'); writeFileSync(`${profDir}/${name}.cpuprofile`, JSON.stringify(profile)); }
  q.submit = submit; q.writeBuffer = writeBuffer;
  created = rt.stats().created - c0; bgMiss = rt.stats().bindGroupMisses - m0;
  const st = rt.stats();
  const d = med(disp);
  console.log(`${name} batch ${batchSize}: host to first wait ${med(rec).toFixed(2)} ms wall, ${med(cpu).toFixed(2)} ms main-thread CPU (${(1000 * med(cpu) / med(disp)).toFixed(0)} µs/dispatch; ${med(nsub)} submits; batch upload ${med(batchMs).toFixed(2)}, submit ${med(sub).toFixed(2)} wall / ${med(subCpu).toFixed(2)} CPU, writeBuffer ${med(wr).toFixed(2)}), ` +
    `step ${med(tot).toFixed(1)} ms, ${d} dispatches → ${(1000 * med(rec) / d).toFixed(0)} µs/dispatch; pipelines ${st.pipelines}; buffers created ${(created / steps).toFixed(1)}/step, bind-group misses ${(bgMiss / steps).toFixed(1)}/step (hits ${rt.stats().bindGroupHits}); pool ${JSON.stringify(st)}`);
  model.dispose();
  await rt.sync();
}
await rt.destroy();
