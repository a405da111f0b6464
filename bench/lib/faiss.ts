/**
 * The FAISS peer (bench/peers/faiss_binary.py, Debian's python3-faiss): the same packed codes written as
 * .npy in cmhash's export layout (src/retrieval/code-bytes.ts), IndexBinaryFlat (exact) or
 * IndexBinaryMultiHash, timed per OpenMP thread count; its top-k read back and checked against ours as
 * sets per distance (src/retrieval/compare.ts). Spawned at normal priority (bench/lib/priority.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedToBytes } from '../../src/retrieval/code-bytes.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { topKDifference } from '../../src/retrieval/compare.js';
import { popcount32, type TopKResult } from '../../src/retrieval/cpu-scan.js';
import { wordsFor } from '../../src/ops/hashing.js';
import { runPeer } from './python.js';
import { atNormalPriority } from './priority.js';

export interface FaissRun {
  faiss: string;
  index: 'flat' | 'mih';
  buildMs: number;
  runs: { threads: number; ms: number; times: number[] }[];
  nice: number;
}

export type FaissOutcome = { ok: true; run: FaissRun; result: { indices: BigInt64Array; distances: Int32Array }; normalPriority: boolean } | { ok: false; missing: string };

export interface FaissOptions {
  index?: 'flat' | 'mih';
  nhash?: number;
  nflip?: number;
  threads: number[];
  runs: number;
}

/** One FAISS search setting over packed codes (n × words, nq × words). */
export async function runFaiss(db: Uint32Array, queries: Uint32Array, bits: number, k: number, o: FaissOptions): Promise<FaissOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'cmhash-faiss-'));
  try {
    const w = wordsFor(bits), bpc = Math.ceil(bits / 8);
    writeFileSync(join(dir, 'db.npy'), encodeNpy(packedToBytes(db, bits), [db.length / w, bpc]));
    writeFileSync(join(dir, 'q.npy'), encodeNpy(packedToBytes(queries, bits), [queries.length / w, bpc]));
    const { value: out, normal } = await atNormalPriority(() => runPeer<FaissRun>('faiss_binary.py', {
      db: join(dir, 'db.npy'), queries: join(dir, 'q.npy'), k, index: o.index ?? 'flat', nhash: o.nhash, nflip: o.nflip, threads: o.threads, runs: o.runs, out: dir,
    }, 1_800_000));
    if (!out.ok) return out;
    const I = decodeNpy(readFileSync(join(dir, 'I.npy')), 'I.npy').data as BigInt64Array;
    const D = decodeNpy(readFileSync(join(dir, 'D.npy')), 'D.npy').data as Int32Array;
    return { ok: true, run: out.result, result: { indices: I, distances: D }, normalPriority: normal };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** null when FAISS's top-k equals ours as sets per distance (its tie items verified by recomputing); else the first difference. */
export function faissDifference(ours: TopKResult, faiss: { indices: BigInt64Array; distances: Int32Array }, db: Uint32Array, queries: Uint32Array, bits: number, k: number): string | null {
  const w = wordsFor(bits);
  const nq = queries.length / w;
  const distanceOf = (q: number, i: number): number => {
    if (!(i >= 0 && i < db.length / w)) return -1;
    let d = 0;
    for (let j = 0; j < w; j++) d += popcount32((queries[q * w + j]! ^ db[i * w + j]!) >>> 0);
    return d;
  };
  return topKDifference(ours, faiss, nq, k, distanceOf);
}

/** The fastest thread setting of a run. */
export function bestRun(r: FaissRun): { threads: number; ms: number } {
  return r.runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}
