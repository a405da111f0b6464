import { describe, expect, it } from 'vitest';
import { evaluateRetrieval, metricsToJson, type RetrievalMetrics } from '../src/retrieval/metrics.js';
import { precisionAtKSvg, prCurveSvg } from '../src/retrieval/plots.js';
import { rankCpu, hammingCpu } from '../src/ops/cpu/hashing.js';
import { wordsFor } from '../src/ops/hashing.js';
import { Rng } from '../src/util/rng.js';
import { getRuntime } from './helpers.js';

// Hand-made case: 4-bit codes (one word each), 6 database items, 3 queries, 3 labels.
const DB = Uint32Array.from([0b0001, 0b0000, 0b0011, 0b1000, 0b1111, 0b0100]);
const DB_LABELS = Uint8Array.from([1, 0, 0, /**/ 0, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 1, /**/ 1, 0, 1, /**/ 1, 0, 0]);
const Q = Uint32Array.from([0b0000, 0b1111, 0b0101]);
const Q_LABELS = Float32Array.from([1, 0, 0, /**/ 0, 0, 1, /**/ 0, 0, 0]);
/*
 * q0 = 0000, label 0. Distances i0..i5: 1 0 2 1 4 1; relevant (label 0): i0 i2 i4 i5 (R = 4).
 *   Ranking by (distance, index): i1(0) i0(1) i3(1) i5(1) i2(2) i4(4) -> relevant at positions 2, 4, 5, 6.
 *   AP = (1/2 + 2/4 + 3/5 + 4/6) / 4 = 17/30.  Top 3 (i1 i0 i3): one relevant at 2 -> AP@3 = (1/2)/1 = 1/2.
 *   P@1 = 0, P@3 = 1/3, P@5 = 3/5.
 * q1 = 1111, label 2. Distances: 3 4 2 3 0 3; relevant: i3 i4 (R = 2).
 *   Ranking: i4(0) i2(2) i0(3) i3(3) i5(3) i1(4) -> relevant at 1 and 4: AP = (1/1 + 2/4)/2 = 3/4.
 *   Top 3 (i4 i2 i0): AP@3 = (1/1)/1 = 1. P@1 = 1, P@3 = 1/3, P@5 = 2/5.
 * q2 = 0101, no labels: nothing relevant, AP = AP@3 = 0, stays in the denominator.
 *   Distances: 1 2 2 3 2 1.
 * mAP@all = (17/30 + 3/4 + 0)/3 = 79/180;  mAP@3 = (1/2 + 1 + 0)/3 = 1/2.
 * P@1 = 1/3, P@3 = (1/3 + 1/3)/3 = 2/9, P@5 = (3/5 + 2/5)/3 = 1/3.
 * PR pooled over queries (total relevant pairs 6):
 *   r=0: pairs {q0:i1, q1:i4} = 2, relevant 1 -> P 1/2, R 1/6
 *   r=1: q0 {i1 i0 i3 i5} (2 rel) + q1 {i4} (1) + q2 {i0 i5} (0) = 7 pairs, 3 rel -> P 3/7, R 1/2
 *   r=2: q0 5 (3 rel) + q1 2 (1) + q2 5 (0) = 12, 4 -> P 1/3, R 2/3
 *   r=3: q0 5 (3) + q1 5 (2) + q2 6 (0) = 16, 5 -> P 5/16, R 5/6
 *   r=4: 18 pairs, 6 rel -> P 1/3, R 1
 * Expected AP with random order inside distance buckets:
 *   q0: bucket d=1 = {i0 R, i3 N, i5 R} at positions 2..4 after 1 item, 0 relevant. Orders RRN: 1/2 + 2/3,
 *       RNR: 1/2 + 2/4, NRR: 1/3 + 2/4 -> mean 1. Then i2 at 5 (3/5), i4 at 6 (4/6): E[AP] = (1 + 3/5 + 2/3)/4 = 17/30.
 *   q1: i4 at 1 (1/1); bucket d=3 = {i0 N, i3 R, i5 N} at positions 3..5 after 1 relevant: the relevant one is
 *       equally likely at 3, 4, 5 -> (2/3 + 2/4 + 2/5)/3 = 47/90. E[AP] = (1 + 47/90)/2 = 137/180 (actual 3/4).
 *   q2: 0.  expected mAP = (17/30 + 137/180)/3 = 239/540.
 */
function checkHandCase(m: RetrievalMetrics): void {
  expect(m.mapAll).toBeCloseTo(79 / 180, 12);
  expect(m.mapAtK[3]).toBeCloseTo(1 / 2, 12);
  expect(m.precisionAtK[1]).toBeCloseTo(1 / 3, 12);
  expect(m.precisionAtK[3]).toBeCloseTo(2 / 9, 12);
  expect(m.precisionAtK[5]).toBeCloseTo(1 / 3, 12);
  const want = [[1 / 2, 1 / 6], [3 / 7, 1 / 2], [1 / 3, 2 / 3], [5 / 16, 5 / 6], [1 / 3, 1]];
  expect(m.pr.map((p) => p.radius)).toEqual([0, 1, 2, 3, 4]);
  m.pr.forEach((p, r) => {
    expect(p.precision).toBeCloseTo(want[r]![0]!, 12);
    expect(p.recall).toBeCloseTo(want[r]![1]!, 12);
  });
  expect(m.expectedMapRandomTies).toBeCloseTo(239 / 540, 12);
}

const HAND = { queryCodes: Q, dbCodes: DB, bits: 4, queryLabels: Q_LABELS, dbLabels: DB_LABELS, numLabels: 3, topK: [1, 3, 5], mapAt: [3] };

/** Straightforward metrics from the sort-based reference ranking (no shared code with metrics.ts). */
function naiveMetrics(q: Uint32Array, db: Uint32Array, bits: number, ql: Uint8Array, dl: Uint8Array, c: number, K: number): { mapAll: number; mapK: number; pK: number; expected: number } {
  const w = wordsFor(bits), nq = q.length / w, n = db.length / w;
  let mapAll = 0, mapK = 0, pK = 0, expected = 0;
  const rng = new Rng(3);
  for (let i = 0; i < nq; i++) {
    const relOf = (j: number): boolean => Array.from({ length: c }, (_, l) => ql[i * c + l]! * dl[j * c + l]!).some((v) => v > 0);
    const { indices } = rankCpu(q, i, db, n, bits);
    const rels = indices.map(relOf);
    const R = rels.filter(Boolean).length;
    let cnt = 0, ap = 0, apK = 0, cntK = 0;
    rels.forEach((r, p) => {
      if (!r) return;
      cnt++;
      ap += cnt / (p + 1);
      if (p < K) { apK += cnt / (p + 1); cntK++; }
    });
    mapAll += R ? ap / R : 0;
    mapK += cntK ? apK / cntK : 0;
    pK += cntK / K;
    // Monte Carlo over random orders inside buckets, for a loose check of the exact expectation.
    if (R) {
      const d = Array.from({ length: n }, (_, j) => hammingCpu(q, i, db, j, bits));
      let s = 0;
      const T = 200;
      for (let t = 0; t < T; t++) {
        const key = Array.from({ length: n }, (_, j) => d[j]! + rng.next());
        const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => key[a]! - key[b]!);
        let cc = 0, a = 0;
        order.forEach((j, p) => { if (relOf(j)) { cc++; a += cc / (p + 1); } });
        s += a / R;
      }
      expected += s / T;
    }
  }
  return { mapAll: mapAll / nq, mapK: mapK / nq, pK: pK / nq, expected: expected / nq };
}

describe('retrieval metrics', () => {
  it('match the hand-computed case on the CPU', async () => {
    checkHandCase(await evaluateRetrieval(HAND));
  });

  it('match the hand-computed case with GPU ranking', async () => {
    const rt = await getRuntime();
    checkHandCase(await evaluateRetrieval({ ...HAND, rt }));
  });

  it('GPU and CPU rankings give identical metrics; both match a naive implementation', async () => {
    const rt = await getRuntime();
    const r = new Rng(42);
    const bits = 16, nq = 23, n = 301, c = 5;
    // Few distinct codes -> many ties.
    const pool = Array.from({ length: 30 }, () => r.nextU32() & 0xffff);
    const db = Uint32Array.from({ length: n }, () => pool[r.int(30)]!);
    const q = Uint32Array.from({ length: nq }, () => r.nextU32() & 0xffff);
    const dl = Uint8Array.from({ length: n * c }, () => (r.next() < 0.25 ? 1 : 0));
    const ql = Uint8Array.from({ length: nq * c }, () => (r.next() < 0.3 ? 1 : 0));
    const opts = { queryCodes: q, dbCodes: db, bits, queryLabels: ql, dbLabels: dl, numLabels: c, topK: [1, 10, 50, 301], mapAt: [10, 50] };
    const cpu = await evaluateRetrieval(opts);
    const gpu = await evaluateRetrieval({ ...opts, rt });
    expect(gpu).toEqual(cpu);
    const naive = naiveMetrics(q, db, bits, ql, dl, c, 50);
    expect(cpu.mapAll).toBeCloseTo(naive.mapAll, 12);
    expect(cpu.mapAtK[50]).toBeCloseTo(naive.mapK, 12);
    expect(cpu.precisionAtK[50]).toBeCloseTo(naive.pK, 12);
    expect(Math.abs(cpu.expectedMapRandomTies - naive.expected)).toBeLessThan(0.01);
    expect(cpu.expectedMapRandomTies).not.toBe(cpu.mapAll); // ties change AP here
    expect(cpu.pr[bits]!.recall).toBe(1);
    expect(cpu.precisionAtK[301]).toBeCloseTo(cpu.pr[bits]!.precision, 12);
  });

  it('drops default cut-offs above the database size and rejects bad arguments', async () => {
    const m = await evaluateRetrieval({ ...HAND, topK: undefined, mapAt: undefined });
    expect(Object.keys(m.precisionAtK)).toEqual(['1']);
    expect(m.mapAtK).toEqual({});
    await expect(evaluateRetrieval({ ...HAND, topK: [7] })).rejects.toThrow(/topK values must be integers in 1\.\.6/);
    await expect(evaluateRetrieval({ ...HAND, dbLabels: new Uint8Array(5) })).rejects.toThrow(/dbLabels has 5 values, expected 6 items × 3 labels/);
    await expect(evaluateRetrieval({ ...HAND, bits: 33 })).rejects.toThrow(/multiples of 2 words/);
  });

  it('writes JSON and SVG plots with axes, ticks and a legend', async () => {
    const a = await evaluateRetrieval(HAND);
    const b = await evaluateRetrieval({ ...HAND, queryCodes: Uint32Array.from([0b0001, 0b1110, 0b0100]) });
    const json = JSON.parse(metricsToJson({ 'I→T': a, 'T→I': b }));
    expect(json['I→T'].mapAll).toBeCloseTo(79 / 180, 12);
    const pr = prCurveSvg([{ name: 'I→T', metrics: a }, { name: 'T→I', metrics: b }]);
    expect(pr.startsWith('<svg')).toBe(true);
    expect(pr).toContain('I→T');
    expect(pr).toContain('T→I');
    expect(pr).toContain('>Recall<');
    expect(pr).toContain('>Precision<');
    expect(pr.match(/<polyline/g)).toHaveLength(2);
    const pk = precisionAtKSvg([{ name: 'I→T', metrics: a }, { name: 'T→I', metrics: b }]);
    expect(pk).toContain('Precision@K');
    expect(pk).toMatch(/>1<\/text>/);
  });
});
