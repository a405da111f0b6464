/** The demo's first-query rule (src/demo/pick.ts): per-query AP against a by-definition reference, and the median pick. */
import { describe, expect, it } from 'vitest';
import { medianPosition, queryAps } from '../src/demo/pick.js';
import { Rng } from '../src/util/rng.js';

/** AP by definition: rank by (distance, index); mean over relevant items of precision at their rank. */
function refAp(qc: number[], dbc: number[][], ql: number[], dbl: number[][], bits: number): number {
  const dist = dbc.map((c) => c.reduce((s, w, i) => s + [...((w ^ qc[i]!) >>> 0).toString(2).padStart(32, '0')].filter((b) => b === '1').length, 0));
  const order = dbc.map((_, j) => j).sort((a, b) => dist[a]! - dist[b]! || a - b);
  const rel = order.map((j) => ql.some((v, l) => v > 0 && dbl[j]![l]! > 0));
  let hits = 0;
  const precs: number[] = [];
  rel.forEach((r, k) => { if (r) precs.push(++hits / (k + 1)); });
  void bits;
  return precs.length ? precs.reduce((a, b) => a + b, 0) / precs.length : 0;
}

describe('demo first query', () => {
  it('queryAps equals the by-definition AP on random codes and labels (2 words, ties, unlabelled rows)', () => {
    const rng = new Rng(7);
    const words = 2, c = 5, nq = 9, n = 37;
    const u32 = () => rng.nextU32() & 0x0f0f00ff; // few bits: many distance ties
    const qc = Array.from({ length: nq }, () => [u32(), u32()]), dbc = Array.from({ length: n }, () => [u32(), u32()]);
    const lab = () => Array.from({ length: c }, () => (rng.nextU32() % 4 === 0 ? 1 : 0));
    const ql = Array.from({ length: nq }, lab), dbl = Array.from({ length: n }, lab);
    const aps = queryAps({ codes: Uint32Array.from(qc.flat()), labels: Uint8Array.from(ql.flat()) }, { codes: Uint32Array.from(dbc.flat()), labels: Uint8Array.from(dbl.flat()) }, words, c);
    for (let i = 0; i < nq; i++) expect(aps[i]).toBeCloseTo(refAp(qc[i]!, dbc, ql[i]!, dbl, 64), 12);
    expect(new Set(aps).size).toBeGreaterThan(2); // not a constant: the comparison above means something
  });

  it('medianPosition picks the lower median, ties by position', () => {
    expect(medianPosition([0.9, 0.1, 0.5])).toBe(2);
    expect(medianPosition([0.4, 0.1, 0.3, 0.2])).toBe(3); // sorted 0.1 0.2 0.3 0.4 → lower median 0.2 at 3
    expect(medianPosition([0.5, 0.5, 0.5])).toBe(1);
    expect(() => medianPosition([])).toThrow(/no values/);
  });
});
