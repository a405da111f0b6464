// Results for the supervised models (DCMH, SSAH, HFAH, UDSPH) on the embedded Wikipedia set:
// mAP@all and mAP@50, I→T and T→I, per code length, mean ± std over seeds; PR curves as SVG; and the
// label network + text branch on MIRFlickr's 24-label annotations (text→text and label→text codes,
// since MIRFlickr has no image features here).
//
//   npx vite-node scripts/results-supervised.mjs -- [--bits 16,32,64,128] [--seeds 1,2,3] [--epochs 8]
//       [--models dcmh,ssah,hfah,udsph] [--out results/supervised] [--mirflickr-epochs 3] [--no-mirflickr]
//       [--merge earlier-runs.jsonl]
//
// Model selection uses the validation split carved from the training items (best epoch by validation
// mean mAP@all, evaluated every --eval-every epochs); the 693 Wikipedia queries are only used for the
// reported numbers. Writes results.json, results.md and pr-<model>-<bits>.svg under --out.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeRuntime } from '../src/node.ts';
import { loadDataset } from '../src/data/node/load.ts';
import { gatherRows } from '../src/data/dataset.ts';
import { BatchSampler } from '../src/data/batcher.ts';
import { createModel } from '../src/models/registry.ts';
import { train, trainingSetView, samplerSeed } from '../src/train/loop.ts';
import { restoreCheckpoint } from '../src/train/checkpoint.ts';
import { encodeFeatures, evaluateCrossModal } from '../src/train/evaluate.ts';
import { evaluateRetrieval, prCurveSvg } from '../src/retrieval/index.ts';
import { fromArray } from '../src/ops/elementwise.ts';

const { values: a } = parseArgs({
  options: {
    bits: { type: 'string', default: '16,32,64,128' }, seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string', default: '8' }, 'eval-every': { type: 'string', default: '2' }, batch: { type: 'string', default: '128' },
    models: { type: 'string', default: 'dcmh,ssah,hfah,udsph' }, out: { type: 'string', default: 'results/supervised' },
    'mirflickr-epochs': { type: 'string', default: '3' }, 'no-mirflickr': { type: 'boolean', default: false },
    // JSON-lines of earlier runs (one run record per line, as printed) of models not rerun here.
    merge: { type: 'string' },
  },
  allowPositionals: true,
});
const list = (s) => s.split(',').filter(Boolean);
const BITS = list(a.bits).map(Number), SEEDS = list(a.seeds).map(Number), MODELS = list(a.models);
const EPOCHS = Number(a.epochs), EVAL_EVERY = Number(a['eval-every']), BATCH = Number(a.batch);
const OUT = resolve(a.out);
mkdirSync(OUT, { recursive: true });

// Hyper-parameters picked on the validation split (short runs, 32 bits, seed 1; see README "Results —
// supervised"). Hidden widths 512 instead of the papers' 4096/8192 (2 shared CPU cores).
export const CONFIGS = {
  dcmh: { hidden: 512 },
  // SSAH / UDSPH: adversarial weight 0.01 vs 0 on the validation split (16 bits, hidden 128, 6 epochs):
  // 0.118 vs 0.162 mean mAP@all, so the label-feature discriminators are off in these runs (they are
  // implemented and tested; 'adversarial' turns them on).
  ssah: { hidden: 512, adversarial: 0 },
  hfah: { hidden: 512 },
  udsph: { hidden: 512, adversarial: 0 },
};

const rt = await createNodeRuntime();
const ds = loadDataset('default');
const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
const std = (v) => (v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1)) : 0);
const runs = [];
const earlier = a.merge ? readFileSync(resolve(a.merge), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : [];
for (const r of earlier) if (!MODELS.includes(r.model)) runs.push(r);
const t0 = Date.now();

for (const name of MODELS) {
  for (const bits of BITS) {
    for (const seed of SEEDS) {
      const model = await createModel(name, rt, { bits, seed, dims, batchSize: BATCH, config: CONFIGS[name] });
      await model.prepare(trainingSetView(ds));
      const untrained = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval, { mapK: 50 });
      const r = await train(model, ds, { epochs: EPOCHS, batchSize: BATCH, seed, evalEvery: EVAL_EVERY, patience: 0 });
      if (r.bestCheckpoint) await restoreCheckpoint(model, r.bestCheckpoint);
      const m = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval, { mapK: 50 });
      const rec = {
        model: name, bits, seed, bestEpoch: r.best?.epoch ?? EPOCHS, valMap: r.best?.score ?? null,
        i2t: { mapAll: m.i2t.mapAll, map50: m.i2t.mapAtK[50] }, t2i: { mapAll: m.t2i.mapAll, map50: m.t2i.mapAtK[50] },
        untrained: { i2t: untrained.i2t.mapAll, t2i: untrained.t2i.mapAll },
        seconds: r.state.history.reduce((s, h) => s + h.seconds, 0),
      };
      runs.push(rec);
      console.log(JSON.stringify(rec), `${((Date.now() - t0) / 1000).toFixed(0)}s`);
      if (seed === SEEDS[0]) {
        writeFileSync(join(OUT, `pr-${name}-${bits}.svg`), prCurveSvg([{ name: `${name} I→T`, metrics: m.i2t }, { name: `${name} T→I`, metrics: m.t2i }], `${name.toUpperCase()} ${bits} bits, Wikipedia (seed ${seed})`));
      }
      model.dispose();
    }
  }
}

const table = [];
for (const name of [...new Set(runs.map((r) => r.model))]) {
  for (const bits of BITS) {
    const rs = runs.filter((r) => r.model === name && r.bits === bits);
    if (!rs.length) continue;
    const agg = (f) => ({ mean: mean(rs.map(f)), std: std(rs.map(f)) });
    table.push({
      model: name, bits, seeds: rs.length,
      i2tAll: agg((r) => r.i2t.mapAll), t2iAll: agg((r) => r.t2i.mapAll), i2t50: agg((r) => r.i2t.map50), t2i50: agg((r) => r.t2i.map50),
      untrainedI2t: agg((r) => r.untrained.i2t), untrainedT2i: agg((r) => r.untrained.t2i),
    });
  }
}

// MIRFlickr: label network + text branch on the 24 real labels (no image features in this build).
let mir = null;
if (!a['no-mirflickr']) {
  try {
    const mds = loadDataset('mirflickr');
    const mdims = { imageDim: 0, textDim: mds.textDim, numLabels: mds.numLabels };
    const model = await createModel('hfah', rt, { bits: 64, seed: 1, dims: mdims, config: { ...CONFIGS.hfah, ablation: '3', hybridAttention: false } });
    const view = trainingSetView(mds);
    await model.prepare(view);
    const sampler = new BatchSampler(Uint32Array.from({ length: view.n }, (_, i) => i), { batchSize: BATCH, seed: samplerSeed(1) });
    const dummy = fromArray(rt, new Float32Array(1), [1, 1], 'f32');
    const EP = Number(a['mirflickr-epochs']);
    for (let e = 0; e < EP; e++) {
      model.startEpoch(e);
      sampler.startEpoch();
      for (let pos = sampler.next(); pos; pos = sampler.next()) {
        const m = pos.length;
        const text = fromArray(rt, gatherRows(view.text, view.textDim, pos), [m, view.textDim], 'f32');
        const labels = fromArray(rt, gatherRows(view.labels, view.labelDim, pos), [m, view.labelDim], 'f32');
        try { await model.trainStep({ indices: pos, image: dummy, text, labels }, e); } finally { text.dispose(); labels.dispose(); }
      }
      await model.endEpoch(e);
    }
    const q = mds.splits.query, db = mds.splits.retrieval;
    const qT = await encodeFeatures(model, 'text', mds.text, mds.textDim, q);
    const dT = await encodeFeatures(model, 'text', mds.text, mds.textDim, db);
    const labelModel = { ...model, info: model.info, runtime: rt, encode: (_m, x) => model.encodeLabels(x) };
    const qL = await encodeFeatures(labelModel, 'text', mds.labels, mds.numLabels, q);
    const common = { bits: 64, queryLabels: gatherRows(mds.labels, mds.numLabels, q), dbLabels: gatherRows(mds.labels, mds.numLabels, db), numLabels: mds.numLabels, mapAt: [50], rt };
    const t2t = await evaluateRetrieval({ ...common, queryCodes: qT, dbCodes: dT });
    const l2t = await evaluateRetrieval({ ...common, queryCodes: qL, dbCodes: dT });
    mir = { epochs: EP, bits: 64, train: view.n, queries: q.length, database: db.length, textToText: { mapAll: t2t.mapAll, map50: t2t.mapAtK[50], randomTies: t2t.expectedMapRandomTies }, labelToText: { mapAll: l2t.mapAll, map50: l2t.mapAtK[50] } };
    console.log('mirflickr', JSON.stringify(mir));
    dummy.dispose();
    model.dispose();
  } catch (e) {
    mir = { error: String(e?.message ?? e) };
    console.error('mirflickr part failed:', mir.error);
  }
}

const f = (x) => `${x.mean.toFixed(3)} ± ${x.std.toFixed(3)}`;
const md = [
  `Wikipedia (embedded: 128-d SIFT image features, 10-d LDA text, 10 categories), ${ds.splits.query.length} queries vs ${ds.splits.retrieval.length} retrieval items, ` +
    `${EPOCHS} epochs, best epoch by validation mAP, seeds ${SEEDS.join(', ')}.`,
  '',
  '| model | bits | I→T mAP@all | T→I mAP@all | I→T mAP@50 | T→I mAP@50 | untrained I→T / T→I mAP@all |',
  '|---|---|---|---|---|---|---|',
  ...table.map((t) => `| ${t.model.toUpperCase()} | ${t.bits} | ${f(t.i2tAll)} | ${f(t.t2iAll)} | ${f(t.i2t50)} | ${f(t.t2i50)} | ${t.untrainedI2t.mean.toFixed(3)} / ${t.untrainedT2i.mean.toFixed(3)} |`),
];
if (mir && !mir.error) {
  md.push('', `MIRFlickr-25K, label net + text branch (HFAH text net, 64 bits, ${mir.epochs} epochs, ${mir.train} training items): ` +
    `text→text mAP@all ${mir.textToText.mapAll.toFixed(3)} (mAP@50 ${mir.textToText.map50.toFixed(3)}), label-net codes→text mAP@all ${mir.labelToText.mapAll.toFixed(3)} (mAP@50 ${mir.labelToText.map50.toFixed(3)}).`);
}
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ configs: CONFIGS, epochs: EPOCHS, runs, table, mirflickr: mir }, null, 2));
writeFileSync(join(OUT, 'results.md'), md.join('\n') + '\n');
console.log(md.join('\n'));
await rt.destroy();
process.exit(0);
