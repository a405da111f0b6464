/**
 * The demo's first query, chosen by a stated rule instead of at random or by hand: the query whose
 * average precision (over the whole database, Hamming ranking, ties in database order; relevant =
 * shares a label) is the median of all exported queries — a typical query, neither the best nor the
 * worst. Computed by `cmhash export-demo` from the CLI's codes and stored in demo.json. Browser-safe.
 */

export const FIRST_QUERY_RULE = 'median average precision over the exported queries (lower median; ties: lowest query number)';

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Average precision of every query: codes are packed u32 rows of `words` words; labels multi-hot rows of c. */
export function queryAps(q: { codes: Uint32Array; labels: Uint8Array }, db: { codes: Uint32Array; labels: Uint8Array }, words: number, c: number): Float64Array {
  const nq = q.codes.length / words, n = db.codes.length / words;
  const aps = new Float64Array(nq);
  const dist = new Uint32Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < nq; i++) {
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let w = 0; w < words; w++) d += popcount((q.codes[i * words + w]! ^ db.codes[j * words + w]!) >>> 0);
      dist[j] = d;
      order[j] = j;
    }
    order.sort((a, b) => dist[a]! - dist[b]! || a - b);
    let hits = 0, sum = 0;
    for (let r = 0; r < n; r++) {
      const j = order[r]!;
      let rel = false;
      for (let l = 0; l < c && !rel; l++) rel = q.labels[i * c + l]! > 0 && db.labels[j * c + l]! > 0;
      if (rel) sum += ++hits / (r + 1);
    }
    aps[i] = hits > 0 ? sum / hits : 0;
  }
  return aps;
}

/** Position of the lower-median value (ties broken by the lower position). */
export function medianPosition(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('medianPosition: no values');
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  return idx[Math.floor((idx.length - 1) / 2)]!;
}
