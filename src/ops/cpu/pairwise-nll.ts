/** Float64 reference of the fused pairwise NLL (src/ops/pairwise-nll.ts), straight from the formula. */

/** mean over e = i·n + j of w_j · (log(1 + e^θ) − s·θ), θ = scale · t. */
export function cpuPairwiseNll(t: ArrayLike<number>, s: ArrayLike<number>, n: number, scale: number, w?: ArrayLike<number>): number {
  let acc = 0;
  for (let e = 0; e < t.length; e++) {
    const th = scale * t[e]!;
    const l = Math.log1p(Math.exp(th)) - s[e]! * th;
    acc += (w ? w[e % n]! : 1) * l;
  }
  return acc / t.length;
}

/** Float64 reference of bceWithLogitsLoss (src/ops/bce-logits.ts): mean of softplus(−z) (target 1) or softplus(z) (target 0). */
export function cpuBceWithLogits(z: ArrayLike<number>, target: 0 | 1): number {
  let acc = 0;
  for (let e = 0; e < z.length; e++) {
    const x = target === 1 ? -z[e]! : z[e]!;
    acc += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
  return acc / z.length;
}
