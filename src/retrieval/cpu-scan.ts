/**
 * The plain-TypeScript Hamming scan: SWAR (or, for 128-bit codes, 16-bit table) popcount over u32 words, a per-query distance histogram
 * filled in the same loop, then top-k by counting (threshold from the histogram, one stable compaction
 * pass in database-index order). It is the CPU path of evaluateRetrieval and the peer in the benchmarks;
 * results equal HammingIndex.search exactly (ties by ascending database index).
 */
import { checkBits, lastWordMask, wordsFor } from '../ops/hashing.js';

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Popcount of every 16-bit value. For 4-word codes two lookups per word beat SWAR in V8 (Node 20,
 * ≈15%); for 1 and 2 words SWAR is as fast or faster (measured, see BENCHMARKS.md). */
const POP16 = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/** Distances of query row `qi` against every item, into `dist` (u8), with the histogram in `hist`. */
export function scanDistances(queries: Uint32Array, qi: number, db: Uint32Array, n: number, bits: number, dist: Uint8Array, hist: Uint32Array): void {
  const words = wordsFor(bits);
  const mask = lastWordMask(bits);
  hist.fill(0, 0, bits + 1);
  const o = qi * words;
  if (words === 1) {
    const q0 = queries[o]! & mask;
    for (let i = 0; i < n; i++) {
      const d = popcount32((db[i]! & mask) ^ q0);
      dist[i] = d;
      hist[d]!++;
    }
  } else if (words === 2) {
    const q0 = queries[o]!, q1 = queries[o + 1]! & mask;
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const d = popcount32(db[j]! ^ q0) + popcount32((db[j + 1]! & mask) ^ q1);
      dist[i] = d;
      hist[d]!++;
    }
  } else if (words === 4) {
    const q0 = queries[o]!, q1 = queries[o + 1]!, q2 = queries[o + 2]!, q3 = queries[o + 3]! & mask;
    const P = POP16;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const a = db[j]! ^ q0, b = db[j + 1]! ^ q1, c = db[j + 2]! ^ q2, e = (db[j + 3]! & mask) ^ q3;
      const d = P[a & 0xffff]! + P[a >>> 16]! + P[b & 0xffff]! + P[b >>> 16]! + P[c & 0xffff]! + P[c >>> 16]! + P[e & 0xffff]! + P[e >>> 16]!;
      dist[i] = d;
      hist[d]!++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let w = 0; w < words; w++) {
        const x = db[i * words + w]! ^ queries[o + w]!;
        d += popcount32(w === words - 1 ? x & mask : x);
      }
      dist[i] = d;
      hist[d]!++;
    }
  }
}

/**
 * Write the first k items of the stable (distance, index) order into out* at `at`, given the distances
 * and their histogram. Counting selection: threshold bucket from the histogram, then one pass.
 */
export function selectTopK(dist: Uint8Array, n: number, hist: Uint32Array, bins: number, k: number, outIdx: Uint32Array, outDist: Uint32Array, at: number): void {
  const start = new Uint32Array(bins);
  let below = 0, t = bins - 1;
  for (let d = 0; d < bins; d++) {
    start[d] = below;
    if (below + hist[d]! >= k) {
      t = d;
      break;
    }
    below += hist[d]!;
  }
  for (let i = 0; i < n; i++) {
    const d = dist[i]!;
    if (d > t) continue;
    const p = start[d]!;
    if (p >= k) continue;
    start[d] = p + 1;
    outIdx[at + p] = i;
    outDist[at + p] = d;
  }
}

export interface TopKResult {
  /** nq × k row-major database indices, by (distance, index). */
  indices: Uint32Array;
  distances: Uint32Array;
}

function checkArgs(op: string, queries: Uint32Array, db: Uint32Array, bits: number): { words: number; nq: number; n: number } {
  checkBits(op, bits);
  const words = wordsFor(bits);
  if (queries.length % words !== 0) throw new RangeError(`${op}: queries has ${queries.length} words, not a multiple of ${words} (${bits} bits)`);
  if (db.length % words !== 0) throw new RangeError(`${op}: db has ${db.length} words, not a multiple of ${words} (${bits} bits)`);
  return { words, nq: queries.length / words, n: db.length / words };
}

/** Top-k by Hamming distance on the CPU (plain TypeScript), ties by ascending database index. */
export function hammingTopKCpu(queries: Uint32Array, db: Uint32Array, bits: number, k: number): TopKResult {
  const { nq, n } = checkArgs('hammingTopKCpu', queries, db, bits);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`hammingTopKCpu: k must be an integer in 1..${n} (database size), got ${k}`);
  const dist = new Uint8Array(n), hist = new Uint32Array(bits + 1);
  const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
  for (let q = 0; q < nq; q++) {
    scanDistances(queries, q, db, n, bits, dist, hist);
    selectTopK(dist, n, hist, bits + 1, k, indices, distances, q * k);
  }
  return { indices, distances };
}

export interface RadiusResult {
  /** nq + 1 offsets into indices/distances: query q's results are [offsets[q], offsets[q+1]). */
  offsets: Uint32Array;
  indices: Uint32Array;
  distances: Uint32Array;
}

/** All items within Hamming radius r of each query, by (distance, index). */
export function hammingRadiusCpu(queries: Uint32Array, db: Uint32Array, bits: number, r: number): RadiusResult {
  const { nq, n } = checkArgs('hammingRadiusCpu', queries, db, bits);
  if (!Number.isInteger(r) || r < 0) throw new RangeError(`hammingRadiusCpu: radius must be a non-negative integer, got ${r}`);
  const dist = new Uint8Array(n), hist = new Uint32Array(bits + 1);
  const offsets = new Uint32Array(nq + 1);
  const idx: number[] = [], ds: number[] = [];
  const rr = Math.min(r, bits);
  for (let q = 0; q < nq; q++) {
    scanDistances(queries, q, db, n, bits, dist, hist);
    let c = 0;
    for (let d = 0; d <= rr; d++) c += hist[d]!;
    const oi = new Uint32Array(c), od = new Uint32Array(c);
    selectTopK(dist, n, hist, rr + 1, c, oi, od, 0);
    for (let i = 0; i < c; i++) {
      idx.push(oi[i]!);
      ds.push(od[i]!);
    }
    offsets[q + 1] = offsets[q]! + c;
  }
  return { offsets, indices: Uint32Array.from(idx), distances: Uint32Array.from(ds) };
}
