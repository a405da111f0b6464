/** Float64 references for src/ops/similarity.ts (plain loops, obviously correct). Matrices are row-major. */
import { NORM_EPS } from '../similarity.js';

export function l2NormalizeCpu(x: ArrayLike<number>, rows: number, d: number): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[r * d + k]! ** 2;
    const n = Math.max(Math.sqrt(s), NORM_EPS);
    for (let k = 0; k < d; k++) y[r * d + k] = x[r * d + k]! / n;
  }
  return y;
}

/** a [m, d] · b [n, d]ᵀ → [m, n]. */
export function gramCpu(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, d: number): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
      y[i * n + j] = s;
    }
  }
  return y;
}

export function cosineSimilarityCpu(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, d: number): Float64Array {
  return gramCpu(l2NormalizeCpu(a, m, d), l2NormalizeCpu(b, n, d), m, n, d);
}

/** μ((1−η)S̃ + η·S̃S̃ᵀ/m). */
export function jointSimilarityCpu(s: ArrayLike<number>, m: number, eta: number, mu: number): Float64Array {
  const ss = gramCpu(s, s, m, m, m);
  return ss.map((v, i) => mu * ((1 - eta) * s[i]! + (eta * v) / m));
}

/**
 * JSGHCA adaptive-weight fusion written as the paper's Algorithm 1 (and Eq. 5 with `variant: 'eq5'`):
 * row averages r_i, their mean t_i, per-row weights, then S_f = w_I ⊙_rows V_I + w_T ⊙_rows V_T with
 * (V_I, V_T) = `values` (default S_I, S_T). Guards as the kernel: negative row means count as 0, every
 * divisor is at least `eps` (1e-6, AWM_EPS).
 */
export function adaptiveWeightFusionCpu(sI: ArrayLike<number>, sT: ArrayLike<number>, m: number, variant: 'eq5' | 'alg1', values?: [ArrayLike<number>, ArrayLike<number>], eps = 1e-6): Float64Array {
  const rowMeans = (s: ArrayLike<number>): Float64Array => {
    const r = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let acc = 0;
      for (let b = 0; b < m; b++) acc += s[a * m + b]!;
      r[a] = Math.max(acc / m, 0);
    }
    return r;
  };
  const meanOf = (r: Float64Array): number => r.reduce((p, v) => p + v, 0) / r.length;
  const rI = rowMeans(sI), rT = rowMeans(sT);
  const tI = meanOf(rI), tT = meanOf(rT);
  // r_total = r_I + r_T (row means of S_I + S_T), t_total = its mean.
  const rTot = rI.map((v, a) => v + rT[a]!);
  const tTot = meanOf(rTot);
  const [vI, vT] = values ?? [sI, sT];
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    let wI = rI[a]! / Math.max(tI, eps), wT = rT[a]! / Math.max(tT, eps);
    if (variant === 'eq5') {
      wI *= tTot / Math.max(rTot[a]!, eps);
      wT *= tTot / Math.max(rTot[a]!, eps);
    }
    for (let b = 0; b < m; b++) out[a * m + b] = wI * vI[a * m + b]! + wT * vT[a * m + b]!;
  }
  return out;
}

/**
 * Cosine reconstruction loss (src/ops/cosine-loss.ts) in float64: [total, inter, intraA, intraB] with
 * inter = mean((cos(a,b) − s)²), intraA = mean((cos(a,a) − s)²), intraB = mean((cos(b,b) − s)²) and
 * total = w.ab·inter + w.aa·intraA + w.bb·intraB. a, b [m, k], s [m, m].
 */
export function cosineReconstructionCpu(
  s: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, w: { ab: number; aa: number; bb: number },
): [number, number, number, number] {
  const mse = (c: Float64Array): number => c.reduce((acc, v, i) => acc + (v - s[i]!) ** 2, 0) / (m * m);
  const inter = mse(cosineSimilarityCpu(a, b, m, m, k));
  const aa = mse(cosineSimilarityCpu(a, a, m, m, k));
  const bb = mse(cosineSimilarityCpu(b, b, m, m, k));
  return [w.ab * inter + w.aa * aa + w.bb * bb, inter, aa, bb];
}
