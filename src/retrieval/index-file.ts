/**
 * The `.cmhi` index file (browser-safe): packed binary codes plus, from version 2, the item ids, the
 * labels and a little metadata, so search results can be read without the dataset. Spec:
 * docs/index-format.md. Version 1 files (codes only) still load, with no ids or labels.
 *
 * Layout, all integers u32 little-endian:
 *   0  magic 'CMHI' (0x49484d43)   4  version (1 or 2)   8  bits   12  words per code = ceil(bits / 32)
 *   16 n, low 32 bits   20 n, high 32 bits
 *   v1: codes start at 24.
 *   v2: 24 metadata byte length M   28 reserved (0); codes (n × words u32) at 32; then M bytes of UTF-8
 *       JSON: { ids?: string[], labelNames?: string[], labels?: number[][] (label columns per row),
 *       meta?: object } — ids and labels, when present, have one entry per code.
 */
import { DataError } from '../runtime/errors.js';
import { checkBits, wordsFor } from '../ops/hashing.js';

export const INDEX_FILE_MAGIC = 0x49484d43; // 'CMHI' little-endian
export const INDEX_FILE_VERSION = 2;

export interface IndexFileContents {
  bits: number;
  /** n × ceil(bits / 32) packed codes, row-major. */
  codes: Uint32Array;
  /** Item id per code. */
  ids?: string[];
  labelNames?: string[];
  /** Label column indices (into labelNames) per code. */
  labels?: number[][];
  /** Free-form facts about the codes: modality, model, source dataset and split … */
  meta?: Record<string, unknown>;
  /** Version the file was read from (1 or 2); encodeIndexFile always writes the current one. */
  version?: number;
}

/** Number of codes in the contents. */
export function indexFileSize(c: IndexFileContents): number {
  return c.codes.length / wordsFor(c.bits);
}

/** Labels per row from a [rows, numLabels] 0/1 matrix (row-major), as label column lists. */
export function labelLists(multiHot: ArrayLike<number>, numLabels: number, rows: ArrayLike<number> | null = null): number[][] {
  const count = rows ? rows.length : multiHot.length / numLabels;
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const r = rows ? rows[i]! : i;
    const l: number[] = [];
    for (let j = 0; j < numLabels; j++) if (multiHot[r * numLabels + j]! > 0) l.push(j);
    out.push(l);
  }
  return out;
}

function checkContents(c: IndexFileContents, where: string): number {
  checkBits(where, c.bits);
  const w = wordsFor(c.bits);
  if (!(c.codes instanceof Uint32Array) || c.codes.length % w !== 0) throw new DataError(`${where}: codes must be a Uint32Array of n × ${w} words for ${c.bits}-bit codes (got ${c.codes?.length})`);
  const n = c.codes.length / w;
  if (c.ids !== undefined) {
    if (!Array.isArray(c.ids) || c.ids.length !== n) throw new DataError(`${where}: ${c.ids?.length} ids for ${n} codes`);
    const i = c.ids.findIndex((x) => typeof x !== 'string');
    if (i >= 0) throw new DataError(`${where}: id ${i} is ${JSON.stringify(c.ids[i])}, expected a string`);
  }
  if (c.labels !== undefined) {
    const names = c.labelNames;
    if (!Array.isArray(names) || !names.every((s) => typeof s === 'string')) throw new DataError(`${where}: labels need labelNames (an array of strings)`);
    if (!Array.isArray(c.labels) || c.labels.length !== n) throw new DataError(`${where}: ${c.labels?.length} label rows for ${n} codes`);
    c.labels.forEach((l, i) => {
      if (!Array.isArray(l) || !l.every((j) => Number.isInteger(j) && j >= 0 && j < names.length)) {
        throw new DataError(`${where}: labels of row ${i} are ${JSON.stringify(l)}, expected column indices in 0..${names.length - 1}`);
      }
    });
  }
  return n;
}

/** Serialise codes, ids, labels and metadata as a version-2 index file. */
export function encodeIndexFile(c: IndexFileContents): Uint8Array {
  const n = checkContents(c, 'encodeIndexFile');
  const meta: Record<string, unknown> = {};
  if (c.ids) meta.ids = c.ids;
  if (c.labelNames) meta.labelNames = c.labelNames;
  if (c.labels) meta.labels = c.labels;
  if (c.meta) meta.meta = c.meta;
  // No metadata → M = 0 (docs/index-format.md), so a codes-only file is just header + codes.
  const json = Object.keys(meta).length === 0 ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(meta));
  const out = new Uint8Array(32 + c.codes.byteLength + json.byteLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, INDEX_FILE_MAGIC, true);
  v.setUint32(4, INDEX_FILE_VERSION, true);
  v.setUint32(8, c.bits, true);
  v.setUint32(12, wordsFor(c.bits), true);
  v.setUint32(16, n % 2 ** 32, true);
  v.setUint32(20, Math.floor(n / 2 ** 32), true);
  v.setUint32(24, json.byteLength, true);
  v.setUint32(28, 0, true);
  for (let i = 0; i < c.codes.length; i++) v.setUint32(32 + i * 4, c.codes[i]!, true);
  out.set(json, 32 + c.codes.byteLength);
  return out;
}

/** Parse a version 1 or 2 index file; `where` (the file name) starts every error message. */
export function decodeIndexFile(bytes: Uint8Array, where = 'index file'): IndexFileContents {
  if (!(bytes instanceof Uint8Array)) throw new DataError(`${where}: bytes must be a Uint8Array`);
  if (bytes.byteLength < 24) throw new DataError(`${where}: ${bytes.byteLength} bytes is shorter than the 24-byte header (truncated, or not a cmhash index file)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== INDEX_FILE_MAGIC) throw new DataError(`${where}: bad magic (not a cmhash index file)`);
  const version = v.getUint32(4, true);
  if (version !== 1 && version !== 2) throw new DataError(`${where}: index file version ${version} is not supported (1 or 2; a newer cmhash wrote it?)`);
  const bits = v.getUint32(8, true), words = v.getUint32(12, true);
  if (bits < 1 || bits > 128 || words !== wordsFor(bits)) throw new DataError(`${where}: header has bits ${bits} and words ${words}, which do not agree`);
  const n = v.getUint32(16, true) + v.getUint32(20, true) * 2 ** 32;
  const head = version === 1 ? 24 : 32;
  if (bytes.byteLength < head) throw new DataError(`${where}: ${bytes.byteLength} bytes is shorter than the ${head}-byte version-${version} header`);
  const metaBytes = version === 1 ? 0 : v.getUint32(24, true);
  const want = head + n * words * 4 + metaBytes;
  if (bytes.byteLength !== want) {
    throw new DataError(`${where}: header says ${n} codes of ${bits} bits${version === 2 ? ` and ${metaBytes} bytes of metadata` : ''} (${want} bytes), the file has ${bytes.byteLength} bytes (truncated or corrupt)`);
  }
  const codes = new Uint32Array(n * words);
  for (let i = 0; i < codes.length; i++) codes[i] = v.getUint32(head + i * 4, true);
  const out: IndexFileContents = { bits, codes, version };
  if (metaBytes > 0) {
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(head + codes.byteLength))) as Record<string, unknown>;
    } catch (e) {
      throw new DataError(`${where}: metadata is not valid UTF-8 JSON (${(e as Error).message})`);
    }
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new DataError(`${where}: metadata is not a JSON object`);
    if (meta.ids !== undefined) out.ids = meta.ids as string[];
    if (meta.labelNames !== undefined) out.labelNames = meta.labelNames as string[];
    if (meta.labels !== undefined) out.labels = meta.labels as number[][];
    if (meta.meta !== undefined) out.meta = meta.meta as Record<string, unknown>;
    checkContents(out, where);
  }
  return out;
}

/** The id of row `i` (its row number when the file has no ids). */
export function indexFileId(c: IndexFileContents, i: number): string {
  return c.ids?.[i] ?? String(i);
}

/** The label names of row `i` ([] when the file has no labels). */
export function indexFileLabels(c: IndexFileContents, i: number): string[] {
  return (c.labels?.[i] ?? []).map((j) => c.labelNames![j]!);
}
