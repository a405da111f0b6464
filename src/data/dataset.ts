/**
 * The in-memory dataset every loader produces (browser-safe): paired image/text rows with multi-hot
 * labels, and the protocol splits as row indices.
 */
import { DataError } from '../runtime/errors.js';
import { Rng } from '../util/rng.js';
import type { TextVectorizerSpec } from './text-vectorizer.js';

export interface DatasetSplits {
  /** Query items (evaluation queries). */
  query: Uint32Array;
  /** Retrieval database. */
  retrieval: Uint32Array;
  /** Items the model trains on (⊂ retrieval in the standard protocols, val removed). */
  train: Uint32Array;
  /** Validation queries for model selection and early stopping (carved from the training items). */
  val: Uint32Array;
}

export interface Dataset {
  name: string;
  /** Number of rows (pairs). */
  n: number;
  /** Image feature width; 0 when the dataset has no image features (e.g. MIRFlickr without CNN features). */
  imageDim: number;
  textDim: number;
  numLabels: number;
  /** [n, imageDim] row-major. */
  image: Float32Array;
  /** [n, textDim] row-major. */
  text: Float32Array;
  /** [n, numLabels] multi-hot (0/1) row-major. */
  labels: Float32Array;
  labelNames: string[];
  splits: DatasetSplits;
  /** Image file (relative to `imageRoot`) per row, for the raw-image path; '' where a row has none. */
  imageFiles?: string[];
  imageRoot?: string;
  /** Where it came from, for manifests and logs. */
  source?: string;
  /** Item id per row (packed datasets with ids; otherwise rows are named by their index). */
  ids?: string[];
  /** The fitted vectorizer that turned captions into `text`, when the text features came from captions. */
  textVectorizer?: TextVectorizerSpec;
}

/** Check lengths, finiteness, label values and split indices; throws DataError naming `where` and the field. */
export function validateDataset(ds: Dataset, where = ds.name): Dataset {
  const { n } = ds;
  if (!Number.isInteger(n) || n <= 0) throw new DataError(`${where}: dataset has ${n} rows`);
  const check = (field: 'image' | 'text' | 'labels', dim: number) => {
    const a = ds[field];
    if (a.length !== n * dim) throw new DataError(`${where}: field '${field}' has ${a.length} values, expected ${n} rows × ${dim} = ${n * dim}`);
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (!Number.isFinite(x)) throw new DataError(`${where}: field '${field}' has ${x} at row ${Math.floor(i / dim)}, column ${i % dim} (values must be finite)`);
      if (field === 'labels' && x !== 0 && x !== 1) throw new DataError(`${where}: field 'labels' has ${x} at row ${Math.floor(i / dim)}, column ${i % dim} (expected 0 or 1)`);
    }
  };
  if (ds.textDim <= 0) throw new DataError(`${where}: textDim is ${ds.textDim}`);
  if (ds.numLabels <= 0) throw new DataError(`${where}: numLabels is ${ds.numLabels}`);
  check('image', ds.imageDim);
  check('text', ds.textDim);
  check('labels', ds.numLabels);
  if (ds.ids && ds.ids.length !== n) throw new DataError(`${where}: ${ds.ids.length} ids for ${n} rows`);
  if (ds.imageFiles && ds.imageFiles.length !== n) throw new DataError(`${where}: ${ds.imageFiles.length} image files for ${n} rows`);
  if (ds.labelNames.length !== ds.numLabels) throw new DataError(`${where}: ${ds.labelNames.length} label names for ${ds.numLabels} labels`);
  const seen = new Map<string, Uint8Array>();
  for (const key of ['query', 'retrieval', 'train', 'val'] as const) {
    const s = ds.splits[key];
    if (!(s instanceof Uint32Array)) throw new DataError(`${where}: split '${key}' must be a Uint32Array`);
    const mark = new Uint8Array(n);
    for (let i = 0; i < s.length; i++) {
      const r = s[i]!;
      if (r >= n) throw new DataError(`${where}: split '${key}' has row ${r} at position ${i}, but the dataset has ${n} rows`);
      if (mark[r]) throw new DataError(`${where}: split '${key}' lists row ${r} twice`);
      mark[r] = 1;
    }
    seen.set(key, mark);
  }
  if (ds.splits.query.length === 0) throw new DataError(`${where}: split 'query' is empty`);
  if (ds.splits.retrieval.length === 0) throw new DataError(`${where}: split 'retrieval' is empty`);
  if (ds.splits.train.length === 0) throw new DataError(`${where}: split 'train' is empty`);
  const train = seen.get('train')!;
  for (const r of ds.splits.val) if (train[r]) throw new DataError(`${where}: row ${r} is in both 'train' and 'val'`);
  // Relevance is "shares a label": with no label at all in the queries or the database, every mAP would be 0.
  for (const key of ['query', 'retrieval'] as const) {
    const rows = ds.splits[key];
    let any = false;
    for (let i = 0; i < rows.length && !any; i++) for (let j = 0; j < ds.numLabels && !any; j++) any = ds.labels[rows[i]! * ds.numLabels + j] === 1;
    if (!any) throw new DataError(`${where}: field 'labels' is all zero for the ${rows.length} rows of split '${key}' (no item has a label, so relevance and mAP are undefined)`);
  }
  return ds;
}

/** Host copies of some rows (gathered, row-major). */
export function gatherRows(src: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(src.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  return out;
}

/** The standard seeded split: `numQuery` random queries, the rest the retrieval set, `numTrain` of those for training. */
export function randomSplit(n: number, opts: { numQuery: number; numTrain: number; seed: number }): { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array } {
  const { numQuery, numTrain, seed } = opts;
  if (!(numQuery > 0 && numQuery < n)) throw new DataError(`randomSplit: numQuery ${numQuery} must be in 1..${n - 1} (n = ${n})`);
  if (!(numTrain > 0 && numTrain <= n - numQuery)) throw new DataError(`randomSplit: numTrain ${numTrain} must be in 1..${n - numQuery} (the retrieval set size)`);
  const rng = new Rng(seed);
  const perm = rng.permutation(n);
  const query = perm.slice(0, numQuery).sort();
  const retrieval = perm.slice(numQuery).sort();
  const train = rng.shuffle(retrieval.slice()).slice(0, numTrain).sort() as Uint32Array;
  return { query, retrieval, train };
}

/**
 * Carve a validation set from the training items (seeded). Returns the remaining training rows and
 * the validation rows, both sorted. `size` is a count (≥ 1) or a fraction (< 1) of the training items.
 */
export function carveValidation(train: Uint32Array, size: number, seed: number): { train: Uint32Array; val: Uint32Array } {
  const count = size < 1 ? Math.round(train.length * size) : Math.floor(size);
  if (count < 0 || count >= train.length) throw new DataError(`carveValidation: validation size ${size} leaves no training items (train has ${train.length})`);
  if (count === 0) return { train: train.slice(), val: new Uint32Array(0) };
  const shuffled = new Rng(seed).shuffle(train.slice()) as Uint32Array;
  return { val: shuffled.slice(0, count).sort(), train: shuffled.slice(count).sort() };
}

/** Parse a split file: one 0-based row index per line. */
export function parseIndexList(text: string, file: string, n: number): Uint32Array {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    if (!/^\d+$/.test(s)) throw new DataError(`${file}: line ${i + 1} is ${JSON.stringify(s.slice(0, 40))}, expected a row index`);
    const r = Number(s);
    if (r >= n) throw new DataError(`${file}: line ${i + 1}: row index ${r} is out of range (the dataset has ${n} rows)`);
    out.push(r);
  }
  if (out.length === 0) throw new DataError(`${file}: no row indices`);
  return Uint32Array.from(out);
}

/** Dataset summary for logs and manifests. */
export function describeDataset(ds: Dataset): Record<string, unknown> {
  return {
    name: ds.name, n: ds.n, imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels, labelNames: ds.labelNames,
    query: ds.splits.query.length, retrieval: ds.splits.retrieval.length, train: ds.splits.train.length, val: ds.splits.val.length,
    source: ds.source,
  };
}

/**
 * A dataset restricted to some rows (renumbered 0..rows.length-1), with new splits given in the new
 * numbering. Image files follow their rows.
 */
export function subsetDataset(ds: Dataset, rows: ArrayLike<number>, splits: DatasetSplits, name = `${ds.name}-subset`): Dataset {
  const r = Uint32Array.from(rows as ArrayLike<number>);
  return validateDataset({
    ...ds, name, n: r.length,
    image: gatherRows(ds.image, ds.imageDim, r), text: gatherRows(ds.text, ds.textDim, r), labels: gatherRows(ds.labels, ds.numLabels, r),
    splits,
    imageFiles: ds.imageFiles ? Array.from(r, (i) => ds.imageFiles![i]!) : undefined,
    ids: ds.ids ? Array.from(r, (i) => ds.ids![i]!) : undefined,
    source: `${ds.source ?? ds.name}, ${r.length} rows`,
  }, name);
}

/**
 * The MIRFlickr rows that have a photo (the raw-image path's real data), with a seeded split:
 * `numQuery` queries, the rest the retrieval set, `valSize` of it carved out for validation.
 */
export function photoSubset(ds: Dataset, opts: { numQuery: number; seed: number; valSize?: number; limit?: number }): Dataset {
  if (!ds.imageFiles) throw new DataError(`${ds.name}: the dataset has no image files`);
  let rows = ds.imageFiles.flatMap((f, i) => (f ? [i] : []));
  if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
  const s = randomSplit(rows.length, { numQuery: opts.numQuery, numTrain: rows.length - opts.numQuery, seed: opts.seed });
  const { train, val } = carveValidation(s.train, opts.valSize ?? 0.1, opts.seed);
  return subsetDataset(ds, rows, { query: s.query, retrieval: s.retrieval, train, val }, `${ds.name}-photos`);
}

/**
 * The per-label split of DJSRH/JDSH on MIRFlickr (MODELS.md): for the first label draw `firstQuery`
 * queries and `firstTrain` training items among its rows, for each later label `query` + `train` among
 * its rows not drawn yet; training is topped up at random to `totalTrain`; retrieval = every non-query row
 * (so training ⊂ retrieval). Seeded.
 */
export function perLabelSplit(labels: Float32Array, n: number, numLabels: number, opts: { seed: number; firstQuery?: number; firstTrain?: number; query?: number; train?: number; totalTrain?: number }): { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array } {
  if (labels.length !== n * numLabels) throw new DataError(`perLabelSplit: labels has ${labels.length} values, expected ${n} × ${numLabels}`);
  const rng = new Rng(opts.seed);
  const used = new Uint8Array(n); // 1 query, 2 train
  const query: number[] = [], train: number[] = [];
  for (let l = 0; l < numLabels; l++) {
    const cand: number[] = [];
    for (let i = 0; i < n; i++) if (!used[i] && labels[i * numLabels + l]! > 0) cand.push(i);
    rng.shuffle(cand);
    const nq = Math.min(cand.length, l === 0 ? opts.firstQuery ?? 160 : opts.query ?? 80);
    const nt = Math.min(cand.length - nq, l === 0 ? opts.firstTrain ?? 400 : opts.train ?? 200);
    for (let k = 0; k < nq; k++) { used[cand[k]!] = 1; query.push(cand[k]!); }
    for (let k = nq; k < nq + nt; k++) { used[cand[k]!] = 2; train.push(cand[k]!); }
  }
  const total = opts.totalTrain ?? 5000;
  if (train.length < total) {
    const rest: number[] = [];
    for (let i = 0; i < n; i++) if (!used[i]) rest.push(i);
    rng.shuffle(rest);
    for (const i of rest.slice(0, total - train.length)) { used[i] = 2; train.push(i); }
  }
  const retrieval: number[] = [];
  for (let i = 0; i < n; i++) if (used[i] !== 1) retrieval.push(i);
  const sorted = (a: number[]) => Uint32Array.from(a).sort();
  return { query: sorted(query), retrieval: sorted(retrieval), train: sorted(train) };
}
