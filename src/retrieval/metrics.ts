/**
 * Retrieval metrics over Hamming ranking (MODELS.md, "Evaluation protocol"): the database is ranked
 * for each query by Hamming distance with ties broken by ascending database index (a stable counting
 * sort; on the GPU through HammingIndex, on the CPU through the plain-TS scan — both give the same
 * ranking). Relevant = the query and item share at least one label (qL·dLᵀ > 0).
 *
 * - mAP@all (DCMH): AP = mean over the query's relevant items of (rank among relevant ÷ position);
 *   a query without relevant items contributes 0 and stays in the denominator.
 * - mAP@K: the same sum over the top K only, divided by the relevant items found in the top K (0 if none).
 * - precision@K: relevant in the top K ÷ K, averaged over queries.
 * - PR by Hamming radius r = 0..bits, pooled over queries: precision = relevant pairs with d ≤ r ÷ pairs
 *   with d ≤ r (NaN when no pair is that close), recall = relevant pairs with d ≤ r ÷ all relevant pairs.
 * - expectedMapRandomTies: mAP@all's expectation when the order inside each distance bucket is uniformly
 *   random (exact, by linearity: for a bucket of n items with r relevant after N0 items with R0 relevant,
 *   Σ_{j=1..n} (r/n)·(R0 + 1 + (j−1)(r−1)/(n−1)) ÷ (N0 + j)).
 */
import type { Runtime } from '../runtime/runtime.js';
import { ShapeError } from '../runtime/errors.js';
import { checkBits, wordsFor } from '../ops/hashing.js';
import { scanDistances, selectTopK } from './cpu-scan.js';
import { HammingIndex } from './hamming-index.js';

export const DEFAULT_TOP_K = [1, 50, 100, 200, 500, 1000];
export const DEFAULT_MAP_AT = [50];

export interface EvaluateRetrievalOptions {
  /** Packed query codes, nq × ceil(bits/32) u32. */
  queryCodes: Uint32Array;
  /** Packed database (retrieval set) codes, n × ceil(bits/32) u32. */
  dbCodes: Uint32Array;
  bits: number;
  /** nq × numLabels, row-major (multi-hot or non-negative weights). */
  queryLabels: Float32Array | Uint8Array;
  /** n × numLabels, row-major. */
  dbLabels: Float32Array | Uint8Array;
  numLabels: number;
  /** Cut-offs for precision@K (default [1, 50, 100, 200, 500, 1000]; defaults above n are dropped). */
  topK?: number[];
  /** Cut-offs for mAP@K (default [50]). */
  mapAt?: number[];
  /** Rank on the GPU through HammingIndex when given, on the CPU otherwise (identical rankings). */
  rt?: Runtime;
}

export interface PrPoint {
  radius: number;
  precision: number;
  recall: number;
}

export interface RetrievalMetrics {
  mapAll: number;
  mapAtK: Record<number, number>;
  precisionAtK: Record<number, number>;
  pr: PrPoint[];
  expectedMapRandomTies: number;
  queries: number;
  database: number;
  bits: number;
}

function cutoffs(name: string, given: number[] | undefined, dflt: number[], n: number): number[] {
  if (!given) return dflt.filter((k) => k <= n);
  for (const k of given) {
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`evaluateRetrieval: ${name} values must be integers in 1..${n} (database size), got ${k}`);
  }
  return [...new Set(given)].sort((a, b) => a - b);
}

/** Relevance of every database item to query q (shares ≥ 1 label). */
function relevance(o: EvaluateRetrievalOptions, q: number, n: number, out: Uint8Array): number {
  const c = o.numLabels;
  const ql: number[] = [], qw: number[] = [];
  for (let l = 0; l < c; l++) {
    const v = o.queryLabels[q * c + l]!;
    if (v !== 0) {
      ql.push(l);
      qw.push(v);
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < ql.length; j++) s += qw[j]! * o.dbLabels[i * c + ql[j]!]!;
    const r = s > 0 ? 1 : 0;
    out[i] = r;
    total += r;
  }
  return total;
}

interface Accum {
  mapAll: number;
  mapAtK: Float64Array;
  precAtK: Float64Array;
  pairs: Float64Array;
  relPairs: Float64Array;
  relTotal: number;
  expected: number;
}

/** Add one query's ranking (order = database indices by (distance, index); dist = their distances). */
function accumulate(acc: Accum, order: Uint32Array, dist: Uint32Array, rel: Uint8Array, relTotal: number, topK: number[], mapAt: number[], bits: number): void {
  const n = order.length;
  let cnt = 0, ap = 0, ki = 0, mi = 0;
  // Per-bucket counts for PR and the tie expectation.
  const bucketN = new Float64Array(bits + 1), bucketR = new Float64Array(bits + 1);
  for (let p = 1; p <= n; p++) {
    const i = order[p - 1]!;
    const d = dist[p - 1]!;
    bucketN[d]!++;
    if (rel[i]) {
      cnt++;
      ap += cnt / p;
      bucketR[d]!++;
    }
    while (ki < topK.length && topK[ki] === p) acc.precAtK[ki++]! += cnt;
    while (mi < mapAt.length && mapAt[mi] === p) acc.mapAtK[mi++]! += cnt > 0 ? ap / cnt : 0;
  }
  if (relTotal > 0) acc.mapAll += ap / relTotal;
  let n0 = 0, r0 = 0, e = 0, cumN = 0, cumR = 0;
  for (let d = 0; d <= bits; d++) {
    const nb = bucketN[d]!, rb = bucketR[d]!;
    if (rb > 0) {
      for (let j = 1; j <= nb; j++) {
        const before = nb > 1 ? ((j - 1) * (rb - 1)) / (nb - 1) : 0;
        e += ((rb / nb) * (r0 + 1 + before)) / (n0 + j);
      }
    }
    n0 += nb;
    r0 += rb;
    cumN += nb;
    cumR += rb;
    acc.pairs[d]! += cumN;
    acc.relPairs[d]! += cumR;
  }
  if (relTotal > 0) acc.expected += e / relTotal;
  acc.relTotal += relTotal;
}

/** Evaluate Hamming-ranking retrieval of packed query codes against packed database codes. */
export async function evaluateRetrieval(o: EvaluateRetrievalOptions): Promise<RetrievalMetrics> {
  checkBits('evaluateRetrieval', o.bits);
  const w = wordsFor(o.bits);
  const c = o.numLabels;
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`evaluateRetrieval: numLabels must be a positive integer, got ${c}`);
  if (o.queryCodes.length % w || o.dbCodes.length % w) {
    throw new ShapeError(`evaluateRetrieval: queryCodes (${o.queryCodes.length} words) and dbCodes (${o.dbCodes.length} words) must be multiples of ${w} words (${o.bits} bits)`);
  }
  const nq = o.queryCodes.length / w, n = o.dbCodes.length / w;
  if (n === 0) throw new ShapeError('evaluateRetrieval: dbCodes is empty');
  if (o.queryLabels.length !== nq * c) throw new ShapeError(`evaluateRetrieval: queryLabels has ${o.queryLabels.length} values, expected ${nq} queries × ${c} labels`);
  if (o.dbLabels.length !== n * c) throw new ShapeError(`evaluateRetrieval: dbLabels has ${o.dbLabels.length} values, expected ${n} items × ${c} labels`);
  const topK = cutoffs('topK', o.topK, DEFAULT_TOP_K, n);
  const mapAt = cutoffs('mapAt', o.mapAt, DEFAULT_MAP_AT, n);
  const bins = o.bits + 1;
  const acc: Accum = {
    mapAll: 0, mapAtK: new Float64Array(mapAt.length), precAtK: new Float64Array(topK.length),
    pairs: new Float64Array(bins), relPairs: new Float64Array(bins), relTotal: 0, expected: 0,
  };
  const rel = new Uint8Array(n);
  if (o.rt) {
    const index = HammingIndex.create(o.rt, o.bits);
    try {
      index.add(o.dbCodes);
      // Full rankings, a bounded number of queries at a time (indices + distances, 8 bytes per item).
      const per = Math.max(1, Math.floor((64 * 1024 * 1024) / (8 * n)));
      for (let q0 = 0; q0 < nq; q0 += per) {
        const b = Math.min(per, nq - q0);
        const r = await index.search(o.queryCodes.subarray(q0 * w, (q0 + b) * w), n);
        for (let q = 0; q < b; q++) {
          const relTotal = relevance(o, q0 + q, n, rel);
          accumulate(acc, r.indices.subarray(q * n, (q + 1) * n), r.distances.subarray(q * n, (q + 1) * n), rel, relTotal, topK, mapAt, o.bits);
        }
      }
    } finally {
      index.dispose();
    }
  } else {
    const dist = new Uint8Array(n), hist = new Uint32Array(bins);
    const order = new Uint32Array(n), sorted = new Uint32Array(n);
    for (let q = 0; q < nq; q++) {
      scanDistances(o.queryCodes, q, o.dbCodes, n, o.bits, dist, hist);
      selectTopK(dist, n, hist, bins, n, order, sorted, 0);
      accumulate(acc, order, sorted, rel, relevance(o, q, n, rel), topK, mapAt, o.bits);
    }
  }
  const div = (v: number): number => (nq > 0 ? v / nq : 0);
  const mapAtK: Record<number, number> = {}, precisionAtK: Record<number, number> = {};
  mapAt.forEach((k, i) => (mapAtK[k] = div(acc.mapAtK[i]!)));
  topK.forEach((k, i) => (precisionAtK[k] = div(acc.precAtK[i]! / k)));
  const pr: PrPoint[] = [];
  for (let r = 0; r < bins; r++) {
    pr.push({
      radius: r,
      precision: acc.pairs[r]! > 0 ? acc.relPairs[r]! / acc.pairs[r]! : NaN,
      recall: acc.relTotal > 0 ? acc.relPairs[r]! / acc.relTotal : 0,
    });
  }
  return { mapAll: div(acc.mapAll), mapAtK, precisionAtK, pr, expectedMapRandomTies: div(acc.expected), queries: nq, database: n, bits: o.bits };
}

/** JSON text of one or more named results (NaN precision becomes null). */
export function metricsToJson(results: Record<string, RetrievalMetrics> | RetrievalMetrics): string {
  return JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
