/**
 * UMHA's auxiliary similarity matrix A over the whole training set (the shallow branch: fixed feature
 * similarities, no parameters) and the collaborative code update.
 *
 * A is DJSRH's joint similarity with n in place of m [MODELS.md]:
 *   S̃ = β·r_I(cos(F_I,F_I)) + (1−β)·r_T(cos(F_T,F_T)),  S = (1−η)S̃ + η·S̃S̃ᵀ/n   (r = the 2x − 1 rescale when on)
 * computed once on the GPU in row tiles: pass 1 keeps the S̃ row tiles [r, n] on the GPU, pass 2 forms each
 * row tile of S̃S̃ᵀ block by block (S̃ row tile i · S̃ row tile jᵀ) and reads the [r, n] tile back once. Each
 * row keeps its top-K entries (K = 5% of n, the item itself included, ties to the lower index) and the
 * pattern is symmetrised by union (an entry kept by either row is kept in both; where both rows kept it the
 * two tile values are averaged). Entries outside the neighbourhoods are 0. μ is applied by the model.
 * GPU memory: the S̃ tiles hold n² floats (19 MB for Wikipedia's 2,173, 100 MB for 5,000).
 */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CmhashError } from '../../runtime/errors.js';
import { axpby, fromArray } from '../../ops/elementwise.js';
import { concat, slice } from '../../ops/layout.js';
import { matmul } from '../../ops/matmul.js';
import { betaMix, cosineSimilarity } from '../../ops/similarity.js';
import { noGrad } from '../../autograd/tape.js';
import { tidy, keep } from '../../tensor/scope.js';

/** Symmetric sparse matrix in CSR form (columns ascending within a row). */
export interface SparseRows {
  n: number;
  rowPtr: Uint32Array;
  cols: Uint32Array;
  vals: Float32Array;
}

export interface AffinityOptions {
  beta: number;
  eta: number;
  rescaleImage: boolean;
  rescaleText: boolean;
  /** Neighbours kept per row (1..n). */
  k: number;
  tileRows: number;
}

/** Indices of the k largest values of `row` (ties: lower index first), ascending. */
export function topKIndices(row: Float32Array, k: number): Uint32Array {
  const n = row.length;
  if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const sorted = Float32Array.from(row).sort();
  const thr = sorted[n - k]!;
  let above = 0;
  for (let i = 0; i < n; i++) if (row[i]! > thr) above++;
  let ties = k - above;
  const out = new Uint32Array(k);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = row[i]!;
    if (v > thr || (v === thr && ties-- > 0)) out[o++] = i;
  }
  return out;
}

/** Union-symmetrise per-row kept entries (see the file comment): A_ab = A_ba = the kept value (averaged when both rows kept it). */
export function symmetrizeUnion(n: number, kept: readonly { idx: ArrayLike<number>; val: ArrayLike<number> }[]): SparseRows {
  const maps: Map<number, [number, number]>[] = Array.from({ length: n }, () => new Map());
  const put = (a: number, b: number, v: number): void => {
    const e = maps[a]!.get(b);
    if (e) { e[0] += v; e[1]++; } else maps[a]!.set(b, [v, 1]);
  };
  for (let a = 0; a < n; a++) {
    const { idx, val } = kept[a]!;
    for (let j = 0; j < idx.length; j++) {
      const b = idx[j]!, v = val[j]!;
      put(a, b, v);
      if (b !== a) put(b, a, v);
    }
  }
  const rowPtr = new Uint32Array(n + 1);
  for (let a = 0; a < n; a++) rowPtr[a + 1] = rowPtr[a]! + maps[a]!.size;
  const cols = new Uint32Array(rowPtr[n]!), vals = new Float32Array(rowPtr[n]!);
  for (let a = 0; a < n; a++) {
    const entries = [...maps[a]!].sort((x, y) => x[0] - y[0]);
    let o = rowPtr[a]!;
    for (const [b, [sum, cnt]] of entries) {
      cols[o] = b;
      vals[o++] = sum / cnt;
    }
  }
  return { n, rowPtr, cols, vals };
}

/** The dense joint similarity S (without μ) in row tiles on the GPU; `onTile(r0, rows, data)` receives each [rows, n] tile. */
export async function jointSimilarityTiles(rt: Runtime, image: Float32Array, imageDim: number, text: Float32Array, textDim: number, o: Omit<AffinityOptions, 'k'>, onTile: (r0: number, rows: number, data: Float32Array) => void): Promise<void> {
  const n = image.length / imageDim;
  if (!Number.isInteger(n) || n < 1 || text.length !== n * textDim) throw new CmhashError(`UMHA affinity: image (${image.length} values / ${imageDim}) and text (${text.length} / ${textDim}) must hold the same n ≥ 1 rows`);
  if (!Number.isInteger(o.tileRows) || o.tileRows < 1) throw new CmhashError(`UMHA affinity: tileRows must be a positive integer, got ${o.tileRows}`);
  const tiles: [number, number][] = [];
  for (let r0 = 0; r0 < n; r0 += o.tileRows) tiles.push([r0, Math.min(o.tileRows, n - r0)]);
  const sTilde: Tensor[] = [];
  const fI = fromArray(rt, image, [n, imageDim], 'f32');
  const fT = fromArray(rt, text, [n, textDim], 'f32');
  try {
    noGrad(() => {
      for (const [r0, rows] of tiles) {
        sTilde.push(tidy(() => {
          const sI = cosineSimilarity(slice(fI, [r0, 0], [rows, imageDim]), fI);
          const sT = cosineSimilarity(slice(fT, [r0, 0], [rows, textDim]), fT);
          // The 2s − 1 rescales are applied in the mixing pass.
          return keep(betaMix(sI, sT, o.beta, [o.rescaleImage, o.rescaleText]));
        }));
      }
    });
    for (const [i, [r0, rows]] of tiles.entries()) {
      const tile = noGrad(() => tidy(() => {
        const second = concat(sTilde.map((sj) => matmul(sTilde[i]!, sj, { transB: true })), 1);
        return axpby(1 - o.eta, sTilde[i]!, o.eta / n, second);
      }));
      const data = new Float32Array(await rt.read(tile.buffer, 0, tile.byteLength));
      tile.dispose();
      onTile(r0, rows, data.subarray(0, rows * n));
    }
  } finally {
    fI.dispose();
    fT.dispose();
    for (const t of sTilde) t.dispose();
  }
}

/** A: top-k-per-row, union-symmetrised joint similarity of the whole training set (GPU in tiles, selection on the host). */
export async function auxiliaryAffinity(rt: Runtime, image: Float32Array, imageDim: number, text: Float32Array, textDim: number, o: AffinityOptions): Promise<SparseRows> {
  const n = image.length / imageDim;
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > n) throw new CmhashError(`UMHA affinity: k must be an integer in 1..${n}, got ${o.k}`);
  const rowsTopK: { idx: Uint32Array; val: Float32Array }[] = new Array(n);
  await jointSimilarityTiles(rt, image, imageDim, text, textDim, o, (r0, rows, data) => {
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * n, (r + 1) * n);
      const idx = topKIndices(row, o.k);
      rowsTopK[r0 + r] = { idx, val: Float32Array.from(idx, (b) => row[b]!) };
    }
  });
  return symmetrizeUnion(n, rowsTopK);
}

/**
 * Dense [m, m] block A[rows, rows] (rows = training positions of a batch), scaled by `scale`; with `mask`
 * (length m·m) also marks the stored (neighbour) entries with 1.
 */
export function gatherBlock(a: SparseRows, rows: ArrayLike<number>, scale: number, mask?: Float32Array): Float32Array {
  const m = rows.length;
  const pos = new Map<number, number[]>();
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    if (!(r < a.n)) throw new CmhashError(`UMHA: batch row ${r} is outside the ${a.n} training items the affinity was built on`);
    const l = pos.get(r);
    if (l) l.push(i); else pos.set(r, [i]);
  }
  const out = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) {
      const js = pos.get(a.cols[p]!);
      if (js) for (const j of js) {
        out[i * m + j] = scale * a.vals[p]!;
        if (mask) mask[i * m + j] = 1;
      }
    }
  }
  return out;
}

/**
 * How the neighbourhood sum A·G is scaled in the collaborative step:
 *  - 'degree' [ours, default]: D⁻¹A·G with D_aa = Σ_b |A_ab|, a weighted mean of the neighbours' G, on
 *    G's own scale, so ρ = 1 weighs an item's own code and its neighbourhood's equally (the seed's
 *    "collaborative" intent);
 *  - 'n' (MODELS.md as first written): A·G/n. Each row keeps ~K = 5% of n entries, so this term is only
 *    ~2–5% of G and B ≈ sign(H_I + H_T).
 */
export type CollaborativeNorm = 'degree' | 'n';

/** Smallest row degree Σ|A_ab| divided by; rows at or below it get no neighbourhood term (all-zero rows). */
export const DEGREE_EPS = 1e-12;

/** The collaborative step B = sign(G + ρ·N(A)·G), G = H_I + H_T ([n, k] row-major), N per `norm`; sign(0) = +1. */
export function updateCodes(a: SparseRows, hImage: Float32Array, hText: Float32Array, k: number, rho: number, norm: CollaborativeNorm = 'degree'): Int8Array {
  const n = a.n;
  if (norm !== 'degree' && norm !== 'n') throw new CmhashError(`UMHA: collaborative normalisation must be 'degree' or 'n', got '${String(norm)}'`);
  if (hImage.length !== n * k || hText.length !== n * k) throw new CmhashError(`UMHA: code matrices hold ${hImage.length} and ${hText.length} values, expected ${n}×${k}`);
  const g = new Float64Array(n * k);
  for (let i = 0; i < n * k; i++) g[i] = hImage[i]! + hText[i]!;
  const b = new Int8Array(n * k);
  const acc = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    acc.fill(0);
    let degree = 0;
    for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) {
      const c = a.cols[p]!, v = a.vals[p]!;
      degree += Math.abs(v);
      for (let j = 0; j < k; j++) acc[j] += v * g[c * k + j]!;
    }
    const f = norm === 'n' ? rho / n : degree > DEGREE_EPS ? rho / degree : 0;
    for (let j = 0; j < k; j++) b[r * k + j] = g[r * k + j]! + f * acc[j]! >= 0 ? 1 : -1;
  }
  return b;
}
