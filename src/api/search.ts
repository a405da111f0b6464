/** Search an index file's codes and name the hits (browser-safe): ids, labels and Hamming distances. */
import { DataError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { wordsFor } from '../ops/hashing.js';
import { hammingTopKCpu, type TopKResult } from '../retrieval/cpu-scan.js';
import { HammingIndex } from '../retrieval/hamming-index.js';
import { MultiIndexHashing } from '../retrieval/multi-index.js';
import { indexFileId, indexFileLabels, indexFileSize, type IndexFileContents } from '../retrieval/index-file.js';

export interface SearchHit {
  /** Position in the index file. */
  row: number;
  id: string;
  labels: string[];
  distance: number;
}

/**
 * Top-k database items per query code, ordered by (distance, row). `queries` holds packed codes of
 * the database's bit width. On the GPU when `runtime` is given (the index is uploaded for this call),
 * otherwise a CPU scan; both give the same ranking. `multiIndex`: multi-index hashing instead of a scan
 * (true), or per search the cheaper of it and the GPU scan ('auto', needs `runtime`); same ranking.
 */
export async function searchIndexFile(db: IndexFileContents, queries: Uint32Array, k: number, opts: { runtime?: Runtime; multiIndex?: boolean | 'auto' } = {}): Promise<SearchHit[][]> {
  const w = wordsFor(db.bits);
  if (!(queries instanceof Uint32Array) || queries.length % w !== 0) throw new DataError(`searchIndexFile: queries must be packed ${db.bits}-bit codes, a Uint32Array of n × ${w} words (got ${queries?.length})`);
  const n = indexFileSize(db);
  if (n === 0) throw new DataError('searchIndexFile: the index holds no codes');
  if (!Number.isInteger(k) || k < 1) throw new DataError(`searchIndexFile: k must be a positive integer, got ${k}`);
  const kk = Math.min(k, n);
  const nq = queries.length / w;
  if (opts.multiIndex === 'auto' && !opts.runtime) throw new DataError("searchIndexFile: multiIndex 'auto' compares multi-index hashing with the GPU scan and needs a runtime; without one use multiIndex: true");
  let res: TopKResult;
  if (opts.runtime) {
    const index = HammingIndex.create(opts.runtime, db.bits, { multiIndex: opts.multiIndex ?? false });
    try {
      index.add(db.codes);
      res = await index.search(queries, kk);
    } finally {
      index.dispose();
    }
  } else if (opts.multiIndex) res = new MultiIndexHashing(db.codes, db.bits).search(queries, kk);
  else res = hammingTopKCpu(queries, db.codes, db.bits, kk);
  return Array.from({ length: nq }, (_, q) => Array.from({ length: kk }, (_, j) => {
    const row = res.indices[q * kk + j]!;
    return { row, id: indexFileId(db, row), labels: indexFileLabels(db, row), distance: res.distances[q * kk + j]! };
  }));
}
