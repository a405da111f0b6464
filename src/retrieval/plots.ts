/**
 * Self-contained SVG charts of retrieval results (open in any browser): the precision–recall curve by
 * Hamming radius and the precision@K curve, each with axes, ticks, axis labels, a title and a legend
 * for several series (e.g. I→T and T→I, or several code lengths).
 */
import type { RetrievalMetrics } from './metrics.js';

export interface Series {
  name: string;
  /** [x, y] points; points with a non-finite coordinate are skipped. */
  points: [number, number][];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Axis ranges; default: the data's range (y from 0). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Logarithmic x axis (for K). */
  logX?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 1000) / 1000) : v.toFixed(2).replace(/0$/, ''));

/** "Nice" linear ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function marker(kind: (typeof MARKERS)[number], x: number, y: number, color: string): string {
  const r = 3.5;
  switch (kind) {
    case 'circle': return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}"/>`;
    case 'square': return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case 'triangle': return `<path d="M${x.toFixed(1)},${(y - r).toFixed(1)} l${r},${2 * r} h${-2 * r} z" fill="${color}"/>`;
    default: return `<path d="M${x.toFixed(1)},${(y - r).toFixed(1)} l${r},${r} l${-r},${r} l${-r},${-r} z" fill="${color}"/>`;
  }
}

/** A line chart as an SVG document string. */
export function lineChartSvg(o: LineChartOptions): string {
  if (o.series.length === 0) throw new RangeError('lineChartSvg: at least one series is required');
  const W = o.width ?? 640, H = o.height ?? 440;
  const m = { left: 64, right: 24, top: 40, bottom: 56 };
  const pts = o.series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0)));
  const xs = pts.flat().map((p) => p[0]), ys = pts.flat().map((p) => p[1]);
  const tx = (v: number): number => (o.logX ? Math.log10(v) : v);
  let [x0, x1] = o.xRange ?? [xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1];
  let [y0, y1] = o.yRange ?? [0, ys.length ? Math.max(...ys) : 1];
  if (!(x1 > x0)) [x0, x1] = [x0 - 0.5, x0 + 0.5];
  if (!(y1 > y0)) [y0, y1] = [y0, y0 + 1];
  const [lx0, lx1] = [tx(x0), tx(x1)];
  const px = (v: number): number => m.left + ((tx(v) - lx0) / (lx1 - lx0 || 1)) * (W - m.left - m.right);
  const py = (v: number): number => H - m.bottom - ((v - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  // Grid and ticks.
  const xt = o.logX ? Array.from({ length: Math.floor(lx1) - Math.ceil(lx0) + 1 }, (_, i) => 10 ** (Math.ceil(lx0) + i)) : niceTicks(x0, x1);
  for (const v of xt) {
    const x = px(v);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${m.top}" x2="${x.toFixed(1)}" y2="${H - m.bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${H - m.bottom}" x2="${x.toFixed(1)}" y2="${H - m.bottom + 5}" stroke="black"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${H - m.bottom + 18}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of niceTicks(y0, y1)) {
    const y = py(v);
    parts.push(`<line x1="${m.left}" y1="${y.toFixed(1)}" x2="${W - m.right}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${m.left - 5}" y1="${y.toFixed(1)}" x2="${m.left}" y2="${y.toFixed(1)}" stroke="black"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="black"/>`);
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // Series.
  pts.forEach((p, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (p.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of p) parts.push(marker(MARKERS[i % MARKERS.length]!, px(x), py(y), color));
  });
  // Legend (top right, inside the plot).
  const lw = Math.max(...o.series.map((s) => s.name.length)) * 7 + 40;
  const lx = W - m.right - lw - 8, ly = m.top + 8;
  parts.push(`<rect x="${lx}" y="${ly}" width="${lw}" height="${o.series.length * 18 + 8}" fill="white" fill-opacity="0.9" stroke="#999"/>`);
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const y = ly + 14 + i * 18;
    parts.push(`<line x1="${lx + 6}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${color}" stroke-width="2"/>`);
    parts.push(marker(MARKERS[i % MARKERS.length]!, lx + 16, y, color));
    parts.push(`<text x="${lx + 32}" y="${y + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export type NamedMetrics = { name: string; metrics: RetrievalMetrics }[];

/** Precision–recall curve by Hamming radius (one point per radius), one series per result. */
export function prCurveSvg(results: NamedMetrics, title = 'Precision–recall by Hamming radius'): string {
  return lineChartSvg({
    title, xLabel: 'Recall', yLabel: 'Precision', xRange: [0, 1], yRange: [0, 1],
    series: results.map((r) => ({ name: r.name, points: r.metrics.pr.map((p) => [p.recall, p.precision] as [number, number]) })),
  });
}

/** Precision@K against K (log axis), one series per result. */
export function precisionAtKSvg(results: NamedMetrics, title = 'Precision@K'): string {
  return lineChartSvg({
    title, xLabel: 'K (top-K retrieved)', yLabel: 'Precision@K', yRange: [0, 1], logX: true,
    series: results.map((r) => ({
      name: r.name,
      points: Object.entries(r.metrics.precisionAtK).map(([k, v]) => [Number(k), v] as [number, number]).sort((a, b) => a[0] - b[0]),
    })),
  });
}
