/**
 * The demo's data side (no DOM): read an export (src/demo/format.ts) from a URL or from files the
 * user picked, rebuild the model on the page's GPU, and run a query: encode it with the model on the
 * GPU, search the Hamming index with the GPU kernels, score the ranking against the labels.
 */
import * as cm from '../index.js';
import { DEMO_MANIFEST, parseDemoManifest, type DemoManifest } from './format.js';

type Modality = cm.Modality;
export const MODALITIES: readonly Modality[] = ['image', 'text'];
export const other = (m: Modality): Modality => (m === 'image' ? 'text' : 'image');

/** Where the export's files come from. */
export interface FileSource {
  /** For messages: the URL or "3 selected files". */
  label: string;
  read(name: string): Promise<Uint8Array>;
}

/** Files under a base URL (the demo server serves the export at data/). */
export function urlSource(base: URL): FileSource {
  return {
    label: base.href,
    async read(name) {
      const url = new URL(name, base);
      let res: Response;
      try {
        res = await fetch(url, { cache: 'no-store' });
      } catch (e) {
        throw new cm.DataError(`${name}: could not be fetched from ${url.href} (${(e as Error).message})`);
      }
      if (!res.ok) throw new cm.DataError(`${name}: the server answered ${res.status} ${res.statusText} for ${url.href}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/** Files the user picked (a folder written by `cmhash export-demo`); matched by file name. */
export function filesSource(files: ArrayLike<File>): FileSource {
  const byName = new Map<string, File>();
  for (const f of Array.from(files)) byName.set(f.name, f);
  return {
    label: `${byName.size} selected file${byName.size === 1 ? '' : 's'}`,
    async read(name) {
      const f = byName.get(name);
      if (!f) throw new cm.DataError(`${name}: not among the selected files (${[...byName.keys()].sort().join(', ') || 'none'}); pick the whole folder written by cmhash export-demo`);
      return new Uint8Array(await f.arrayBuffer());
    },
  };
}

export interface DemoData {
  manifest: DemoManifest;
  model: cm.HashModel;
  queries: { n: number; image: Float32Array; text: Float32Array; labels: Uint8Array; rows: Uint32Array };
  db: { n: number; labels: Uint8Array; rows: Uint32Array };
  /** Database codes by the database items' modality. */
  index: Record<Modality, cm.HammingIndex>;
  /** The exporting CLI's codes of the queries, by query modality. */
  cliCodes: Record<Modality, Uint32Array>;
  /** Bytes read, for the status line. */
  bytes: number;
  dispose(): void;
}

/** A tensor of a decoded safetensors file with the expected dtype and shape, or a DataError naming both. */
function take(file: string, t: Map<string, cm.SafeTensor>, name: string, dtype: cm.SafeTensor['dtype'], shape: number[]): cm.SafeTensor['data'] {
  const x = t.get(name);
  if (!x) throw new cm.DataError(`${file}: no tensor '${name}' (it has ${[...t.keys()].join(', ') || 'none'})`);
  if (x.dtype !== dtype || x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
    throw new cm.DataError(`${file}: tensor '${name}' is ${x.dtype} [${x.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`);
  }
  return x.data;
}

function loadIndex(rt: cm.Runtime, file: string, bytes: Uint8Array, bits: number, n: number): cm.HammingIndex {
  let index: cm.HammingIndex;
  try {
    index = cm.HammingIndex.load(rt, bytes);
  } catch (e) {
    throw new cm.DataError(`${file}: ${(e as Error).message}`);
  }
  if (index.bits !== bits || index.size !== n) {
    index.dispose();
    throw new cm.DataError(`${file}: holds ${index.size} codes of ${index.bits} bits, expected ${n} codes of ${bits} bits`);
  }
  return index;
}

/** Rebuild the checkpoint's model (the library's modelFromCheckpoint, as the CLI and loadModel do): weights and state. */
async function buildModel(rt: cm.Runtime, m: DemoManifest, files: { model: Uint8Array; state: Uint8Array; json: string }, where: string): Promise<cm.HashModel> {
  const ckpt = cm.deserializeCheckpoint(files, where);
  if (ckpt.meta.model.name !== m.model.name || ckpt.meta.model.bits !== m.model.bits) {
    throw new cm.DataError(`${m.files.checkpoint}: is for ${ckpt.meta.model.name} ${ckpt.meta.model.bits} bits, ${DEMO_MANIFEST} says ${m.model.name} ${m.model.bits} bits`);
  }
  return cm.modelFromCheckpoint(rt, ckpt, where);
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/** Read and check every file of an export, build the model and the indexes on `rt`. */
export async function loadDemo(rt: cm.Runtime, src: FileSource, progress: (msg: string) => void): Promise<DemoData> {
  let bytes = 0;
  const read = async (name: string, what: string): Promise<Uint8Array> => {
    progress(`Loading ${what} (${name})…`);
    const b = await src.read(name);
    bytes += b.length;
    return b;
  };
  const manifest = parseDemoManifest(new TextDecoder().decode(await read(DEMO_MANIFEST, 'the export manifest')));
  const f = manifest.files;
  const { bits } = manifest.model;
  const c = manifest.dataset.labelNames.length;
  const { queries: nq, database: n } = manifest.counts;

  const json = new TextDecoder().decode(await read(f.checkpoint, 'the checkpoint description'));
  const weights = await read(f.weights, 'model weights');
  const state = await read(f.state, 'model state');
  progress(`Building ${manifest.model.name} (${bits} bits) on the GPU from ${mb(weights.length)} of weights…`);
  const model = await buildModel(rt, manifest, { model: weights, state, json }, f.checkpoint);
  const owned: { dispose(): void }[] = [model];
  try {
    const q = cm.decodeSafetensors(await read(f.queries, 'the query set'), f.queries).tensors;
    const queries = {
      n: nq,
      image: take(f.queries, q, 'image', 'F32', [nq, manifest.dataset.imageDim]) as Float32Array,
      text: take(f.queries, q, 'text', 'F32', [nq, manifest.dataset.textDim]) as Float32Array,
      labels: take(f.queries, q, 'labels', 'U8', [nq, c]) as Uint8Array,
      rows: take(f.queries, q, 'rows', 'U32', [nq]) as Uint32Array,
    };
    const d = cm.decodeSafetensors(await read(f.database, 'the database labels'), f.database).tensors;
    const db = { n, labels: take(f.database, d, 'labels', 'U8', [n, c]) as Uint8Array, rows: take(f.database, d, 'rows', 'U32', [n]) as Uint32Array };
    const index = {} as Record<Modality, cm.HammingIndex>;
    const cliCodes = {} as Record<Modality, Uint32Array>;
    for (const m of MODALITIES) {
      index[m] = loadIndex(rt, f.index[m], await read(f.index[m], `the ${m} code index`), bits, n);
      owned.push(index[m]);
      const qc = loadIndex(rt, f.queryCodes[m], await read(f.queryCodes[m], `the exported ${m} query codes`), bits, nq);
      cliCodes[m] = qc.codes();
      qc.dispose();
    }
    await rt.sync();
    return { manifest, model, queries, db, index, cliCodes, bytes, dispose: () => owned.forEach((o) => o.dispose()) };
  } catch (e) {
    owned.forEach((o) => o.dispose());
    throw e;
  }
}

export interface SearchResult {
  /** Modality of the query; results are of the other modality. */
  modality: Modality;
  query: number;
  k: number;
  /** The query's packed code as encoded in this page, and as the CLI encoded it. */
  code: Uint32Array;
  cliCode: Uint32Array;
  /** Bits in which the two differ (0 when the page reproduces the CLI). */
  codeDiff: number;
  /** Positions in the database (retrieval set), best first, and their Hamming distances. */
  indices: Uint32Array;
  distances: Uint32Array;
  /** Result shares at least one label with the query. */
  relevant: boolean[];
  /** This query's ranking of the whole database, and all exported queries (CLI codes), by radius. */
  metrics: cm.RetrievalMetrics;
  allMetrics: cm.RetrievalMetrics;
  encodeMs: number;
  searchMs: number;
}

function hamming(a: Uint32Array, b: Uint32Array, bits: number): number {
  let d = 0;
  for (let w = 0; w < a.length; w++) {
    const x = (a[w]! ^ b[w]!) >>> 0;
    d += cm.popcount32(w === a.length - 1 ? (x & cm.lastWordMask(bits)) >>> 0 : x);
  }
  return d;
}

const allMetricsCache = new WeakMap<DemoData, Partial<Record<Modality, Promise<cm.RetrievalMetrics>>>>();

/** Encode query `qi` of modality `m` on the GPU, search the other modality's index, score the ranking. */
export async function runQuery(d: DemoData, m: Modality, qi: number, k: number): Promise<SearchResult> {
  const { model, queries, db } = d;
  const bits = model.info.bits, words = cm.wordsFor(bits), c = d.manifest.dataset.labelNames.length;
  if (!Number.isInteger(qi) || qi < 0 || qi >= queries.n) throw new RangeError(`query must be an item 0..${queries.n - 1}, got ${qi}`);
  if (!Number.isInteger(k) || k < 1 || k > db.n) throw new RangeError(`top-k must be an integer in 1..${db.n}, got ${k}`);
  const dim = m === 'image' ? d.manifest.dataset.imageDim : d.manifest.dataset.textDim;
  const t0 = performance.now();
  const code = await cm.encodeFeatures(model, m, queries[m], dim, [qi]);
  const t1 = performance.now();
  const index = d.index[other(m)];
  const top = await index.search(code, k);
  const t2 = performance.now();
  const qLabels = queries.labels.subarray(qi * c, (qi + 1) * c);
  const relevant = Array.from(top.indices, (i) => qLabels.some((v, l) => v !== 0 && db.labels[i * c + l] !== 0));
  const common = { dbCodes: index.codes(), bits, dbLabels: db.labels, numLabels: c, rt: model.runtime, topK: [Math.min(k, db.n)] };
  const metrics = await cm.evaluateRetrieval({ ...common, queryCodes: code, queryLabels: qLabels });
  const cache = allMetricsCache.get(d) ?? {};
  allMetricsCache.set(d, cache);
  cache[m] ??= cm.evaluateRetrieval({ ...common, queryCodes: d.cliCodes[m], queryLabels: queries.labels });
  const cliCode = d.cliCodes[m].subarray(qi * words, (qi + 1) * words);
  return {
    modality: m, query: qi, k, code, cliCode, codeDiff: hamming(code, cliCode, bits),
    indices: top.indices, distances: top.distances, relevant, metrics, allMetrics: await cache[m],
    encodeMs: t1 - t0, searchMs: t2 - t1,
  };
}
