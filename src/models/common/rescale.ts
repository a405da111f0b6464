/**
 * Whether to map a modality's cosine similarities to 2x − 1 (DJSRH). DJSRH rescales because its
 * features (ReLU fc7 activations) are non-negative and dense, so unrelated pairs still have cosines
 * around 0.3–0.6 and the rescale centres them. Sparse bag-of-words / tf-idf vectors already give
 * unrelated pairs a cosine near 0; rescaling would push almost every target to −1 (an unreachable
 * target for m > 2 codes: their mean pairwise cosine is ≥ −1/(m−1)) and drown the semantics.
 * Rule [ours]: rescale when the features are non-negative and the mean pairwise cosine over a fixed
 * sample of rows exceeds 0.25.
 */
export function meanPairwiseCosine(x: Float32Array, dim: number, sample = 256): number {
  const n = Math.floor(x.length / dim);
  const rows = Math.min(n, sample);
  const step = n / rows;
  const vecs: Float64Array[] = [];
  for (let i = 0; i < rows; i++) {
    const r = Math.floor(i * step);
    const v = Float64Array.from(x.subarray(r * dim, r * dim + dim));
    let s = 0;
    for (const e of v) s += e * e;
    s = Math.sqrt(s);
    if (s > 0) vecs.push(v.map((e) => e / s));
  }
  let total = 0, pairs = 0;
  for (let a = 0; a < vecs.length; a++) {
    for (let b = a + 1; b < vecs.length; b++) {
      let d = 0;
      const va = vecs[a]!, vb = vecs[b]!;
      for (let k = 0; k < dim; k++) d += va[k]! * vb[k]!;
      total += d;
      pairs++;
    }
  }
  return pairs ? total / pairs : 0;
}

export function shouldRescaleCosine(x: Float32Array, dim: number): boolean {
  for (let i = 0; i < x.length; i++) if (x[i]! < 0) return false;
  return meanPairwiseCosine(x, dim) > 0.25;
}
