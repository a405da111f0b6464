/**
 * The compact packed dataset format used by the embedded default dataset (browser-safe decoding).
 *
 * A folder with `manifest.json` and one gzip file per array: float32 or uint8 (labels) or uint32
 * (split row indices), little-endian, row-major. The manifest lists every array with its file, dtype,
 * shape and byte length, the label names, the text variants, and source/licence. Decompression is
 * done by the caller (Node: zlib.gunzipSync; browser: DecompressionStream('gzip')).
 */
import { DataError } from '../runtime/errors.js';
import { carveValidation, validateDataset, type Dataset } from './dataset.js';
import { checkTextVectorizer } from './text-vectorizer.js';
import { textLines } from './labels.js';

/** The format written now (docs/dataset-format.md). Version 2 adds the optional `ids`, `vectorizers` and `images`. */
export const PACKED_FORMAT = 'cmhash-dataset/2';
/** Still read: the embedded default dataset and folders packed before version 2. */
export const PACKED_FORMAT_V1 = 'cmhash-dataset/1';

export type PackedDType = 'f32' | 'u8' | 'u32';

export interface PackedArrayEntry {
  file: string;
  dtype: PackedDType;
  shape: number[];
  /** Uncompressed byte length. */
  bytes: number;
}

export interface PackedManifest {
  format: typeof PACKED_FORMAT | typeof PACKED_FORMAT_V1;
  name: string;
  n: number;
  labelNames: string[];
  /** Arrays by name: 'image', 'labels', 'split_query', 'split_retrieval', 'split_train', and one per text variant. */
  arrays: Record<string, PackedArrayEntry>;
  /** Text variants: name → array name (e.g. { tfidf: 'text_tfidf', lda: 'text_lda' }); `default` picks one. */
  text: { default: string; variants: Record<string, string> };
  source: string;
  licence: string;
  description?: string;
  /** v2: a UTF-8 text file with one item id per row (n lines, unique, no tabs or newlines). */
  ids?: string;
  /** v2: text variant → JSON file of the fitted caption vectorizer (TextVectorizerSpec) that made it. */
  vectorizers?: Record<string, string>;
  /** v2: raw images: `root` folder (relative to the dataset folder) and `files`, a text file with one path per row under it ('' = none). */
  images?: { root: string; files: string };
}

const BYTES: Record<PackedDType, number> = { f32: 4, u8: 1, u32: 4 };

/** Check a parsed manifest object; throws DataError naming the file and the field. */
export function checkManifest(m: unknown, file: string): PackedManifest {
  const fail = (field: string, msg: string): never => {
    throw new DataError(`${file}: field '${field}' ${msg}`);
  };
  if (!m || typeof m !== 'object') throw new DataError(`${file}: manifest is not a JSON object`);
  const o = m as Record<string, unknown>;
  if (o.format !== PACKED_FORMAT && o.format !== PACKED_FORMAT_V1) fail('format', `is ${JSON.stringify(o.format)}, expected "${PACKED_FORMAT}" (or "${PACKED_FORMAT_V1}")`);
  if (typeof o.name !== 'string') fail('name', 'must be a string');
  if (!Number.isInteger(o.n) || (o.n as number) <= 0) fail('n', `must be a positive integer (got ${JSON.stringify(o.n)})`);
  if (!Array.isArray(o.labelNames) || !o.labelNames.every((s) => typeof s === 'string')) fail('labelNames', 'must be an array of strings');
  if (!o.arrays || typeof o.arrays !== 'object') fail('arrays', 'must be an object');
  for (const [k, e] of Object.entries(o.arrays as Record<string, unknown>)) {
    const a = e as Record<string, unknown>;
    if (!a || typeof a.file !== 'string' || !/^[\w.-]+$/.test(a.file)) fail(`arrays.${k}.file`, 'must be a plain file name');
    if (!['f32', 'u8', 'u32'].includes(a.dtype as string)) fail(`arrays.${k}.dtype`, `is ${JSON.stringify(a.dtype)}, expected f32, u8 or u32`);
    if (!Array.isArray(a.shape) || !a.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`arrays.${k}.shape`, 'must be an array of non-negative integers');
    const want = (a.shape as number[]).reduce((x, y) => x * y, 1) * BYTES[a.dtype as PackedDType];
    if (a.bytes !== want) fail(`arrays.${k}.bytes`, `is ${JSON.stringify(a.bytes)}, shape ${JSON.stringify(a.shape)} of ${a.dtype} needs ${want}`);
  }
  const t = o.text as Record<string, unknown> | undefined;
  if (!t || typeof t.default !== 'string' || !t.variants || typeof t.variants !== 'object') fail('text', 'must be { default, variants }');
  const variants = t!.variants as Record<string, string>;
  if (!(t!.default as string in variants)) fail('text.default', `names variant ${JSON.stringify(t!.default)}, not one of ${Object.keys(variants).join(', ')}`);
  for (const [v, arr] of Object.entries(variants)) if (!(arr in (o.arrays as object))) fail(`text.variants.${v}`, `names array ${JSON.stringify(arr)}, which is not listed in 'arrays'`);
  for (const req of ['image', 'labels', 'split_query', 'split_retrieval', 'split_train']) if (!(req in (o.arrays as object))) fail(`arrays.${req}`, 'is missing');
  if (typeof o.source !== 'string') fail('source', 'must be a string');
  if (typeof o.licence !== 'string') fail('licence', 'must be a string');
  const plain = (x: unknown) => typeof x === 'string' && /^[\w.-]+$/.test(x) && x !== '.' && x !== '..';
  if (o.format === PACKED_FORMAT_V1) {
    for (const k of ['ids', 'vectorizers', 'images']) if (o[k] !== undefined) fail(k, `needs format "${PACKED_FORMAT}" (this manifest says "${PACKED_FORMAT_V1}")`);
  }
  if (o.ids !== undefined && !plain(o.ids)) fail('ids', 'must be a plain file name');
  if (o.vectorizers !== undefined) {
    if (!o.vectorizers || typeof o.vectorizers !== 'object') fail('vectorizers', 'must be an object: text variant → file name');
    for (const [v, f] of Object.entries(o.vectorizers as Record<string, unknown>)) {
      if (!(v in variants)) fail(`vectorizers.${v}`, `names text variant ${JSON.stringify(v)}, not one of ${Object.keys(variants).join(', ')}`);
      if (!plain(f)) fail(`vectorizers.${v}`, 'must be a plain file name');
    }
  }
  if (o.images !== undefined) {
    const im = o.images as Record<string, unknown> | null;
    if (!im || typeof im !== 'object') fail('images', 'must be { root, files }');
    if (!plain(im!.root)) fail('images.root', 'must be a plain folder name inside the dataset folder');
    if (!plain(im!.files)) fail('images.files', 'must be a plain file name');
  }
  return o as unknown as PackedManifest;
}

function typed(bytes: Uint8Array, entry: PackedArrayEntry, name: string, where: string): Float32Array | Uint8Array | Uint32Array {
  if (bytes.byteLength !== entry.bytes) {
    throw new DataError(`${where}/${entry.file}: array '${name}' has ${bytes.byteLength} bytes after decompression, the manifest says ${entry.bytes} (shape [${entry.shape.join(', ')}] ${entry.dtype}); the file is truncated or corrupt`);
  }
  const copy = new Uint8Array(bytes); // aligned, owned copy
  const view = new DataView(copy.buffer);
  if (entry.dtype === 'u8') return copy;
  const n = entry.bytes / 4;
  if (entry.dtype === 'f32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

export interface PackedLoadOptions {
  /** Text variant (default: the manifest's default). */
  text?: string;
  /** Validation items carved from the training rows: a count or a fraction (default 0.1). */
  valSize?: number;
  /** Seed for the validation carve (default 0). */
  valSeed?: number;
}

/**
 * Build a Dataset from a manifest and the decompressed bytes of its arrays.
 * `read(entry)` returns the decompressed bytes of one array file.
 */
export function decodePackedDataset(manifest: PackedManifest, read: (name: string, entry: PackedArrayEntry) => Uint8Array, where: string, opts: PackedLoadOptions = {}, readText?: (file: string) => string): Dataset {
  const n = manifest.n;
  const textVariant = opts.text ?? manifest.text.default;
  const textArray = manifest.text.variants[textVariant];
  if (!textArray) throw new DataError(`${where}: text variant '${textVariant}' not available (choose ${Object.keys(manifest.text.variants).join(', ')})`);
  const get = (name: string, rank: number) => {
    const e = manifest.arrays[name]!;
    if (e.shape.length !== rank) throw new DataError(`${where}/manifest.json: array '${name}' has shape [${e.shape.join(', ')}], expected rank ${rank}`);
    if (rank === 2 && e.shape[0] !== n) throw new DataError(`${where}/manifest.json: array '${name}' has ${e.shape[0]} rows, expected n = ${n}`);
    return { e, data: typed(read(name, e), e, name, where) };
  };
  const image = get('image', 2);
  const text = get(textArray, 2);
  const labels = get('labels', 2);
  if (image.e.dtype !== 'f32' || text.e.dtype !== 'f32') throw new DataError(`${where}/manifest.json: image and text arrays must be f32`);
  const split = (name: string) => {
    const { e, data } = get(name, 1);
    if (e.dtype !== 'u32') throw new DataError(`${where}/manifest.json: array '${name}' must be u32`);
    return data as Uint32Array;
  };
  const train0 = split('split_train');
  const { train, val } = carveValidation(train0, opts.valSize ?? 0.1, opts.valSeed ?? 0);
  const ds: Dataset = {
    name: manifest.name,
    n,
    imageDim: image.e.shape[1]!,
    textDim: text.e.shape[1]!,
    numLabels: labels.e.shape[1]!,
    image: image.data as Float32Array,
    text: text.data as Float32Array,
    labels: Float32Array.from(labels.data),
    labelNames: manifest.labelNames,
    splits: { query: split('split_query'), retrieval: split('split_retrieval'), train, val },
    source: `${manifest.source} (packed ${where}, text ${textVariant})`,
  };
  const side = (file: string): string => {
    if (!readText) throw new DataError(`${where}/manifest.json: names side file '${file}', but no reader for it was given`);
    return readText(file);
  };
  if (manifest.ids) ds.ids = readLines(side(manifest.ids), `${where}/${manifest.ids}`, n);
  const vfile = manifest.vectorizers?.[textVariant];
  if (vfile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(side(vfile));
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`${where}/${vfile}: not valid JSON (${(e as Error).message})`);
    }
    ds.textVectorizer = checkTextVectorizer(parsed, `${where}/${vfile}`);
    if (ds.textVectorizer.vocabulary.length !== ds.textDim) throw new DataError(`${where}/${vfile}: ${ds.textVectorizer.vocabulary.length} words, but text variant '${textVariant}' has ${ds.textDim} columns`);
  }
  if (manifest.images) {
    ds.imageFiles = readLines(side(manifest.images.files), `${where}/${manifest.images.files}`, n, true);
    ds.imageRoot = `${where}/${manifest.images.root}`;
  }
  return validateDataset(ds, where);
}

/** One line per row (LF or CRLF, a final newline optional): exactly `n` lines; unique unless `blankOk` (then '' = none). */
export function readLines(text: string, file: string, n: number, blankOk = false): string[] {
  const lines = textLines(text);
  if (lines.length !== n) throw new DataError(`${file}: ${lines.length} lines, expected one per row (${n})`);
  if (!blankOk) {
    const seen = new Map<string, number>();
    lines.forEach((l, i) => {
      if (l === '') throw new DataError(`${file}: line ${i + 1} is empty (every row needs an id)`);
      const j = seen.get(l);
      if (j !== undefined) throw new DataError(`${file}: line ${i + 1} repeats the id ${JSON.stringify(l)} of line ${j + 1} (ids must be unique)`);
      seen.set(l, i);
    });
  }
  return lines;
}

/** Encode arrays for a packed dataset: little-endian bytes (the caller gzips and writes them). */
export function encodeArray(data: Float32Array | Uint8Array | Uint32Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  else for (let i = 0; i < data.length; i++) view.setUint32(i * 4, data[i]!, true);
  return out;
}

/** Gunzip with the platform's DecompressionStream (browsers, Node ≥ 18). */
async function gunzipStream(bytes: Uint8Array, where: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataError(`${where}: not a valid gzip stream (${(e as Error).message}); the file is truncated or corrupt`);
  }
}

/**
 * Load a packed dataset over HTTP(S) (browsers, or Node with fetch): `baseUrl` is the folder URL
 * (ending in '/'), e.g. the served `data/wikipedia-default/`.
 */
export async function fetchPackedDataset(baseUrl: string, opts: PackedLoadOptions = {}): Promise<Dataset> {
  const get = async (file: string): Promise<Response> => {
    const url = new URL(file, baseUrl).href;
    const res = await fetch(url);
    if (!res.ok) throw new DataError(`${url}: HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  const murl = new URL('manifest.json', baseUrl).href;
  let parsed: unknown;
  try {
    parsed = await (await get('manifest.json')).json();
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${murl}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = checkManifest(parsed, murl);
  const textArray = manifest.text.variants[opts.text ?? manifest.text.default];
  const needed = ['image', 'labels', 'split_query', 'split_retrieval', 'split_train', ...(textArray ? [textArray] : [])];
  const bytes = new Map<string, Uint8Array>();
  await Promise.all(needed.map(async (name) => {
    const e = manifest.arrays[name]!;
    const raw = new Uint8Array(await (await get(e.file)).arrayBuffer());
    bytes.set(name, await gunzipStream(raw, new URL(e.file, baseUrl).href));
  }));
  const sideFiles = [manifest.ids, manifest.vectorizers?.[opts.text ?? manifest.text.default]].filter((f): f is string => !!f);
  const texts = new Map<string, string>();
  await Promise.all(sideFiles.map(async (f) => { texts.set(f, await (await get(f)).text()); }));
  // Raw images are a Node-side path (decoding JPEG files); the page never fetches them.
  const m = manifest.images ? { ...manifest, images: undefined } : manifest;
  return decodePackedDataset(m, (name) => bytes.get(name)!, baseUrl.replace(/\/$/, ''), opts, (f) => texts.get(f)!);
}
