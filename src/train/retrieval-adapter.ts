/**
 * The one place where training, evaluation and the CLI meet the retrieval module (src/retrieval).
 *
 * The retrieval module (another work item) will export `packCodes`, `HammingIndex`,
 * `evaluateRetrieval(...)` and the SVG plots. Until it lands this adapter computes the same protocol
 * metrics (MODELS.md "Evaluation protocol") on the CPU from packed codes, with the Hamming scan from
 * src/retrieval/cpu-scan.ts, and draws the plots; when it lands only this file changes.
 */
import { popcount32 } from '../retrieval/cpu-scan.js';
import { wordsFor } from '../ops/hashing.js';
import { DataError } from '../runtime/errors.js';

export interface RetrievalInput {
  /** Packed codes [nq, ceil(bits/32)] u32 (bit set = code ≥ 0). */
  queryCodes: Uint32Array;
  dbCodes: Uint32Array;
  bits: number;
  /** Multi-hot labels, row-major [nq, numLabels] and [n, numLabels]. */
  queryLabels: Float32Array;
  dbLabels: Float32Array;
  numLabels: number;
  /** K for mAP@K (default 50). */
  mapK?: number;
  /** K values for precision@K (default 1, 50, 100, 200, 500, 1000, clipped to the database size). */
  precisionKs?: number[];
}

export interface RetrievalMetrics {
  /** mAP over the full ranking (DCMH definition: queries without relevant items count as 0). */
  mapAll: number;
  /** mAP over the top K (divided by the relevant items found in the top K). */
  mapAtK: number;
  k: number;
  precisionAtK: { k: number; precision: number }[];
  /** Precision/recall by Hamming radius r = 0..bits, pooled over queries. */
  pr: { radius: number; precision: number; recall: number }[];
}

function checkInput(x: RetrievalInput): { words: number; nq: number; n: number } {
  const words = wordsFor(x.bits);
  const nq = x.queryCodes.length / words, n = x.dbCodes.length / words;
  if (!Number.isInteger(nq) || !Number.isInteger(n)) throw new DataError(`evaluateRetrieval: code arrays are not whole rows of ${words} words (${x.bits} bits)`);
  if (x.queryLabels.length !== nq * x.numLabels) throw new DataError(`evaluateRetrieval: queryLabels has ${x.queryLabels.length} values, expected ${nq} × ${x.numLabels}`);
  if (x.dbLabels.length !== n * x.numLabels) throw new DataError(`evaluateRetrieval: dbLabels has ${x.dbLabels.length} values, expected ${n} × ${x.numLabels}`);
  if (nq === 0 || n === 0) throw new DataError(`evaluateRetrieval: ${nq} queries against ${n} items`);
  return { words, nq, n };
}

/** Hamming ranking (counting sort over distances, ties by ascending database index) and the protocol metrics. */
export function evaluateRetrieval(x: RetrievalInput): RetrievalMetrics {
  const { words, nq, n } = checkInput(x);
  const bits = x.bits, c = x.numLabels;
  const K = Math.min(x.mapK ?? 50, n);
  const pks = (x.precisionKs ?? [1, 50, 100, 200, 500, 1000]).filter((k) => k <= n);
  const dist = new Uint8Array(n), rel = new Uint8Array(n);
  const hist = new Uint32Array(bits + 2);
  const start = new Uint32Array(bits + 2);
  const order = new Uint32Array(n);
  const pairs = new Float64Array(bits + 1), relPairs = new Float64Array(bits + 1);
  let totalRel = 0;
  let sumAp = 0, sumApK = 0;
  const pAt = new Float64Array(pks.length);
  for (let q = 0; q < nq; q++) {
    hist.fill(0);
    let R = 0;
    const ql = x.queryLabels.subarray(q * c, (q + 1) * c);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let w = 0; w < words; w++) d += popcount32((x.queryCodes[q * words + w]! ^ x.dbCodes[i * words + w]!) >>> 0);
      dist[i] = d;
      hist[d]!++;
      let r = 0;
      for (let j = 0; j < c; j++) if (ql[j]! > 0 && x.dbLabels[i * c + j]! > 0) { r = 1; break; }
      rel[i] = r;
      R += r;
      pairs[d]! += 1;
      relPairs[d]! += r;
    }
    totalRel += R;
    start[0] = 0;
    for (let d = 1; d <= bits + 1; d++) start[d] = start[d - 1]! + hist[d - 1]!;
    for (let i = 0; i < n; i++) order[start[dist[i]!]!++] = i; // stable: ascending index inside a bucket
    let found = 0, ap = 0, foundK = 0, apK = 0, pi = 0;
    for (let pos = 0; pos < n; pos++) {
      if (rel[order[pos]!]) {
        found++;
        ap += found / (pos + 1);
        if (pos < K) { foundK++; apK += foundK / (pos + 1); }
      }
      while (pi < pks.length && pks[pi] === pos + 1) pAt[pi++]! += found / (pos + 1);
    }
    if (R > 0) sumAp += ap / R;
    if (foundK > 0) sumApK += apK / foundK;
  }
  const pr: RetrievalMetrics['pr'] = [];
  let cp = 0, cr = 0;
  for (let r = 0; r <= bits; r++) {
    cp += pairs[r]!;
    cr += relPairs[r]!;
    pr.push({ radius: r, precision: cp > 0 ? cr / cp : 0, recall: totalRel > 0 ? cr / totalRel : 0 });
  }
  return {
    mapAll: sumAp / nq,
    mapAtK: sumApK / nq,
    k: K,
    precisionAtK: pks.map((k, i) => ({ k, precision: pAt[i]! / nq })),
    pr,
  };
}

// ---- plots (SVG) -------------------------------------------------------------------------------

export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A small line chart as standalone SVG text. */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: Series[], opts: { xMax?: number; logX?: boolean } = {}): string {
  const W = 480, H = 360, L = 60, R = 20, T = 40, B = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const xMin = opts.logX ? Math.max(1, Math.min(...xs)) : 0;
  const xMax = opts.xMax ?? Math.max(1, ...xs);
  const fx = (x: number) => {
    const t = opts.logX ? (Math.log10(Math.max(x, xMin)) - Math.log10(xMin)) / Math.max(1e-9, Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin || 1);
    return L + t * (W - L - R);
  };
  const fy = (y: number) => H - B - y * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const y = i / 5;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${fy(y)}" y2="${fy(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${fy(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`);
  }
  const ticks = opts.logX ? [1, 10, 100, 1000, 10000].filter((t) => t >= xMin && t <= xMax) : Array.from({ length: 6 }, (_, i) => xMin + ((xMax - xMin) * i) / 5);
  for (const t of ticks) out.push(`<text x="${fx(t)}" y="${H - B + 16}" text-anchor="middle">${Number.isInteger(t) ? t : t.toFixed(2)}</text>`);
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/><line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const col = COLORS[i % COLORS.length]!;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${fx(p.x).toFixed(1)},${fy(Math.min(1, Math.max(0, p.y))).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${col}" stroke-width="2"/>`);
    for (const p of s.points) out.push(`<circle cx="${fx(p.x).toFixed(1)}" cy="${fy(Math.min(1, Math.max(0, p.y))).toFixed(1)}" r="2.5" fill="${col}"/>`);
    out.push(`<rect x="${W - R - 130}" y="${T + 6 + i * 18}" width="12" height="3" fill="${col}"/><text x="${W - R - 112}" y="${T + 11 + i * 18}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Precision–recall curves (one point per Hamming radius) for several directions. */
export function prCurveSvg(title: string, curves: { label: string; pr: RetrievalMetrics['pr'] }[]): string {
  return lineChartSvg(title, 'recall', 'precision', curves.map((c) => ({ label: c.label, points: c.pr.map((p) => ({ x: p.recall, y: p.precision })) })), { xMax: 1 });
}

/** Precision@K curves. */
export function pAtKSvg(title: string, curves: { label: string; precisionAtK: RetrievalMetrics['precisionAtK'] }[]): string {
  return lineChartSvg(title, 'K (top-K retrieved)', 'precision@K', curves.map((c) => ({ label: c.label, points: c.precisionAtK.map((p) => ({ x: p.k, y: p.precision })) })), { logX: true });
}
