/** Final test-set evaluation for `train` and `eval`: I→T and T→I metrics, random-code baseline, JSON and SVG plots. */
import { writeFileSync } from 'node:fs';
import { makeDirs, writeFileDurable } from '../train/node/durable.js';
import { join } from 'node:path';
import type { HashModel } from '../models/types.js';
import { gatherRows, type Dataset } from '../data/dataset.js';
import { Rng } from '../util/rng.js';
import { wordsFor } from '../ops/hashing.js';
import type { ImageInput } from '../data/batcher.js';
import { evaluateCrossModal } from '../train/evaluate.js';
import { info, shownPath } from './output.js';
import { evaluateRetrieval, precisionAtKSvg, prCurveSvg, type RetrievalMetrics } from '../retrieval/index.js';

export interface EvaluationReport {
  model: string;
  bits: number;
  dataset: string;
  queries: number;
  database: number;
  i2t: RetrievalMetrics;
  t2i: RetrievalMetrics;
  /** The same protocol with random codes (the sanity floor MODELS.md asks to print next to a model). */
  randomCodes: { i2t: RetrievalMetrics; t2i: RetrievalMetrics };
  seconds: number;
  /** Which run and which weights produced these numbers (run identity, checkpoint folder, epoch). */
  run?: { runId: string | null; weights?: Record<string, unknown> };
}

async function randomBaseline(ds: Dataset, bits: number, seed: number, rt: HashModel['runtime']): Promise<{ i2t: RetrievalMetrics; t2i: RetrievalMetrics }> {
  const words = wordsFor(bits);
  const rng = new Rng(seed);
  const mask = bits % 32 === 0 ? 0xffffffff : (1 << bits % 32) - 1;
  const codes = (n: number) => Uint32Array.from({ length: n * words }, (_, i) => (i % words === words - 1 ? rng.nextU32() & mask : rng.nextU32()) >>> 0);
  const { query, retrieval } = ds.splits;
  const common = { bits, queryLabels: gatherRows(ds.labels, ds.numLabels, query), dbLabels: gatherRows(ds.labels, ds.numLabels, retrieval), numLabels: ds.numLabels, mapAt: [Math.min(50, retrieval.length)], rt };
  const i2t = await evaluateRetrieval({ ...common, queryCodes: codes(query.length), dbCodes: codes(retrieval.length) });
  const t2i = await evaluateRetrieval({ ...common, queryCodes: codes(query.length), dbCodes: codes(retrieval.length) });
  return { i2t, t2i };
}

/** Evaluate on the test protocol (query split against the retrieval split), write results.json, pr.svg, patk.svg. */
export async function evaluateAndReport(model: HashModel, ds: Dataset, outDir: string, log: (s: string) => void = info, imageInput?: ImageInput, run?: EvaluationReport['run']): Promise<EvaluationReport> {
  const t0 = performance.now();
  const m = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval, { imageInput });
  const randomCodes = await randomBaseline(ds, model.info.bits, 12345, model.runtime);
  const report: EvaluationReport = {
    model: model.info.name, bits: model.info.bits, dataset: ds.name,
    queries: ds.splits.query.length, database: ds.splits.retrieval.length,
    i2t: m.i2t, t2i: m.t2i, randomCodes, seconds: (performance.now() - t0) / 1000,
    ...(run ? { run } : {}),
  };
  makeDirs(outDir, 'output folder');
  writeFileDurable(join(outDir, 'results.json'), JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  const title = `${model.info.name} ${model.info.bits} bits on ${ds.name}`;
  const named = [{ name: 'image→text', metrics: m.i2t }, { name: 'text→image', metrics: m.t2i }, { name: 'random codes I→T', metrics: randomCodes.i2t }];
  writeFileSync(join(outDir, 'pr.svg'), prCurveSvg(named, `Precision–recall by Hamming radius: ${title}`));
  writeFileSync(join(outDir, 'patk.svg'), precisionAtKSvg(named, `Precision@K: ${title}`));
  const k = Object.keys(m.i2t.mapAtK)[0];
  const f = (x: number | undefined) => (x === undefined ? '   -  ' : x.toFixed(4));
  log(`test: ${report.queries} queries × ${report.database} items, ${title}`);
  log(`             mAP@all  mAP@${k}   P@100   (random codes mAP@all)`);
  log(`  image→text  ${f(m.i2t.mapAll)}  ${f(m.i2t.mapAtK[Number(k)])}  ${f(m.i2t.precisionAtK[100])}  (${f(randomCodes.i2t.mapAll)})`);
  log(`  text→image  ${f(m.t2i.mapAll)}  ${f(m.t2i.mapAtK[Number(k)])}  ${f(m.t2i.precisionAtK[100])}  (${f(randomCodes.t2i.mapAll)})`);
  log(`wrote ${['results.json', 'pr.svg', 'patk.svg'].map((f) => shownPath(join(outDir, f))).join(', ')}`);
  return report;
}
