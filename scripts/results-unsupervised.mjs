#!/usr/bin/env node
/**
 * Results table for the unsupervised models (issue 6): DJSRH, JSGHCA, UMHA on Wikipedia (standard split:
 * 693 queries vs the 2,173 retrieval items = training items; a validation split carved from the training
 * items is used for model selection only), mAP@all and mAP@50 for I→T and T→I, mean ± std over seeds,
 * the JSGHCA ablations, the untrained-network baseline and training time per epoch.
 *
 *   npx tsc -p tsconfig.json && node scripts/results-unsupervised.mjs [--epochs 5] [--hidden 1024]
 *     [--seeds 1,2,3] [--bits 16,32,64,128] [--models djsrh,jsghca,umha] [--ablation-bits 64]
 *     [--ablation-seeds 1] [--select-bits 64] [--no-select] [--out results/unsupervised]
 *     [--keep-from results/unsupervised.json]   (rerun only --models, keep the other models' runs from that file)
 *
 * Stage 1 (selection): for each model a small grid of variants is trained at --select-bits with the first
 * seed and scored by validation mAP (mean of I→T and T→I, val queries vs the training items); the best
 * variant is used for the table. The queries are never looked at during selection.
 * Writes <out>.json (every run, the selection, settings) and <out>.md (the tables), rewritten after each run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeRuntime, loadDataset, createModel, train, evaluateCrossModal, trainingSetView } from '../dist/src/node.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
};
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const ints = (s, name) => list(s).map((x) => {
  const v = Number(x);
  if (!Number.isInteger(v)) throw new Error(`--${name}: '${x}' is not an integer`);
  return v;
});
const S = {
  epochs: ints(opt('epochs', '5'), 'epochs')[0],
  hidden: ints(opt('hidden', '1024'), 'hidden')[0],
  seeds: ints(opt('seeds', '1,2,3'), 'seeds'),
  bits: ints(opt('bits', '16,32,64,128'), 'bits'),
  models: list(opt('models', 'djsrh,jsghca,umha')),
  ablationBits: ints(opt('ablation-bits', '64'), 'ablation-bits'),
  ablationSeeds: ints(opt('ablation-seeds', '1'), 'ablation-seeds'),
  selectBits: ints(opt('select-bits', '64'), 'select-bits')[0],
  select: !args.includes('--no-select'),
  batchSize: 32,
  out: opt('out', 'results/unsupervised'),
};

/** Variants tried on the validation split (first entry = the model's defaults). */
const GRID = {
  djsrh: [
    { name: 'beta=0.6', config: {} },
    { name: 'beta=0.9', config: { target: { beta: 0.9 } } },
  ],
  jsghca: [
    { name: 'AWM Eq.5, stages 1+1', config: {} },
    { name: 'AWM Alg.1, stages 1+1', config: { target: { fusion: 'awm-alg1' } } },
    { name: 'AWM Eq.5, joint only', config: { imageOnlyEpochs: 0, textOnlyEpochs: 0 } },
  ],
  umha: [
    { name: 'flatten tokens, batch fill', config: {} },
    { name: 'mean-pool tokens, batch fill', config: { pool: 'mean' } },
    { name: 'flatten tokens, zero fill', config: { fill: 'zero' } },
  ],
};

// --keep-from <json>: rerun only --models and keep the other models' runs and selection from an earlier output.
const keepFrom = opt('keep-from', '');
const prior = keepFrom ? JSON.parse(readFileSync(keepFrom, 'utf8')) : null;
const tableModels = prior ? [...new Set([...prior.settings.models, ...S.models])] : S.models;

const rt = await createNodeRuntime();
const ds = loadDataset('default');
const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
const started = new Date().toISOString();
const out = { settings: { ...S, dataset: { name: ds.name, source: ds.source, query: ds.splits.query.length, retrieval: ds.splits.retrieval.length, train: ds.splits.train.length, val: ds.splits.val.length, imageDim: ds.imageDim, textDim: ds.textDim } }, started, selection: [], chosen: {}, runs: [] };

if (prior) {
  const kept = (m) => !S.models.includes(m);
  out.runs = prior.runs.filter((r) => r.kind === 'main' && kept(r.label));
  out.selection = prior.selection.filter((x) => kept(x.model));
  for (const [m, c] of Object.entries(prior.chosen)) if (kept(m)) out.chosen[m] = c;
  out.keptFrom = { file: keepFrom, started: prior.started, models: prior.settings.models.filter(kept) };
}

const merge = (a, b) => {
  const o = { ...a };
  for (const [k, v] of Object.entries(b)) o[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(o[k] ?? {}, v) : v;
  return o;
};

async function run(model, bits, seed, config, { epochs = S.epochs, evalQueries = true } = {}) {
  const m = await createModel(model, rt, { bits, seed, dims, config: merge({ hidden: S.hidden }, config) });
  try {
    let res = null, epochSeconds = [], losses = [];
    const t0 = performance.now();
    if (epochs > 0) {
      res = await train(m, ds, { epochs, batchSize: S.batchSize, seed, evalEvery: 0, patience: 0 }, {
        onEpoch: (r) => { epochSeconds.push(r.seconds); losses.push(r.loss); },
      });
    } else if (m.prepare) {
      await m.prepare(trainingSetView(ds));
    }
    const seconds = (performance.now() - t0) / 1000;
    const val = await evaluateCrossModal(m, ds, ds.splits.val, ds.splits.train, { mapK: 50 });
    const r = { model, bits, seed, config, epochs, seconds, epochSeconds, losses, val: { i2t: val.i2t.mapAll, t2i: val.t2i.mapAll, mean: val.meanMap } };
    if (evalQueries) {
      const q = await evaluateCrossModal(m, ds, ds.splits.query, ds.splits.retrieval, { mapK: 50 });
      r.test = { i2t: q.i2t.mapAll, t2i: q.t2i.mapAll, i2t50: q.i2t.mapAtK[50], t2i50: q.t2i.mapAtK[50] };
    }
    void res;
    return r;
  } finally {
    m.dispose();
  }
}

const stats = (xs) => {
  const n = xs.length, mu = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1)) : 0;
  return { mean: mu, std: sd, n };
};
const fmt = (s) => (s.n > 1 ? `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}` : s.mean.toFixed(3));
const LABEL = { djsrh: 'DJSRH', jsghca: 'JSGHCA', umha: 'UMHA', untrained: 'untrained net (DJSRH init)' };

function markdown() {
  const L = [];
  const groups = new Map();
  for (const r of out.runs) {
    const key = `${r.kind}|${r.label}|${r.bits}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const cell = (kind, label, bits, field) => {
    const rs = groups.get(`${kind}|${label}|${bits}`);
    return rs ? fmt(stats(rs.map((r) => r.test[field]))) : '—';
  };
  const rows = [['untrained', 'untrained'], ...tableModels.map((m) => ['main', m])];
  for (const [field, title] of [['i2t', 'mAP@all I→T'], ['t2i', 'mAP@all T→I'], ['i2t50', 'mAP@50 I→T'], ['t2i50', 'mAP@50 T→I']]) {
    L.push(`**${title}** (Wikipedia, 693 queries vs 2,173 retrieval items; mean ± std over seeds ${S.seeds.join(', ')})`, '');
    L.push(`| method | ${S.bits.map((b) => `${b} bits`).join(' | ')} |`, `|---|${S.bits.map(() => '---').join('|')}|`);
    for (const [kind, label] of rows) L.push(`| ${LABEL[label] ?? label} | ${S.bits.map((b) => cell(kind, label, b, field)).join(' | ')} |`);
    L.push('');
  }
  const abl = [...groups.keys()].filter((k) => k.startsWith('ablation|'));
  if (abl.length) {
    L.push(`**JSGHCA ablations** (mAP@all, seeds ${S.ablationSeeds.join(', ')})`, '', '| variant | bits | I→T | T→I | mAP@50 I→T | mAP@50 T→I |', '|---|---|---|---|---|---|');
    for (const k of abl) {
      const rs = groups.get(k);
      const f = (fl) => fmt(stats(rs.map((r) => r.test[fl])));
      L.push(`| ${rs[0].label} | ${rs[0].bits} | ${f('i2t')} | ${f('t2i')} | ${f('i2t50')} | ${f('t2i50')} |`);
    }
    L.push('');
  }
  L.push(`**Training time per epoch** (s, ${ds.splits.train.length} training items, batch ${S.batchSize}, hidden ${S.hidden}; mean over all runs of the model; UMHA's one-off auxiliary matrix and B initialisation are in 'setup')`, '', '| method | s / epoch | setup s |', '|---|---|---|');
  for (const m of tableModels) {
    const rs = out.runs.filter((r) => r.kind === 'main' && r.label === m);
    if (!rs.length) continue;
    const ep = stats(rs.flatMap((r) => r.epochSeconds));
    const setup = stats(rs.map((r) => r.seconds - r.epochSeconds.reduce((a, b) => a + b, 0)));
    L.push(`| ${LABEL[m]} | ${ep.mean.toFixed(1)} | ${setup.mean.toFixed(1)} |`);
  }
  L.push('');
  if (out.selection.length) {
    L.push(`**Selection on the validation split** (${ds.splits.val.length} validation queries vs the ${ds.splits.train.length} training items, ${S.selectBits} bits, seed ${S.seeds[0]}, mean of I→T and T→I mAP@all)`, '', '| model | variant | val mAP | chosen |', '|---|---|---|---|');
    for (const s of out.selection) L.push(`| ${LABEL[s.model]} | ${s.variant} | ${s.val.mean.toFixed(4)} | ${out.chosen[s.model]?.variant === s.variant ? '✓' : ''} |`);
    L.push('');
  }
  return L.join('\n');
}

function save() {
  mkdirSync(dirname(S.out), { recursive: true });
  writeFileSync(`${S.out}.json`, JSON.stringify(out, null, 1) + '\n');
  writeFileSync(`${S.out}.md`, markdown() + '\n');
}
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);

// Stage 1: selection on the validation split.
for (const model of S.models) {
  const grid = S.select ? GRID[model] ?? [{ name: 'defaults', config: {} }] : [{ name: 'defaults', config: {} }];
  if (grid.length === 1) { out.chosen[model] = { variant: grid[0].name, config: grid[0].config }; continue; }
  let best = null;
  for (const v of grid) {
    const r = await run(model, S.selectBits, S.seeds[0], v.config, { evalQueries: false });
    out.selection.push({ model, variant: v.name, config: v.config, val: r.val, seconds: r.seconds });
    log('select', model, v.name, 'val', r.val.mean.toFixed(4));
    if (!best || r.val.mean > best.val) best = { variant: v.name, config: v.config, val: r.val.mean };
  }
  out.chosen[model] = best;
  save();
}

// Stage 2: the table (seed outermost so a partial run already covers every code length).
for (const seed of S.seeds) {
  for (const bits of S.bits) {
    const u = await run('djsrh', bits, seed, {}, { epochs: 0 });
    out.runs.push({ kind: 'untrained', label: 'untrained', ...u });
    for (const model of S.models) {
      const r = await run(model, bits, seed, out.chosen[model].config);
      out.runs.push({ kind: 'main', label: model, ...r });
      log(model, bits, 'seed', seed, 'I→T', r.test.i2t.toFixed(4), 'T→I', r.test.t2i.toFixed(4), `${(r.seconds).toFixed(0)} s`);
      save();
    }
  }
}

// Stage 3: JSGHCA ablations (on top of the chosen JSGHCA variant).
if (S.models.includes('jsghca')) {
  for (const bits of S.ablationBits) {
    for (const ab of ['1', '2', '3', '4', '5', '6']) {
      for (const seed of S.ablationSeeds) {
        const r = await run('jsghca', bits, seed, { ...out.chosen.jsghca.config, ablation: ab });
        out.runs.push({ kind: 'ablation', label: `JSGHCA-${ab}`, ...r });
        log('JSGHCA-' + ab, bits, 'I→T', r.test.i2t.toFixed(4), 'T→I', r.test.t2i.toFixed(4));
        save();
      }
    }
  }
}
out.finished = new Date().toISOString();
save();
log('wrote', `${S.out}.json`, `${S.out}.md`);
process.exit(0);
