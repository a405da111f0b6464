/**
 * `cmhash export`: a HammingIndex file (from `cmhash encode`) → `.npy` files that numpy, FAISS binary
 * indexes and Milvus binary vectors load directly: codes.npy (uint8 [n, ceil(bits/8)], the byte layout
 * of src/retrieval/code-bytes.ts), ids.npy (int64 [n]), labels.npy (uint8 [n, labels], when the dataset
 * is given) and meta.json.
 */
import { writeFileSync } from 'node:fs';
import { makeDirs } from '../train/node/durable.js';
import { join, resolve } from 'node:path';
import { readBytes } from '../data/node/files.js';
import { loadCheckpointDir } from '../train/node/files.js';
import { DataError } from '../runtime/errors.js';
import { HammingIndex } from '../retrieval/hamming-index.js';
import { bytesPerCode, packedToBytes } from '../retrieval/code-bytes.js';
import { encodeNpy } from '../io/npy.js';
import { wordsFor } from '../ops/hashing.js';
import { datasetFor, parse, UsageError } from './common.js';
import type { CliTrainConfig } from './train.js';

export const EXPORT_HELP = `cmhash export --index <file> --out <dir> [--data <spec> --split <name>] [--checkpoint <dir>]

Writes the codes of a HammingIndex file (from 'cmhash encode') as NumPy files for FAISS, numpy or a
vector database (see the README, "Codes outside cmhash"):
  codes.npy    uint8 [n, ceil(bits/8)]: hash bit j is bit (j mod 8), least significant first, of byte
               floor(j/8); padding bits are 0. FAISS IndexBinaryFlat(8*bytes) gives cmhash's distances.
  ids.npy      int64 [n]: the dataset row of each code (with --data), else 0..n-1
  labels.npy   uint8 [n, labels] multi-hot (with --data)
  meta.json    bits, bytes per code, bit order, label names, source

Options:
  --index <file>       HammingIndex file written by 'cmhash encode'
  --out <dir>          output folder (created; existing files of these names are replaced)
  --data <spec>        the dataset the index was encoded from (default, wikipedia, mirflickr, folder)
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
  let decoded: { bits: number; codes: Uint32Array };
  try {
    decoded = HammingIndex.decode(readBytes(file));
  } catch (e) {
    throw new DataError(`${v.index}: ${(e as Error).message}`);
  }
  const { bits, codes } = decoded;
  const n = codes.length / wordsFor(bits);
  const bpc = bytesPerCode(bits);
  let ids: BigInt64Array = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
  let labels: { data: Uint8Array; names: string[] } | null = null;
  let source = `${file} (ids are positions in the file)`;
  if (v.data) {
    const cli = v.checkpoint ? ((loadCheckpointDir(resolve(v.checkpoint as string)).meta.config.cli ?? {}) as Partial<CliTrainConfig>) : {};
    const ds = datasetFor({ ...cli, data: v.data as string });
    const split = (v.split as string | undefined) ?? 'retrieval';
    let rows: Uint32Array;
    if (split === 'all') rows = Uint32Array.from({ length: ds.n }, (_, i) => i);
    else if (split in ds.splits) rows = ds.splits[split as keyof typeof ds.splits];
    else throw new UsageError(`--split must be query, retrieval, train, val or all, got '${split}'`);
    if (rows.length !== n) throw new DataError(`${v.index}: holds ${n} codes, but split '${split}' of ${ds.name} has ${rows.length} rows — was it encoded from another split or dataset?`);
    ids = BigInt64Array.from(rows, (r) => BigInt(r));
    const L = ds.numLabels;
    const lab = new Uint8Array(n * L);
    rows.forEach((r, i) => {
      for (let j = 0; j < L; j++) lab[i * L + j] = ds.labels[r * L + j]! > 0 ? 1 : 0;
    });
    labels = { data: lab, names: ds.labelNames };
    source = `${file}; dataset ${ds.name}, split ${split}`;
  }
  const out = resolve(v.out as string);
  makeDirs(out, '--out'); // (Node's recursive mkdir spins forever under /proc)
  writeFileSync(join(out, 'codes.npy'), encodeNpy(packedToBytes(codes, bits), [n, bpc]));
  writeFileSync(join(out, 'ids.npy'), encodeNpy(ids, [n]));
  if (labels) writeFileSync(join(out, 'labels.npy'), encodeNpy(labels.data, [n, labels.names.length]));
  const meta = {
    format: 'cmhash-codes', version: 1, n, bits, bytesPerCode: bpc,
    bitOrder: 'hash bit j = bit (j % 8) of byte floor(j / 8), least significant bit first (numpy unpackbits bitorder="little"); padding bits 0',
    files: { codes: 'codes.npy', ids: 'ids.npy', ...(labels ? { labels: 'labels.npy' } : {}) },
    labelNames: labels?.names ?? null,
    source,
  };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  console.log(`exported ${n} ${bits}-bit codes (${bpc} bytes each)${labels ? ` with ids and ${labels.names.length} labels` : ' with ids'} to ${out}`);
  return 0;
}
