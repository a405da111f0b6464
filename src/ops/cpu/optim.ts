/** Float64 reference optimizer updates (PyTorch semantics), in place on plain arrays. */

export interface CpuSgdState { v: Float64Array | null }

export function cpuSgdStep(
  p: Float64Array, g: ArrayLike<number>, s: CpuSgdState,
  o: { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean },
): void {
  const mu = o.momentum ?? 0, damp = o.dampening ?? 0, wd = o.weightDecay ?? 0;
  const first = s.v === null;
  if (mu !== 0 && !s.v) s.v = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! + wd * p[i]!;
    if (mu === 0) { p[i] = p[i]! - o.lr * gi; continue; }
    const v = first ? gi : mu * s.v![i]! + (1 - damp) * gi;
    s.v![i] = v;
    p[i] = p[i]! - o.lr * (o.nesterov ? gi + mu * v : v);
  }
}

export interface CpuAdamState { m: Float64Array; v: Float64Array; t: number }

export function cpuAdamStep(
  p: Float64Array, g: ArrayLike<number>, s: CpuAdamState,
  o: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean },
): void {
  const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.eps ?? 1e-8, wd = o.weightDecay ?? 0;
  s.t++;
  const bc1 = 1 - b1 ** s.t, bc2 = 1 - b2 ** s.t;
  for (let i = 0; i < p.length; i++) {
    let w = p[i]!, gi = g[i]!;
    if (o.decoupled) w *= 1 - o.lr * wd;
    else gi += wd * w;
    s.m[i] = b1 * s.m[i]! + (1 - b1) * gi;
    s.v[i] = b2 * s.v[i]! + (1 - b2) * gi * gi;
    p[i] = w - (o.lr / bc1) * s.m[i]! / (Math.sqrt(s.v[i]!) / Math.sqrt(bc2) + eps);
  }
}
