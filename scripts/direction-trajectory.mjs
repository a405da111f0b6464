#!/usr/bin/env node
/**
 * Validation mAP per direction over training (issue 12's image→text question): trains one model on the results
 * protocol's split (embedded Wikipedia, LDA text, seeded 10 % validation carved from the 2,173 training items) and
 * prints image→text / text→image validation mAP@all after every epoch, the best epoch (mean of both, as the results
 * driver selects) and the image→text mean over the last 20 evaluations. The 693 queries are never touched.
 *
 *   npm run build && node scripts/direction-trajectory.mjs --model djsrh [--model-config '{}'] [--seed 1] [--bits 64]
 *     [--epochs 200] [--patience 10] [--lr-schedule cosine] [--image-input zscore]
 *
 * --image-input zscore: a diagnostic, not a model option — the image net's input becomes (x − mean) / std per
 * feature (training-set statistics) instead of the model's one global scale; the similarity targets still see the
 * raw features. Feature-input models with an `imageNet` only.
 */
import { parseArgs } from 'node:util';
const D = new URL('../dist/src', import.meta.url).href;
const { createNodeRuntime, train, parseLrSchedule } = await import(`${D}/node.js`);
const { protocolDataset, protocolModel } = await import('./lib/protocol.mjs');
const { fromArray, sub, mul } = await import(`${D}/ops/elementwise.js`);

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, 'model-config': { type: 'string', default: '{}' }, seed: { type: 'string', default: '1' },
    bits: { type: 'string', default: '64' }, epochs: { type: 'string', default: '200' }, patience: { type: 'string', default: '10' },
    'lr-schedule': { type: 'string' }, 'image-input': { type: 'string', default: 'model' },
  },
});
if (!a.model) throw new Error('--model is required');
if (!['model', 'zscore'].includes(a['image-input'])) throw new Error(`--image-input: 'model' or 'zscore', got '${a['image-input']}'`);
const seed = Number(a.seed), bits = Number(a.bits), epochs = Number(a.epochs), patience = Number(a.patience);
const rt = await createNodeRuntime();
const ds = protocolDataset(seed);
const { model: m, batchSize } = await protocolModel(rt, a.model, ds, { bits, seed, config: JSON.parse(a['model-config']) });

if (a['image-input'] === 'zscore') {
  const net = m.imageNet;
  if (!net?.forward) throw new Error(`--image-input zscore: ${a.model} has no feature image net`);
  const d = ds.imageDim, rows = ds.splits.train;
  const sum = new Float64Array(d), sq = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) { const v = ds.image[r * d + j]; sum[j] += v; sq[j] += v * v; }
  const mean = new Float32Array(d), inv = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] = sum[j] / rows.length;
    inv[j] = 1 / Math.sqrt(Math.max(sq[j] / rows.length - mean[j] ** 2, 0) + 1e-12);
  }
  const meanT = fromArray(rt, mean, [1, d]), invT = fromArray(rt, inv, [1, d]);
  const forward = net.forward.bind(net);
  // inputScale is set by the model's prepare(); the z-score replaces it.
  net.forward = (x, ...rest) => { net.inputScale = 1; return forward(mul(sub(x, meanT), invT), ...rest); };
}

const t0 = performance.now();
const res = await train(m, ds, {
  epochs, batchSize, seed, evalEvery: 1, patience, checkpointEvery: 0,
  ...(a['lr-schedule'] ? { lrSchedule: parseLrSchedule(a['lr-schedule']) } : {}),
}, {});
const hist = res.state.history;
for (const h of hist) console.log(`epoch ${h.epoch}\tI→T ${h.val.i2t.toFixed(4)}\tT→I ${h.val.t2i.toFixed(4)}`);
const best = hist.find((h) => h.epoch === res.best?.epoch);
const tail = hist.slice(-20);
console.log(JSON.stringify({
  model: a.model, config: JSON.parse(a['model-config']), seed, bits, lrSchedule: a['lr-schedule'] ?? 'constant', imageInput: a['image-input'],
  epochsRun: res.state.epoch, bestEpoch: res.best?.epoch, val: res.best?.score, bestDirections: best && { i2t: best.val.i2t, t2i: best.val.t2i },
  lastEvalsI2tMean: tail.reduce((s, h) => s + h.val.i2t, 0) / tail.length, evals: tail.length, seconds: (performance.now() - t0) / 1000,
}));
m.dispose();
