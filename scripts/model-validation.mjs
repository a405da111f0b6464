// Short-budget validation runs (issue 12 item 1): for each run, the best validation mAP (mean of I→T and
// T→I mAP@all, the 217 validation items vs the training items of the embedded Wikipedia set), one seed.
// Build first (npx tsc -p tsconfig.json), then, under the CPU lock on shared machines:
//   node scripts/model-validation.mjs '[{"label":"djsrh","model":"djsrh","epochs":8,"config":{"hidden":1024}}]'
// A run: { label, model, epochs, bits = 64, seed = 1, batch = 32, config = {} }. One JSON line per run.
import { createNodeRuntime, loadDataset, createModel, train } from '../dist/src/node.js';

const runs = JSON.parse(process.argv[2] ?? '[]');
if (!Array.isArray(runs) || runs.length === 0) throw new Error('model-validation: pass a JSON list of runs (see the header)');
const rt = await createNodeRuntime();
const ds = loadDataset('default');
const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
for (const r of runs) {
  const model = await createModel(r.model, rt, { bits: r.bits ?? 64, seed: r.seed ?? 1, dims, config: r.config ?? {} });
  const t0 = performance.now();
  const perEpoch = [];
  const res = await train(model, ds, { epochs: r.epochs, batchSize: r.batch ?? 32, seed: r.seed ?? 1, evalEvery: 1, patience: 0 }, { onEval: (e) => perEpoch.push(+e.metrics.meanMap.toFixed(4)) });
  console.log(JSON.stringify({ label: r.label, model: r.model, config: r.config, epochs: r.epochs, best: +res.best.score.toFixed(4), bestEpoch: res.best.epoch, perEpoch, seconds: +((performance.now() - t0) / 1000).toFixed(1) }));
  model.dispose();
}
await rt.destroy();
