/**
 * `cmhash pack` as a library function: a user's files → a packed dataset folder (docs/dataset-format.md)
 * that `--data <folder>` trains on. Features from .npy/.csv/.mat/.safetensors, labels as a 0/1 matrix
 * or names, captions vectorised with a vocabulary fitted on the training rows only, optional ids and
 * JPEG photos, and the user's split or a seeded one. Every input is checked against the row count of
 * the others; errors name the file, row and field.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { parseIndexList, randomSplit } from '../dataset.js';
import { labelsFromNames, looksLikeMultiHot, multiHotFrom, textLines, type LabelMatrix } from '../labels.js';
import { fitTextVectorizer, vectorizeText, type TextVectorizerOptions, type TextVectorizerSpec } from '../text-vectorizer.js';
import { readLines, type PackedManifest } from '../packed.js';
import { isDir, readText } from './files.js';
import { readMatrixFile, type MatrixFile } from './matrix-file.js';
import { loadPackedDataset, writePackedDataset } from './packed-file.js';

export interface PackOptions {
  /** Output folder (created; must be empty or absent unless `overwrite`). */
  out: string;
  name?: string;
  /** Image feature matrix [n, d] (`var`: the .mat variable / safetensors tensor). */
  imageFeatures?: { file: string; var?: string };
  /** Text feature matrix [n, d]. */
  textFeatures?: { file: string; var?: string };
  /** Captions, one per line (UTF-8), in row order. */
  captions?: string;
  /** Labels: a 0/1 matrix (.npy/.mat/.safetensors/.csv) or names per line (.csv/.txt). */
  labels: { file: string; var?: string; format?: 'auto' | 'matrix' | 'names' };
  /** Names of the matrix's label columns, one per line (a CSV matrix's header row also gives them). */
  labelNames?: string;
  /** Item ids, one per line (default: the row number). */
  ids?: string;
  /** Folder of JPEG photos for the raw-image path: `<folder>/<id>.jpg|.jpeg`, or the paths in `imageList`. */
  images?: string;
  imageList?: string;
  /**
   * `random:<seed>` (default random:0); a file with one of query / retrieval / train per line; or three
   * files `query,retrieval,train` of row indices (0-based, one per line).
   */
  split?: string;
  /** Random split: queries as a count (≥ 1) or a fraction (< 1) of n (default 0.1). */
  querySize?: number;
  /** Random split: training items among the retrieval rows, a count or fraction (default: all of them). */
  trainSize?: number;
  text?: TextVectorizerOptions;
  source?: string;
  licence?: string;
  overwrite?: boolean;
}

export interface PackResult {
  dir: string;
  manifest: PackedManifest;
  n: number;
  imageDim: number;
  textDim: number;
  labelNames: string[];
  splits: { query: number; retrieval: number; train: number };
  vocabulary?: number;
  photos?: number;
}

/** Count or fraction → count. */
function sizeOf(x: number, of: number, what: string): number {
  if (!(x > 0)) throw new DataError(`${what} must be > 0, got ${x}`);
  return x < 1 ? Math.max(1, Math.round(x * of)) : Math.floor(x);
}

function userSplit(spec: string, n: number): { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array } {
  const parts = spec.split(',');
  if (parts.length === 3) {
    const [q, r, t] = parts.map((f) => resolve(f.trim()));
    return { query: parseIndexList(readText(q!), q!, n), retrieval: parseIndexList(readText(r!), r!, n), train: parseIndexList(readText(t!), t!, n) };
  }
  if (parts.length !== 1) throw new DataError(`split '${spec}': expected random:<seed>, one split-column file, or three files query,retrieval,train`);
  const file = resolve(spec);
  const lines = textLines(readText(file));
  if (lines.length !== n) throw new DataError(`${file}: ${lines.length} lines, expected one split name per row (${n})`);
  const q: number[] = [], r: number[] = [], t: number[] = [];
  lines.forEach((l, i) => {
    const s = l.trim().toLowerCase();
    if (s === 'query' || s === 'test') q.push(i);
    else if (s === 'train') { t.push(i); r.push(i); }
    else if (s === 'retrieval' || s === 'database') r.push(i);
    else throw new DataError(`${file}: line ${i + 1} is ${JSON.stringify(l.slice(0, 40))}, expected query, retrieval or train`);
  });
  for (const [k, a] of [['query', q], ['train', t]] as const) if (a.length === 0) throw new DataError(`${file}: no row is marked '${k}'`);
  return { query: Uint32Array.from(q), retrieval: Uint32Array.from(r), train: Uint32Array.from(t) };
}

/** Labels from a file: a 0/1 matrix (names from `labelNamesFile`, a CSV header, or label0…) or names per line. */
export function readLabelFile(o: PackOptions['labels'], labelNamesFile?: string): LabelMatrix & { file: string } {
  const file = resolve(o.file);
  const ext = extname(file).toLowerCase();
  const text = ext === '.csv' || ext === '.txt' || ext === '.tsv' ? readText(file) : null;
  const format = o.format ?? 'auto';
  const asNames = format === 'names' || (format === 'auto' && text !== null && !looksLikeMultiHot(text, file));
  if (asNames) {
    if (text === null) throw new DataError(`${file}: label names must be a .csv or .txt file (one line per item)`);
    if (labelNamesFile) throw new DataError(`--label-names is for a 0/1 label matrix; ${file} already holds names`);
    return { ...labelsFromNames(text, file), file };
  }
  const m: MatrixFile = readMatrixFile(file, o.var);
  const labels = multiHotFrom(m.data, m.rows, m.cols, file);
  let names = m.header ?? Array.from({ length: m.cols }, (_, j) => `label${j}`);
  if (labelNamesFile) {
    const nf = resolve(labelNamesFile);
    names = textLines(readText(nf)).map((s) => s.trim());
    if (names.length !== m.cols) throw new DataError(`${nf}: ${names.length} label names for the ${m.cols} columns of ${file}`);
  }
  const dup = names.findIndex((s, i) => names.indexOf(s) !== i);
  if (dup >= 0) throw new DataError(`${file}: label name ${JSON.stringify(names[dup])} appears twice`);
  return { labels, names, rows: m.rows, file };
}

/** Row → photo path relative to the image folder ('' = none). */
function findPhotos(folder: string, list: string | undefined, ids: string[]): string[] {
  if (!isDir(folder)) throw new DataError(`${folder}: image folder not found`);
  if (list) {
    const lf = resolve(list);
    const lines = textLines(readText(lf));
    if (lines.length !== ids.length) throw new DataError(`${lf}: ${lines.length} lines, expected one image path per row (${ids.length}; empty for none)`);
    return lines.map((l, i) => {
      const p = l.trim();
      if (p === '') return '';
      const full = resolve(folder, p);
      if (relative(folder, full).startsWith('..')) throw new DataError(`${lf}: line ${i + 1}: ${p} is outside ${folder}`);
      if (!existsSync(full)) throw new DataError(`${lf}: line ${i + 1}: image ${full} not found`);
      if (!/\.jpe?g$/i.test(p)) throw new DataError(`${lf}: line ${i + 1}: ${p} is not a JPEG (.jpg/.jpeg); cmhash decodes JPEG only`);
      return relative(folder, full).split('\\').join('/');
    });
  }
  const byStem = new Map<string, string>();
  for (const f of readdirSync(folder)) if (/\.jpe?g$/i.test(f)) byStem.set(f.replace(/\.jpe?g$/i, ''), f);
  const files = ids.map((id) => byStem.get(id) ?? '');
  if (!files.some((f) => f)) throw new DataError(`${folder}: no <id>.jpg or <id>.jpeg for any of the ${ids.length} ids (e.g. ${ids[0]}.jpg); give --image-list to map rows to files`);
  return files;
}

/** Pack a user's files into a dataset folder; returns what was written. */
export function packDataset(o: PackOptions): PackResult {
  const out = resolve(o.out);
  if (existsSync(out) && (!isDir(out) || readdirSync(out).length > 0)) {
    if (!o.overwrite) throw new DataError(`${out}: exists and is not empty (choose a new folder or overwrite)`);
    rmSync(out, { recursive: true, force: true });
  }
  if (!o.imageFeatures && !o.images) throw new DataError('pack: give image features or an image folder');
  if (!o.textFeatures && !o.captions) throw new DataError('pack: give text features or captions');
  if (o.textFeatures && o.captions) throw new DataError('pack: give text features or captions, not both');

  // Every per-row input with its row count, so a mismatch names both files.
  const counts: [string, number][] = [];
  const image = o.imageFeatures ? readMatrixFile(resolve(o.imageFeatures.file), o.imageFeatures.var) : null;
  if (image) counts.push([resolve(o.imageFeatures!.file), image.rows]);
  const textM = o.textFeatures ? readMatrixFile(resolve(o.textFeatures.file), o.textFeatures.var) : null;
  if (textM) counts.push([resolve(o.textFeatures!.file), textM.rows]);
  const captions = o.captions ? textLines(readText(resolve(o.captions))) : null;
  if (captions) counts.push([resolve(o.captions!), captions.length]);
  const labels = readLabelFile(o.labels, o.labelNames);
  counts.push([labels.file, labels.rows]);
  const ids = o.ids ? textLines(readText(resolve(o.ids))).map((s) => s.trim()) : null;
  if (ids) counts.push([resolve(o.ids!), ids.length]);
  const n = counts[0]![1];
  for (const [f, c] of counts) {
    if (c !== n) throw new DataError(`${f}: ${c} rows, but ${counts[0]![0]} has ${n} (every file needs one row per item, in the same order)`);
  }
  if (ids) readLines(ids.join('\n'), resolve(o.ids!), n); // empty or repeated ids, by line
  const rowIds = ids ?? Array.from({ length: n }, (_, i) => String(i));

  const seedSpec = /^random:(\d+)$/.exec(o.split ?? 'random:0');
  let splits: { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array };
  if (seedSpec) {
    const numQuery = sizeOf(o.querySize ?? 0.1, n, 'query size');
    if (numQuery >= n) throw new DataError(`query size ${numQuery} leaves no retrieval rows (n = ${n})`);
    const numTrain = o.trainSize === undefined ? n - numQuery : Math.min(n - numQuery, sizeOf(o.trainSize, n - numQuery, 'train size'));
    splits = randomSplit(n, { numQuery, numTrain, seed: Number(seedSpec[1]) });
  } else splits = userSplit(o.split!, n);

  const texts: Record<string, { data: Float32Array; dim: number }> = {};
  const vectorizers: Record<string, TextVectorizerSpec> = {};
  let defaultText: string;
  if (captions) {
    const spec = fitTextVectorizer(captions, splits.train, o.text);
    defaultText = spec.weighting;
    texts[defaultText] = { data: vectorizeText(spec, captions), dim: spec.vocabulary.length };
    vectorizers[defaultText] = spec;
  } else {
    defaultText = 'features';
    texts.features = { data: textM!.data, dim: textM!.cols };
  }

  let photos: string[] | undefined;
  if (o.images) {
    const folder = resolve(o.images);
    photos = findPhotos(folder, o.imageList, rowIds);
    for (const p of photos) {
      if (!p) continue;
      const dst = join(out, 'images', p);
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(join(folder, p), dst);
    }
  }

  const name = o.name ?? basename(out);
  const manifest = writePackedDataset(out, {
    name, n, labelNames: labels.names,
    source: o.source ?? `packed by cmhash pack from ${counts.map(([f]) => basename(f)).join(', ')}`,
    licence: o.licence ?? 'unspecified (the data owner\'s)',
    description: `${n} items; ${image ? `image features ${image.cols}-d` : 'no image features'}${photos ? `, ${photos.filter((p) => p).length} JPEG photos under images/` : ''}; text '${defaultText}' ${texts[defaultText]!.dim}-d${captions ? ' from captions (vocabulary fitted on split_train)' : ''}; ${labels.names.length} labels.`,
  }, {
    image: image?.data ?? new Float32Array(0), imageDim: image?.cols ?? 0,
    labels: labels.labels, numLabels: labels.names.length,
    texts, defaultText, splits,
    ids: rowIds,
    vectorizers: captions ? vectorizers : undefined,
    images: photos ? { root: 'images', files: photos } : undefined,
  });
  // Read it back through the loader: a folder that packs but does not load is a bug here, not the user's.
  loadPackedDataset(out, { valSize: 0 });
  return {
    dir: out, manifest, n, imageDim: image?.cols ?? 0, textDim: texts[defaultText]!.dim, labelNames: labels.names,
    splits: { query: splits.query.length, retrieval: splits.retrieval.length, train: splits.train.length },
    vocabulary: captions ? vectorizers[defaultText]!.vocabulary.length : undefined,
    photos: photos?.filter((p) => p).length,
  };
}
