/** `cmhash encode` (features → packed codes in a HammingIndex file) and `cmhash search` (top-k by Hamming distance). */
import { makeDirs, writeFileDurable } from '../train/node/durable.js';
import { dirname, extname, resolve } from 'node:path';
import { DataError } from '../runtime/errors.js';
import type { Dataset } from '../data/dataset.js';
import { readBytes, readMatFile } from '../data/node/files.js';
import { requireMatrix } from '../data/mat5.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { wordsFor } from '../ops/hashing.js';
import { encodeFeatures, encodeImages } from '../train/evaluate.js';
import { loadCheckpointDir } from '../train/node/files.js';
import { HammingIndex, hammingTopKCpu } from '../retrieval/index.js';
import type { Modality } from '../models/types.js';
import { info } from './output.js';
import { COMMON_HELP, COMMON_OPTIONS, datasetFor, imageInputFor, int, intList, loadPlugins, modelFromCheckpoint, parse, runtimeFor, UsageError } from './common.js';
import type { CliTrainConfig } from './train.js';

export const ENCODE_HELP = `cmhash encode --checkpoint <dir> --modality <image|text> (--input <file> | --data <spec> --split <name>) --output <file>

Encodes feature vectors into packed binary codes with a trained model and writes a HammingIndex file
(the database format 'cmhash search' reads).

Options:
  --checkpoint <dir>       checkpoint folder
  --modality <image|text>  which hash network to use
  --input <file>           features: a MAT v5 file (--var names the matrix, rows = items) or a safetensors
                           file (--var names the tensor, F32 [n, dim])
  --var <name>             variable / tensor name in --input (default: the only one in the file)
  --data <spec>            or encode rows of a dataset (default, wikipedia, mirflickr, folder) …
  --split <name>           … from this split: query, retrieval, train, val or all (default retrieval)
  --output <file>          output HammingIndex file (e.g. db.cmhi)
${COMMON_HELP}`;

export const SEARCH_HELP = `cmhash search --index <file> --queries <file> [options]

Top-k search by Hamming distance (ties by ascending database index) in a HammingIndex file written by
'cmhash encode'. Prints, per query, the database rows and their distances.

Options:
  --index <file>      database codes (HammingIndex file)
  --queries <file>    query codes (HammingIndex file from 'cmhash encode')
  --rows <list>       only these query rows, e.g. 0,5,9 (default: all)
  --k <n>             results per query (default 10)
  --cpu               rank on the CPU instead of the GPU
  --json              print JSON instead of text
${COMMON_HELP}`;

function readFeatures(file: string, name: string | undefined): { data: Float32Array; rows: number; cols: number } {
  const ext = extname(file).toLowerCase();
  if (ext === '.mat') {
    const vars = readMatFile(file, name ? [name] : undefined);
    const key = name ?? (vars.size === 1 ? [...vars.keys()][0]! : undefined);
    if (!key) throw new DataError(`${file}: holds ${vars.size} variables (${[...vars.keys()].join(', ')}); name one with --var`);
    return requireMatrix(vars, file, key);
  }
  if (ext === '.safetensors') {
    const { tensors } = decodeSafetensors(readBytes(file), file);
    const key = name ?? (tensors.size === 1 ? [...tensors.keys()][0]! : undefined);
    if (!key) throw new DataError(`${file}: holds ${tensors.size} tensors (${[...tensors.keys()].join(', ')}); name one with --var`);
    const t = tensors.get(key);
    if (!t) throw new DataError(`${file}: no tensor '${key}' (the file holds: ${[...tensors.keys()].join(', ') || 'no tensors'})`);
    if (t.dtype !== 'F32' || t.shape.length !== 2) throw new DataError(`${file}: tensor '${key}' is ${t.dtype} [${t.shape.join(', ')}], expected F32 [n, dim]`);
    if (t.shape[0] === 0 || t.shape[1] === 0) throw new DataError(`${file}: tensor '${key}' is empty (shape [${t.shape.join(', ')}])`);
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) throw new DataError(`${file}: tensor '${key}' has ${t.data[i]} at row ${Math.floor(i / t.shape[1]!)}, column ${i % t.shape[1]!}`);
    return { data: t.data as Float32Array, rows: t.shape[0]!, cols: t.shape[1]! };
  }
  throw new UsageError(`--input ${file}: expected a .mat or .safetensors file`);
}

export async function encodeCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    ...COMMON_OPTIONS, checkpoint: { type: 'string' }, modality: { type: 'string' }, input: { type: 'string' }, var: { type: 'string' },
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
  if (!!v.input === !!v.data) throw new UsageError('give exactly one of --input <file> or --data <spec>');
  await loadPlugins(v.plugin);
  const dir = resolve(v.checkpoint as string);
  const ckpt = loadCheckpointDir(dir);
  const cli = (ckpt.meta.config.cli ?? {}) as Partial<CliTrainConfig>;
  let features: Float32Array, dim: number, rows: Uint32Array | null = null;
  let ds: Dataset | null = null;
  if (v.input) {
    const f = readFeatures(resolve(v.input as string), v.var as string | undefined);
    features = f.data;
    dim = f.cols;
  } else {
    ds = datasetFor({ ...cli, data: v.data as string });
    const split = (v.split as string | undefined) ?? 'retrieval';
    if (split === 'all') rows = Uint32Array.from({ length: ds.n }, (_, i) => i);
    else if (split in ds.splits) rows = ds.splits[split as keyof typeof ds.splits];
    else throw new UsageError(`--split must be query, retrieval, train, val or all, got '${split}'`);
    features = modality === 'image' ? ds.image : ds.text;
    dim = modality === 'image' ? ds.imageDim : ds.textDim;
  }
  const rawImages = modality === 'image' && !!cli.rawImages;
  if (rawImages && !ds) throw new UsageError('the model was trained on raw photos: encode images with --data, not --input');
  const want = modality === 'image' ? ckpt.meta.dims.imageDim : ckpt.meta.dims.textDim;
  if (!rawImages && dim !== want) throw new DataError(`${v.input ?? v.data}: ${modality} features have ${dim} columns, the model expects ${want}`);
  const rt = await runtimeFor(v.backend ?? cli.backend);
  try {
    const model = await modelFromCheckpoint(rt, ckpt, dir);
    const codes = rawImages
      ? await encodeImages(model, ds!, rows!, imageInputFor(rt, ds!, { data: 'default', ...cli }))
      : await encodeFeatures(model, modality, features, dim, rows);
    const index = HammingIndex.create(rt, model.info.bits);
    index.add(codes);
    const out = resolve(v.output as string);
    makeDirs(dirname(out), '--output');
    writeFileDurable(out, index.save(), '--output');
    info(`encoded ${codes.length / wordsFor(model.info.bits)} ${modality} items into ${model.info.bits}-bit codes: ${out}`);
    index.dispose();
    model.dispose();
    return 0;
  } finally {
    await rt.destroy();
  }
}

export async function searchCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    ...COMMON_OPTIONS, index: { type: 'string' }, queries: { type: 'string' }, rows: { type: 'string' }, k: { type: 'string' },
    cpu: { type: 'boolean' }, json: { type: 'boolean' },
  });
  if (v.help) {
    console.log(SEARCH_HELP);
    return 0;
  }
  if (!v.index || !v.queries) throw new UsageError('--index <file> and --queries <file> are required');
  const rt = await runtimeFor(v.backend);
  try {
    const load = (f: string) => {
      try {
        return HammingIndex.load(rt, readBytes(resolve(f)));
      } catch (e) {
        throw new DataError(`${f}: ${(e as Error).message}`);
      }
    };
    const db = load(v.index as string);
    const qi = load(v.queries as string);
    if (qi.bits !== db.bits) throw new DataError(`${v.queries}: ${qi.bits}-bit codes, the index has ${db.bits}-bit codes`);
    const words = wordsFor(db.bits);
    const all = qi.codes();
    const nq = all.length / words;
    if (db.size === 0) throw new DataError(`${v.index}: the index holds no codes (0 database items); encode a non-empty split into it`);
    if (nq === 0) throw new DataError(`${v.queries}: the query file holds no codes`);
    const rows = v.rows !== undefined ? intList('rows', v.rows as string) : Array.from({ length: nq }, (_, i) => i);
    for (const r of rows) if (r >= nq) throw new UsageError(`--rows: query row ${r} is out of range (the query file has ${nq})`);
    const q = new Uint32Array(rows.length * words);
    rows.forEach((r, i) => q.set(all.subarray(r * words, (r + 1) * words), i * words));
    const k = Math.min(int('k', v.k, 10, 1), db.size);
    const res = v.cpu ? hammingTopKCpu(q, db.codes(), db.bits, k) : await db.search(q, k);
    const results = rows.map((r, i) => ({
      query: r,
      results: Array.from(res.indices.subarray(i * k, (i + 1) * k), (idx, j) => ({ row: idx, distance: res.distances[i * k + j]! })),
    }));
    if (v.json) console.log(JSON.stringify({ bits: db.bits, database: db.size, k, queries: results }, null, 2));
    else {
      for (const r of results) console.log(`query ${r.query}: ${r.results.map((x) => `${x.row}(${x.distance})`).join(' ')}`);
    }
    db.dispose();
    qi.dispose();
    return 0;
  } finally {
    await rt.destroy();
  }
}
