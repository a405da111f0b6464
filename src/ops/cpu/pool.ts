/** Float64 references for 2-D pooling, local response normalisation and the dropout mask hash. */
import type { CpuArray } from './array.js';

export interface CpuPoolGeom { KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; OH: number; OW: number; countIncludePad?: boolean }

export function cpuPool2d(x: CpuArray, kind: 'max' | 'avg', g: CpuPoolGeom): CpuArray {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float64Array(N * C * g.OH * g.OW);
  let o = 0;
  for (let pl = 0; pl < N * C; pl++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        const hs = oh * g.SH - g.PH, ws = ow * g.SW - g.PW;
        let best = -Infinity, sum = 0, count = 0;
        for (let h = hs; h < hs + g.KH; h++) {
          for (let w = ws; w < ws + g.KW; w++) {
            if (h < 0 || w < 0 || h >= H || w >= W) continue;
            const v = x.data[pl * H * W + h * W + w]!;
            best = Math.max(best, v);
            sum += v;
            count++;
          }
        }
        const he = Math.min(hs + g.KH, H + g.PH), we = Math.min(ws + g.KW, W + g.PW);
        const div = (g.countIncludePad ?? true) ? (he - hs) * (we - ws) : count;
        out[o++] = kind === 'max' ? best : sum / div;
      }
    }
  }
  return { shape: [N, C, g.OH, g.OW], data: out };
}

export function cpuLrn(x: CpuArray, size: number, alpha: number, beta: number, k: number): CpuArray {
  const C = x.shape[1]!;
  const HW = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / HW) % C;
    let s = 0;
    for (let j = c - Math.floor(size / 2); j <= c + Math.floor((size - 1) / 2); j++) {
      if (j < 0 || j >= C) continue;
      const v = x.data[i + (j - c) * HW]!;
      s += v * v;
    }
    out[i] = x.data[i]! * Math.pow(k + (alpha / size) * s, -beta);
  }
  return { shape: [...x.shape], data: out };
}

/**
 * Gradient of cpuLrn for upstream g (same shape): dx_i = g_i s_i^(−β) − (2αβ/size) x_i Σ_{j : i ∈ win(j)} g_j x_j s_j^(−β−1),
 * written from the definition (each s_j from its own window), float64.
 */
export function cpuLrnBackward(x: CpuArray, g: CpuArray, size: number, alpha: number, beta: number, k: number): CpuArray {
  const C = x.shape[1]!;
  const HW = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const lo = (c: number): number => Math.max(0, c - Math.floor(size / 2));
  const hi = (c: number): number => Math.min(C - 1, c + Math.floor((size - 1) / 2));
  const s = new Float64Array(x.data.length);
  for (let i = 0; i < s.length; i++) {
    const c = Math.floor(i / HW) % C;
    let acc = 0;
    for (let j = lo(c); j <= hi(c); j++) acc += x.data[i + (j - c) * HW]! ** 2;
    s[i] = k + (alpha / size) * acc;
  }
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / HW) % C;
    let acc = 0;
    // Every channel j whose window holds c.
    for (let j = 0; j < C; j++) {
      if (c < lo(j) || c > hi(j)) continue;
      const o = i + (j - c) * HW;
      acc += g.data[o]! * x.data[o]! * Math.pow(s[o]!, -beta - 1);
    }
    out[i] = g.data[i]! * Math.pow(s[i]!, -beta) - ((2 * alpha * beta) / size) * x.data[i]! * acc;
  }
  return { shape: [...x.shape], data: out };
}

function pcg(v: number): number {
  const s = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

/** The dropout kernel's keep decision for element i. */
export function cpuDropoutKeep(i: number, p: number, seed: number): boolean {
  const threshold = Math.min(0xffffffff, Math.round(p * 2 ** 32));
  const r = pcg((pcg((i ^ pcg(seed)) >>> 0) + seed) >>> 0);
  return r >= threshold;
}

export function cpuDropout(x: CpuArray, p: number, seed: number): CpuArray {
  return { shape: [...x.shape], data: x.data.map((v, i) => (cpuDropoutKeep(i, p, seed) ? v / (1 - p) : 0)) };
}
