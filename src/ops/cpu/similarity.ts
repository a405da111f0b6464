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
 * row averages r_i, their mean t_i, per-row weights, then S_f = w_I ⊙_rows S_I + w_T ⊙_rows S_T.
 */
export function adaptiveWeightFusionCpu(sI: ArrayLike<number>, sT: ArrayLike<number>, m: number, variant: 'eq5' | 'alg1'): Float64Array {
  const rowMeans = (s: ArrayLike<number>): Float64Array => {
    const r = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let acc = 0;
      for (let b = 0; b < m; b++) acc += s[a * m + b]!;
      r[a] = acc / m;
    }
    return r;
  };
  const meanOf = (r: Float64Array): number => r.reduce((p, v) => p + v, 0) / r.length;
  const rI = rowMeans(sI), rT = rowMeans(sT);
  const tI = meanOf(rI), tT = meanOf(rT);
  const sTot = Float64Array.from({ length: m * m }, (_, i) => sI[i]! + sT[i]!);
  const rTot = rowMeans(sTot);
  const tTot = meanOf(rTot);
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    let wI = rI[a]! / tI, wT = rT[a]! / tT;
    if (variant === 'eq5') {
      wI *= tTot / rTot[a]!;
      wT *= tTot / rTot[a]!;
    }
    for (let b = 0; b < m; b++) out[a * m + b] = wI * sI[a * m + b]! + wT * sT[a * m + b]!;
  }
  return out;
}
