/** Node-side reading and writing of packed datasets (manifest.json + gzip arrays), and the embedded default. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../../runtime/errors.js';
import { checkManifest, decodePackedDataset, encodeArray, PACKED_FORMAT, type PackedArrayEntry, type PackedLoadOptions, type PackedManifest } from '../packed.js';
import type { Dataset } from '../dataset.js';
import type { TextVectorizerSpec } from '../text-vectorizer.js';
import { packageRoot, readBytes, readText } from './files.js';

/** Load a packed dataset folder. */
export function loadPackedDataset(dir: string, opts: PackedLoadOptions = {}): Dataset {
  const mfile = join(dir, 'manifest.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(mfile));
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${mfile}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = checkManifest(parsed, mfile);
  return decodePackedDataset(manifest, (name: string, entry: PackedArrayEntry) => {
    const file = join(dir, entry.file);
    try {
      return new Uint8Array(gunzipSync(readBytes(file)));
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`${file}: array '${name}' is not a valid gzip stream (${(e as Error).message}); the file is truncated or corrupt`);
    }
  }, dir, opts, (file) => readText(join(dir, file)));
}

export interface PackArrays {
  image: Float32Array;
  imageDim: number;
  labels: Uint8Array;
  numLabels: number;
  /** Text variants: name → [n, dim] features. */
  texts: Record<string, { data: Float32Array; dim: number }>;
  defaultText: string;
  splits: { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array };
  /** Item id per row (written to ids.txt). */
  ids?: string[];
  /** Text variant → the fitted caption vectorizer that made it (written to vectorizer_<variant>.json). */
  vectorizers?: Record<string, TextVectorizerSpec>;
  /** Raw images already placed under `<dir>/<root>`: one path per row relative to it, '' for none (written to image_files.txt). */
  images?: { root: string; files: string[] };
}

/** Write a packed dataset folder; returns the manifest. */
export function writePackedDataset(dir: string, meta: { name: string; n: number; labelNames: string[]; source: string; licence: string; description?: string }, a: PackArrays): PackedManifest {
  mkdirSync(dir, { recursive: true });
  const arrays: Record<string, PackedArrayEntry> = {};
  const put = (name: string, data: Float32Array | Uint8Array | Uint32Array, shape: number[]) => {
    const dtype = data instanceof Float32Array ? 'f32' : data instanceof Uint8Array ? 'u8' : 'u32';
    const bytes = encodeArray(data);
    const file = `${name}.${dtype}.gz`;
    writeFileSync(join(dir, file), gzipSync(bytes, { level: 9 }));
    arrays[name] = { file, dtype, shape, bytes: bytes.byteLength };
  };
  put('image', a.image, [meta.n, a.imageDim]);
  put('labels', a.labels, [meta.n, a.numLabels]);
  const variants: Record<string, string> = {};
  for (const [v, t] of Object.entries(a.texts)) {
    put(`text_${v}`, t.data, [meta.n, t.dim]);
    variants[v] = `text_${v}`;
  }
  for (const k of ['query', 'retrieval', 'train'] as const) put(`split_${k}`, a.splits[k], [a.splits[k].length]);
  const manifest: PackedManifest = {
    format: PACKED_FORMAT, name: meta.name, n: meta.n, labelNames: meta.labelNames, arrays,
    text: { default: a.defaultText, variants }, source: meta.source, licence: meta.licence, description: meta.description,
  };
  const lines = (file: string, rows: string[], what: string) => {
    if (rows.length !== meta.n) throw new DataError(`writePackedDataset: ${rows.length} ${what} for ${meta.n} rows`);
    const bad = rows.findIndex((r) => /[\r\n]/.test(r));
    if (bad >= 0) throw new DataError(`writePackedDataset: ${what} of row ${bad} holds a line break`);
    writeFileSync(join(dir, file), rows.join('\n') + '\n');
    return file;
  };
  if (a.ids) manifest.ids = lines('ids.txt', a.ids, 'ids');
  if (a.vectorizers && Object.keys(a.vectorizers).length) {
    manifest.vectorizers = {};
    for (const [v, spec] of Object.entries(a.vectorizers)) {
      if (!(v in variants)) throw new DataError(`writePackedDataset: vectorizer for text variant '${v}', which is not among ${Object.keys(variants).join(', ')}`);
      writeFileSync(join(dir, `vectorizer_${v}.json`), JSON.stringify(spec) + '\n');
      manifest.vectorizers[v] = `vectorizer_${v}.json`;
    }
  }
  if (a.images) manifest.images = { root: a.images.root, files: lines('image_files.txt', a.images.files, 'image files') };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Folder of the embedded default dataset (Wikipedia, shipped in the package under data/). */
export function defaultDatasetDir(): string {
  return join(packageRoot(), 'data', 'wikipedia-default');
}

/** The embedded default dataset: Wikipedia (2,866 pairs, SIFT BoW images, tf-idf text), no download needed. */
export function loadDefaultDataset(opts: PackedLoadOptions = {}): Dataset {
  return loadPackedDataset(defaultDatasetDir(), opts);
}
