/**
 * `cmhash export`: an index file (from `cmhash encode`) → `.npy` files that numpy, FAISS binary
 * indexes and Milvus binary vectors load directly: codes.npy (uint8 [n, ceil(bits/8)], the byte layout
 * of src/retrieval/code-bytes.ts), ids.npy, labels.npy and meta.json. Ids and labels come from the index
 * file when it holds them (version 2, docs/index-format.md), else from --data/--split, else ids are
 * positions in the file and there are no labels.
 */
import { writeFileSync } from 'node:fs';
import { makeDirs } from '../train/node/durable.js';
import { join, resolve } from 'node:path';
import { readBytes } from '../data/node/files.js';
import { loadCheckpointDir } from '../train/node/files.js';
import { DataError } from '../runtime/errors.js';
import { decodeIndexFile, indexFileSize, type IndexFileContents } from '../retrieval/index-file.js';
import { bytesPerCode, packedToBytes } from '../retrieval/code-bytes.js';
import { encodeNpy, encodeNpyStrings } from '../io/npy.js';
import type { Dataset } from '../data/dataset.js';
import { datasetFor, parse, UsageError } from './common.js';
import { info } from './output.js';
import type { CliTrainConfig } from './train.js';

export const EXPORT_HELP = `cmhash export --index <file> --out <dir> [--data <spec> --split <name>] [--checkpoint <dir>]

Writes the codes of a HammingIndex file (from 'cmhash encode') as NumPy files for FAISS, numpy or a
vector database (see the README, "Codes outside cmhash"):
  codes.npy    uint8 [n, ceil(bits/8)]: hash bit j is bit (j mod 8), least significant first, of byte
               floor(j/8); padding bits are 0. FAISS IndexBinaryFlat(8*bytes) gives cmhash's distances.
  ids.npy      the ids stored in the index file (version 2, as 'cmhash encode' writes): int64 [n] when
               every id is an integer, else a numpy unicode array '<U…' [n]; without stored ids, int64
               [n]: the dataset row of each code (with --data), else its position 0..n-1
  labels.npy   uint8 [n, labels] multi-hot: the index file's labels, else the dataset's (with --data)
  meta.json    bits, bytes per code, bit order, label names, where ids and labels came from

With both an index file that stores ids or labels and --data, the two must agree: the split must have one
row per code and the dataset the same label names, or export stops with an error.

Options:
  --index <file>       HammingIndex file written by 'cmhash encode'
  --out <dir>          output folder (created; existing files of these names are replaced)
  --data <spec>        the dataset the index was encoded from (default, wikipedia, mirflickr, folder);
                       needed only for files without stored ids and labels
  --split <name>       … and its split: query, retrieval, train, val or all (default retrieval)
  --checkpoint <dir>   take the dataset settings (text features, validation seed, split) from this
                       checkpoint, as 'cmhash encode' did
  --help               this text`;

export async function exportCommand(args: string[]): Promise<number> {
  const v = parse(args, {
    index: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' },
    checkpoint: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  if (!v.index) throw new UsageError('--index <file> is required');
  if (!v.out) throw new UsageError('--out <dir> is required');
  if (v.split && !v.data) throw new UsageError('--split needs --data');
  const file = resolve(v.index as string);
  const c = decodeIndexFile(readBytes(file), v.index as string);
  const { bits, codes } = c;
  const n = indexFileSize(c);
  const bpc = bytesPerCode(bits);
  const ds = v.data ? dataRows(v, n, c) : null;
  const ids = idsNpy(c, ds, n);
  const labels = c.labels ? { data: multiHot(c.labels, c.labelNames!.length), names: c.labelNames!, from: 'index file' }
    : ds ? { data: datasetLabels(ds.ds, ds.rows), names: ds.ds.labelNames, from: `dataset ${ds.ds.name}, split ${ds.split}` } : null;
  const source = `${file}${ds ? `; dataset ${ds.ds.name}, split ${ds.split}` : ''}`;
  const out = resolve(v.out as string);
  makeDirs(out, '--out'); // (Node's recursive mkdir spins forever under /proc)
  writeFileSync(join(out, 'codes.npy'), encodeNpy(packedToBytes(codes, bits), [n, bpc]));
  writeFileSync(join(out, 'ids.npy'), ids.bytes);
  if (labels) writeFileSync(join(out, 'labels.npy'), encodeNpy(labels.data, [n, labels.names.length]));
  const meta = {
    format: 'cmhash-codes', version: 1, n, bits, bytesPerCode: bpc,
    bitOrder: 'hash bit j = bit (j % 8) of byte floor(j / 8), least significant bit first (numpy unpackbits bitorder="little"); padding bits 0',
    files: { codes: 'codes.npy', ids: 'ids.npy', ...(labels ? { labels: 'labels.npy' } : {}) },
    labelNames: labels?.names ?? null,
    ids: { dtype: ids.dtype, from: ids.from },
    labels: labels ? { from: labels.from } : null,
    source,
  };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  info(`exported ${n} ${bits}-bit codes (${bpc} bytes each)${labels ? ` with ids (${ids.from}) and ${labels.names.length} labels (${labels.from})` : ` with ids (${ids.from})`} to ${out}`);
  return 0;
}

/** The dataset rows the index was encoded from (--data/--split), checked against the file's codes, ids and labels. */
function dataRows(v: Record<string, unknown>, n: number, c: IndexFileContents): { ds: Dataset; rows: Uint32Array; split: string } {
  const cli = v.checkpoint ? ((loadCheckpointDir(resolve(v.checkpoint as string)).meta.config.cli ?? {}) as Partial<CliTrainConfig>) : {};
  const ds = datasetFor({ ...cli, data: v.data as string });
  const split = (v.split as string | undefined) ?? 'retrieval';
  let rows: Uint32Array;
  if (split === 'all') rows = Uint32Array.from({ length: ds.n }, (_, i) => i);
  else if (split in ds.splits) rows = ds.splits[split as keyof typeof ds.splits];
  else throw new UsageError(`--split must be query, retrieval, train, val or all, got '${split}'`);
  const stored = c.ids ? ` and ${c.ids.length} stored ids` : '';
  if (rows.length !== n) throw new DataError(`${v.index}: holds ${n} codes${stored}, but split '${split}' of ${ds.name} has ${rows.length} rows — was it encoded from another split or dataset?`);
  if (c.labelNames && (c.labelNames.length !== ds.labelNames.length || c.labelNames.some((x, i) => x !== ds.labelNames[i]))) {
    throw new DataError(`${v.index}: stores ${c.labelNames.length} label names (${c.labelNames.slice(0, 5).join(', ')}${c.labelNames.length > 5 ? ', …' : ''}), but ${ds.name} has ${ds.labelNames.length} (${ds.labelNames.slice(0, 5).join(', ')}${ds.labelNames.length > 5 ? ', …' : ''}) — drop --data to export the file's own labels`);
  }
  return { ds, rows, split };
}

/**
 * ids.npy: the file's stored ids (int64 when every one is an integer in int64 range, as for dataset row
 * numbers, else a unicode array), else the dataset rows, else positions in the file.
 */
function idsNpy(c: IndexFileContents, ds: { rows: Uint32Array } | null, n: number): { bytes: Uint8Array; dtype: string; from: string } {
  if (c.ids) {
    const ints = c.ids.every((x) => /^(0|-?[1-9]\d{0,18})$/.test(x) && BigInt(x) >= -(2n ** 63n) && BigInt(x) < 2n ** 63n);
    if (ints) return { bytes: encodeNpy(BigInt64Array.from(c.ids, (x) => BigInt(x)), [n]), dtype: 'int64', from: 'index file' };
    return { bytes: encodeNpyStrings(c.ids), dtype: 'unicode', from: 'index file' };
  }
  if (ds) return { bytes: encodeNpy(BigInt64Array.from(ds.rows, (r) => BigInt(r)), [n]), dtype: 'int64', from: 'dataset rows' };
  return { bytes: encodeNpy(BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [n]), dtype: 'int64', from: 'positions in the index file' };
}

/** Label column lists (the index file's form) as an [n, L] 0/1 matrix. */
function multiHot(lists: number[][], L: number): Uint8Array {
  const out = new Uint8Array(lists.length * L);
  lists.forEach((l, i) => l.forEach((j) => { out[i * L + j] = 1; }));
  return out;
}

/** The dataset's labels of `rows` as an [rows, L] 0/1 matrix. */
function datasetLabels(ds: Dataset, rows: Uint32Array): Uint8Array {
  const L = ds.numLabels;
  const lab = new Uint8Array(rows.length * L);
  rows.forEach((r, i) => {
    for (let j = 0; j < L; j++) lab[i * L + j] = ds.labels[r * L + j]! > 0 ? 1 : 0;
  });
  return lab;
}
