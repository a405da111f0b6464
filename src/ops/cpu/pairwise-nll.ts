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
