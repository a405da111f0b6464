/**
 * Plain references for codes and Hamming search: bit-by-bit packing and distances, and top-k by a full
 * comparison sort on (distance, index). Deliberately naive: the oracle for the GPU kernels and for the
 * fast CPU scan in src/retrieval/cpu-scan.ts.
 */
import { wordsFor } from '../hashing.js';

/** Sign + pack codes [n, k] → [n, ceil(k/32)] u32; bit set iff code ≥ 0. */
export function packBitsCpu(codes: ArrayLike<number>, n: number, k: number): Uint32Array {
  const words = wordsFor(k);
  const out = new Uint32Array(n * words);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      if (codes[r * k + j]! >= 0) out[r * words + (j >> 5)] = (out[r * words + (j >> 5)]! | (1 << (j & 31))) >>> 0;
    }
  }
  return out;
}

export function unpackBitsCpu(packed: ArrayLike<number>, n: number, k: number): Float64Array {
  const words = wordsFor(k);
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) out[r * k + j] = (packed[r * words + (j >> 5)]! >>> (j & 31)) & 1 ? 1 : -1;
  }
  return out;
}

/** Hamming distance between row qi of q and row di of db, counting bit by bit over the first `bits` bits. */
export function hammingCpu(q: ArrayLike<number>, qi: number, db: ArrayLike<number>, di: number, bits: number): number {
  const words = wordsFor(bits);
  let d = 0;
  for (let j = 0; j < bits; j++) {
    const a = (q[qi * words + (j >> 5)]! >>> (j & 31)) & 1;
    const b = (db[di * words + (j >> 5)]! >>> (j & 31)) & 1;
    if (a !== b) d++;
  }
  return d;
}

/** Full ranking of the database for one query: indices sorted by (distance, index). */
export function rankCpu(q: ArrayLike<number>, qi: number, db: ArrayLike<number>, n: number, bits: number): { indices: number[]; distances: number[] } {
  const d = Array.from({ length: n }, (_, i) => hammingCpu(q, qi, db, i, bits));
  const indices = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a]! - d[b]! || a - b);
  return { indices, distances: indices.map((i) => d[i]!) };
}

/** Top-k of every query, row-major nq × k. */
export function topKCpu(q: ArrayLike<number>, nq: number, db: ArrayLike<number>, n: number, bits: number, k: number): { indices: Uint32Array; distances: Uint32Array } {
  const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
  for (let i = 0; i < nq; i++) {
    const r = rankCpu(q, i, db, n, bits);
    indices.set(r.indices.slice(0, k), i * k);
    distances.set(r.distances.slice(0, k), i * k);
  }
  return { indices, distances };
}
