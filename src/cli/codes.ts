/** `cmhash encode` (features or captions → packed codes, ids and labels in an index file) and `cmhash search` (top-k by Hamming distance). */
import { dirname, extname, resolve } from 'node:path';
import { DataError } from '../runtime/errors.js';
import type { Dataset } from '../data/dataset.js';
import { readText } from '../data/node/files.js';
import { MATRIX_EXTENSIONS, readMatrixFile } from '../data/node/matrix-file.js';
import { readLabelFile } from '../data/node/pack.js';
import { textLines } from '../data/labels.js';
import { checkTextVectorizer, vectorizeText } from '../data/text-vectorizer.js';
import { encodeFeatures, encodeImages } from '../train/evaluate.js';
import { loadCheckpointDir } from '../train/node/files.js';
import { wordsFor } from '../ops/hashing.js';
import { encodeIndexFile, indexFileId, indexFileLabels, indexFileSize, labelLists, type IndexFileContents } from '../retrieval/index-file.js';
import { readIndexFile } from '../api/node.js';
import { searchIndexFile } from '../api/search.js';
import { makeDirs, writeFileDurable } from '../train/node/durable.js';
import type { Modality } from '../models/types.js';
import { info } from './output.js';
import { COMMON_HELP, COMMON_OPTIONS, datasetFor, imageInputFor, int, intList, loadPlugins, modelFromCheckpoint, parse, runtimeFor, UsageError } from './common.js';
import type { CliTrainConfig } from './train.js';

export const ENCODE_HELP = `cmhash encode --checkpoint <dir> --modality <image|text> (--input <file> | --captions <file> | --data <spec> --split <name>) --output <file>

Encodes items into packed binary codes with a trained model and writes an index file (.cmhi,
docs/index-format.md) holding the codes with each item's id and labels: the database and the
query files 'cmhash search' reads.

Options:
  --checkpoint <dir>       checkpoint folder (e.g. runs/mine/checkpoints/best)
  --modality <image|text>  which hash network to use
  --input <file>           feature rows: .npy, .csv, .mat (--var names the matrix) or .safetensors (--var: the tensor)
  --var <name>             variable / tensor name in --input (default: the only one in the file)
  --captions <file>        (text) one caption per line, through the vocabulary the model was trained with
  --ids <file>             ids of the --input / --captions rows, one per line (default: the row number)
  --labels <file>          labels of those rows (as for 'cmhash pack --labels'; optional)
  --data <spec>            or encode rows of a dataset (default, wikipedia, mirflickr, folder) …
  --split <name>           … from this split: query, retrieval, train, val or all (default retrieval);
                           the dataset's ids and labels go into the file
  --output <file>          output index file (e.g. db.cmhi)
${COMMON_HELP}`;

export const SEARCH_HELP = `cmhash search --index <file> --queries <file> [options]

Top-k search by Hamming distance (ties by ascending database position) in an index file written by
'cmhash encode'. Prints, per query, its id and labels, then the hits: id, Hamming distance, labels
(files from before ids were stored print row numbers and no labels).

Options:
  --index <file>      database index file (.cmhi)
  --queries <file>    query codes (an index file from 'cmhash encode')
  --rows <list>       only these query rows, e.g. 0,5,9 (default: all)
  --k <n>             results per query (default 10)
  --cpu               rank on the CPU instead of the GPU
  --multi-index <m>   on: multi-index hashing (exact; fast when the k-th neighbour is near, e.g. image → image
                      on learned codes, slow when it is far, e.g. text → image); auto: per search, the
                      cheaper of it and the GPU scan, timed on the first queries (not with --cpu); off (default)
  --json              print JSON: { bits, database, k, queries: [{ query, id, labels, results: [{ row, id, labels, distance }] }] }
${COMMON_HELP}`;

export async function encodeCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    ...COMMON_OPTIONS, checkpoint: { type: 'string' }, modality: { type: 'string' }, input: { type: 'string' }, var: { type: 'string' },
    captions: { type: 'string' }, ids: { type: 'string' }, labels: { type: 'string' },
    data: { type: 'string' }, split: { type: 'string' }, output: { type: 'string' },
  });
  if (v.help) {
    console.log(ENCODE_HELP);
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('--checkpoint <dir> is required');
  if (!v.output) throw new UsageError('--output <file> is required');
  const modality = v.modality as Modality | undefined;
  if (modality !== 'image' && modality !== 'text') throw new UsageError('--modality must be image or text');
  if ([v.input, v.captions, v.data].filter((x) => x).length !== 1) throw new UsageError('give exactly one of --input <file>, --captions <file> or --data <spec>');
  if (v.captions && modality !== 'text') throw new UsageError('--captions needs --modality text');
  if (v.data && (v.ids || v.labels)) throw new UsageError('--ids and --labels go with --input or --captions; with --data the dataset\'s own are used');
  await loadPlugins(v.plugin);
  const dir = resolve(v.checkpoint as string);
  const ckpt = loadCheckpointDir(dir);
  const cli = (ckpt.meta.config.cli ?? {}) as Partial<CliTrainConfig>;
  let features: Float32Array, dim: number, rows: Uint32Array | null = null;
  let ds: Dataset | null = null;
  const meta: Record<string, unknown> = { modality, model: { name: ckpt.meta.model.name, bits: ckpt.meta.model.bits }, checkpoint: dir };
  if (v.input) {
    if (!MATRIX_EXTENSIONS.includes(extname(v.input as string).toLowerCase() as typeof MATRIX_EXTENSIONS[number])) {
      throw new UsageError(`--input ${v.input}: expected a ${MATRIX_EXTENSIONS.join(', ').replace(/, ([^,]*)$/, ' or $1')} file`);
    }
    const f = readMatrixFile(resolve(v.input as string), v.var as string | undefined);
    features = f.data;
    dim = f.cols;
    meta.source = { input: resolve(v.input as string) };
  } else if (v.captions) {
    const tv = ckpt.meta.config.textVectorizer;
    if (tv === undefined) throw new DataError(`${dir}: the model was trained on text features, not captions (no vocabulary in its checkpoint); encode feature rows with --input`);
    const spec = checkTextVectorizer(tv, `${dir}/checkpoint.json config.textVectorizer`);
    features = vectorizeText(spec, textLines(readText(resolve(v.captions as string))));
    dim = spec.vocabulary.length;
    meta.source = { captions: resolve(v.captions as string) };
  } else {
    ds = datasetFor({ ...cli, data: v.data as string });
    const split = (v.split as string | undefined) ?? 'retrieval';
    if (split === 'all') rows = Uint32Array.from({ length: ds.n }, (_, i) => i);
    else if (split in ds.splits) rows = ds.splits[split as keyof typeof ds.splits];
    else throw new UsageError(`--split must be query, retrieval, train, val or all, got '${split}'`);
    features = modality === 'image' ? ds.image : ds.text;
    dim = modality === 'image' ? ds.imageDim : ds.textDim;
    meta.source = { data: v.data, dataset: ds.name, split };
  }
  const rawImages = modality === 'image' && !!cli.rawImages;
  if (rawImages && !ds) throw new UsageError('the model was trained on raw photos: encode images with --data, not --input');
  const want = modality === 'image' ? ckpt.meta.dims.imageDim : ckpt.meta.dims.textDim;
  if (!rawImages && dim !== want) throw new DataError(`${v.input ?? v.captions ?? v.data}: ${modality} features have ${dim} columns, the model expects ${want}`);
  const count = rows ? rows.length : features.length / dim;
  // Ids and labels of the encoded items: the dataset's, or the files given with --input / --captions.
  const contents: Omit<IndexFileContents, 'codes'> = { bits: ckpt.meta.model.bits, meta };
  if (ds) {
    contents.ids = Array.from(rows!, (r) => ds!.ids?.[r] ?? String(r));
    contents.labelNames = ds.labelNames;
    contents.labels = labelLists(ds.labels, ds.numLabels, rows);
  } else {
    if (v.ids) {
      const f = resolve(v.ids as string);
      contents.ids = textLines(readText(f)).map((x) => x.trim());
      if (contents.ids.length !== count) throw new DataError(`${f}: ${contents.ids.length} ids for the ${count} rows of ${v.input ?? v.captions}`);
    }
    if (v.labels) {
      const l = readLabelFile({ file: v.labels as string });
      if (l.rows !== count) throw new DataError(`${l.file}: ${l.rows} label rows for the ${count} rows of ${v.input ?? v.captions}`);
      contents.labelNames = l.names;
      contents.labels = labelLists(l.labels, l.names.length);
    }
  }
  const rt = await runtimeFor(v.backend ?? cli.backend);
  try {
    const model = await modelFromCheckpoint(rt, ckpt, dir);
    const codes = rawImages
      ? await encodeImages(model, ds!, rows!, imageInputFor(rt, ds!, { data: 'default', ...cli }))
      : await encodeFeatures(model, modality, features, dim, rows);
    const out = resolve(v.output as string);
    makeDirs(dirname(out), '--output');
    writeFileDurable(out, encodeIndexFile({ ...contents, codes }), '--output');
    info(`encoded ${count} ${modality} items into ${model.info.bits}-bit codes${contents.ids ? ' with ids' : ''}${contents.labels ? ' and labels' : ''}: ${out}`);
    model.dispose();
    return 0;
  } finally {
    await rt.destroy();
  }
}

export async function searchCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    ...COMMON_OPTIONS, index: { type: 'string' }, queries: { type: 'string' }, rows: { type: 'string' }, k: { type: 'string' },
    cpu: { type: 'boolean' }, json: { type: 'boolean' }, 'multi-index': { type: 'string' },
  });
  if (v.help) {
    console.log(SEARCH_HELP);
    return 0;
  }
  if (!v.index || !v.queries) throw new UsageError('--index <file> and --queries <file> are required');
  // Both files are read as host codes; only the database goes to the GPU (and not even that with --cpu).
  const db = readIndexFile(v.index as string);
  const qf = readIndexFile(v.queries as string);
  if (qf.bits !== db.bits) throw new DataError(`${v.queries}: ${qf.bits}-bit codes, the index has ${db.bits}-bit codes`);
  const n = indexFileSize(db);
  if (n === 0) throw new DataError(`${v.index}: the index holds no codes (0 database items); encode a non-empty split into it`);
  const words = wordsFor(db.bits);
  const nq = indexFileSize(qf);
  if (nq === 0) throw new DataError(`${v.queries}: the query file holds no codes`);
  const rows = v.rows !== undefined ? intList('rows', v.rows as string) : Array.from({ length: nq }, (_, i) => i);
  for (const r of rows) if (r >= nq) throw new UsageError(`--rows: query row ${r} is out of range (the query file has ${nq})`);
  const q = new Uint32Array(rows.length * words);
  rows.forEach((r, i) => q.set(qf.codes.subarray(r * words, (r + 1) * words), i * words));
  const k = Math.min(int('k', v.k, 10, 1), n);
  const mi = (v['multi-index'] as string | undefined) ?? 'off';
  if (!['on', 'off', 'auto'].includes(mi)) throw new UsageError(`--multi-index must be on, off or auto, got '${mi}'`);
  if (mi === 'auto' && v.cpu) throw new UsageError('--multi-index auto compares with the GPU scan: not with --cpu (use --multi-index on)');
  const multiIndex = mi === 'auto' ? 'auto' : mi === 'on';
  const rt = v.cpu ? null : await runtimeFor(v.backend);
  try {
    const hits = await searchIndexFile(db, q, k, rt ? { runtime: rt, multiIndex } : { multiIndex });
    const results = rows.map((r, i) => ({ query: r, id: indexFileId(qf, r), labels: indexFileLabels(qf, r), results: hits[i]! }));
    if (v.json) console.log(JSON.stringify({ bits: db.bits, database: n, k, queries: results }, null, 2));
    else {
      const lab = (l: string[]) => (l.length ? `  [${l.join(', ')}]` : '');
      const w = Math.max(...results.flatMap((r) => r.results.map((h) => h.id.length)), 2);
      for (const r of results) {
        console.log(`query ${r.id}${r.id !== String(r.query) ? ` (row ${r.query})` : ''}${lab(r.labels)}`);
        r.results.forEach((h, j) => console.log(`  ${String(j + 1).padStart(String(k).length)}. ${h.id.padEnd(w)}  distance ${String(h.distance).padStart(3)}${lab(h.labels)}`));
      }
    }
    return 0;
  } finally {
    await rt?.destroy();
  }
}
