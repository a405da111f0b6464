/** Float64 reference for multi-head self-attention (nn.MultiHeadAttention), written with plain loops. */
import { cpuSoftmax } from './softmax.js';
import type { CpuArray } from './array.js';

export interface CpuAttentionWeights {
  /** [d, d] stored [in, out], and [d] biases (null: no bias). */
  q: { w: ArrayLike<number>; b: ArrayLike<number> | null };
  k: { w: ArrayLike<number>; b: ArrayLike<number> | null };
  v: { w: ArrayLike<number>; b: ArrayLike<number> | null };
  o: { w: ArrayLike<number>; b: ArrayLike<number> | null };
}

function proj(x: ArrayLike<number>, rows: number, d: number, p: { w: ArrayLike<number>; b: ArrayLike<number> | null }): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) {
      let s = p.b ? p.b[j]! : 0;
      for (let i = 0; i < d; i++) s += x[r * d + i]! * p.w[i * d + j]!;
      y[r * d + j] = s;
    }
  }
  return y;
}

/** x: [B, T, d]; mask broadcast to [B, H, T, T]. */
export function cpuMultiHeadAttention(x: CpuArray, w: CpuAttentionWeights, heads: number, mask?: CpuArray): CpuArray {
  const [B, T, d] = x.shape as [number, number, number];
  const dh = d / heads;
  const q = proj(x.data, B * T, d, w.q), k = proj(x.data, B * T, d, w.k), v = proj(x.data, B * T, d, w.v);
  const scores = new Float64Array(B * heads * T * T);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    let s = 0;
    for (let e = 0; e < dh; e++) s += q[(b * T + i) * d + h * dh + e]! * k[(b * T + j) * d + h * dh + e]!;
    scores[((b * heads + h) * T + i) * T + j] = s;
  }
  const p = cpuSoftmax({ shape: [B, heads, T, T], data: scores }, { scale: 1 / Math.sqrt(dh), mask }).data;
  const ctx = new Float64Array(B * T * d);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < T; i++) for (let e = 0; e < dh; e++) {
    let s = 0;
    for (let j = 0; j < T; j++) s += p[((b * heads + h) * T + i) * T + j]! * v[(b * T + j) * d + h * dh + e]!;
    ctx[(b * T + i) * d + h * dh + e] = s;
  }
  return { shape: [B, T, d], data: proj(ctx, B * T, d, w.o) };
}

/** q, k, v: [B, T, heads·dh] (head h = columns h·dh …); softmax(scale·q_h k_hᵀ) v_h per item and head, same layout. */
export function cpuMultiHeadAttentionCore(q: CpuArray, k: CpuArray, v: CpuArray, heads: number, scale?: number): CpuArray {
  const [B, T, d] = q.shape as [number, number, number];
  const dh = d / heads;
  const s = scale ?? 1 / Math.sqrt(dh);
  const out = new Float64Array(B * T * d);
  const z = new Float64Array(T);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < T; i++) {
    let m = -Infinity;
    for (let j = 0; j < T; j++) {
      let acc = 0;
      for (let e = 0; e < dh; e++) acc += q.data[(b * T + i) * d + h * dh + e]! * k.data[(b * T + j) * d + h * dh + e]!;
      z[j] = s * acc;
      m = Math.max(m, z[j]!);
    }
    let sum = 0;
    for (let j = 0; j < T; j++) sum += (z[j] = Math.exp(z[j]! - m));
    for (let e = 0; e < dh; e++) {
      let acc = 0;
      for (let j = 0; j < T; j++) acc += (z[j]! / sum) * v.data[(b * T + j) * d + h * dh + e]!;
      out[(b * T + i) * d + h * dh + e] = acc;
    }
  }
  return { shape: [B, T, d], data: out };
}

/**
 * Gradients of Σ g ⊙ cpuMultiHeadAttentionCore(q, k, v) with respect to q, k, v (float64, same layout), from
 * the softmax Jacobian: dP_ij = g_i·v_j, dS_ij = P_ij (dP_ij − Σ_l P_il dP_il), dq_i = scale Σ_j dS_ij k_j,
 * dk_j = scale Σ_i dS_ij q_i, dv_j = Σ_i P_ij g_i.
 */
export function cpuMultiHeadAttentionCoreGrads(q: CpuArray, k: CpuArray, v: CpuArray, g: CpuArray, heads: number, scale?: number): [CpuArray, CpuArray, CpuArray] {
  const [B, T, d] = q.shape as [number, number, number];
  const dh = d / heads;
  const s = scale ?? 1 / Math.sqrt(dh);
  const dq = new Float64Array(B * T * d), dk = new Float64Array(B * T * d), dv = new Float64Array(B * T * d);
  const at = (b: number, t: number, h: number): number => (b * T + t) * d + h * dh;
  const dot = (x: ArrayLike<number>, a: number, y: ArrayLike<number>, c: number): number => {
    let acc = 0;
    for (let e = 0; e < dh; e++) acc += x[a + e]! * y[c + e]!;
    return acc;
  };
  const p = new Float64Array(T), dp = new Float64Array(T);
  for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < T; i++) {
    const qi = at(b, i, h);
    let m = -Infinity;
    for (let j = 0; j < T; j++) m = Math.max(m, (p[j] = s * dot(q.data, qi, k.data, at(b, j, h))));
    let sum = 0;
    for (let j = 0; j < T; j++) sum += (p[j] = Math.exp(p[j]! - m));
    let rowTerm = 0;
    for (let j = 0; j < T; j++) {
      p[j] = p[j]! / sum;
      dp[j] = dot(g.data, qi, v.data, at(b, j, h));
      rowTerm += p[j]! * dp[j]!;
    }
    for (let j = 0; j < T; j++) {
      const kj = at(b, j, h), ds = p[j]! * (dp[j]! - rowTerm);
      for (let e = 0; e < dh; e++) {
        dq[qi + e]! += s * ds * k.data[kj + e]!;
        dk[kj + e]! += s * ds * q.data[qi + e]!;
        dv[kj + e]! += p[j]! * g.data[qi + e]!;
      }
    }
  }
  return [{ shape: [B, T, d], data: dq }, { shape: [B, T, d], data: dk }, { shape: [B, T, d], data: dv }];
}
