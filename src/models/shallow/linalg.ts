/**
 * Dense float64 linear algebra on the host for the shallow baselines (CCA-ITQ, CMFH, SCM-seq, ridge-ITQ):
 * products, Cholesky solves, the symmetric eigendecomposition (cyclic Jacobi) and the SVD (one-sided
 * Jacobi, Hestenes). Browser-safe, no dependencies.
 *
 * Why our own code and not a package (ml-matrix was the candidate): the matrices here are at most a few
 * hundred wide (feature widths 10–1000, code lengths ≤ 128), where Jacobi methods are simple, accurate to
 * working precision even for clustered or repeated eigenvalues, and ~200 lines we test directly
 * (test/models-shallow.test.ts); a dependency would ship in every browser model chunk and in the lock file
 * that six people edit concurrently, for no gain in accuracy at these sizes.
 *
 * Matrices are row-major: `Mat = { rows, cols, data }` with data[i * cols + j].
 */
import { CmhashError } from '../../runtime/errors.js';

export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  if (data && data.length !== rows * cols) throw new CmhashError(`mat: ${data.length} values for a ${rows}×${cols} matrix`);
  return { rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) };
}

export function identity(n: number, scale = 1): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = scale;
  return m;
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

function checkMul(op: string, ar: number, ac: number, br: number, bc: number): void {
  if (ac !== br) throw new CmhashError(`${op}: inner sizes differ (${ar}×${ac} · ${br}×${bc})`);
}

/** A·B. */
export function matmul(a: Mat, b: Mat): Mat {
  checkMul('matmul', a.rows, a.cols, b.rows, b.cols);
  const c = mat(a.rows, b.cols);
  const { cols: n } = b;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let p = 0; p < a.cols; p++) {
      const v = a.data[i * a.cols + p]!;
      if (v === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c.data[ci + j]! += v * b.data[bp + j]!;
    }
  }
  return c;
}

/** Aᵀ·B without forming Aᵀ (A and B share their row count: n samples). */
export function matmulTN(a: Mat, b: Mat): Mat {
  checkMul('matmulTN', a.cols, a.rows, b.rows, b.cols);
  const c = mat(a.cols, b.cols);
  const n = b.cols;
  for (let r = 0; r < a.rows; r++) {
    const ar = r * a.cols, br = r * n;
    for (let i = 0; i < a.cols; i++) {
      const v = a.data[ar + i]!;
      if (v === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) c.data[ci + j]! += v * b.data[br + j]!;
    }
  }
  return c;
}

/** A + s·I (square A), a new matrix. */
export function addDiag(a: Mat, s: number): Mat {
  if (a.rows !== a.cols) throw new CmhashError(`addDiag: ${a.rows}×${a.cols} is not square`);
  const c = mat(a.rows, a.cols, a.data);
  for (let i = 0; i < a.rows; i++) c.data[i * a.cols + i]! += s;
  return c;
}

/** a·A + b·B. */
export function axpby(alpha: number, a: Mat, beta: number, b: Mat): Mat {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new CmhashError(`axpby: ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`);
  const c = mat(a.rows, a.cols);
  for (let i = 0; i < c.data.length; i++) c.data[i] = alpha * a.data[i]! + beta * b.data[i]!;
  return c;
}

export function frobenius2(a: Mat): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return s;
}

/** Lower-triangular L with A = L·Lᵀ (A symmetric positive definite). */
export function cholesky(a: Mat): Mat {
  const n = a.rows;
  if (n !== a.cols) throw new CmhashError(`cholesky: ${a.rows}×${a.cols} is not square`);
  const l = mat(n, n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l.data[j * n + k]! ** 2;
    if (!(d > 0)) throw new CmhashError(`cholesky: matrix is not positive definite (pivot ${j} is ${d}); increase the regularisation`);
    const ljj = Math.sqrt(d);
    l.data[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l.data[i * n + k]! * l.data[j * n + k]!;
      l.data[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** X with A·X = B for symmetric positive definite A (Cholesky). */
export function solveSpd(a: Mat, b: Mat): Mat {
  if (a.rows !== b.rows) throw new CmhashError(`solveSpd: A is ${a.rows}×${a.cols}, B has ${b.rows} rows`);
  const l = cholesky(a);
  const n = a.rows, m = b.cols;
  const x = mat(n, m, b.data);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) { // L·y = b
      let s = x.data[i * m + c]!;
      for (let k = 0; k < i; k++) s -= l.data[i * n + k]! * x.data[k * m + c]!;
      x.data[i * m + c] = s / l.data[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) { // Lᵀ·x = y
      let s = x.data[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= l.data[k * n + i]! * x.data[k * m + c]!;
      x.data[i * m + c] = s / l.data[i * n + i]!;
    }
  }
  return x;
}

/** X with X·A = B (A symmetric positive definite): Xᵀ = A⁻¹·Bᵀ. */
export function solveSpdRight(b: Mat, a: Mat): Mat {
  return transpose(solveSpd(a, transpose(b)));
}

/**
 * Symmetric eigendecomposition A = V·diag(values)·Vᵀ by cyclic Jacobi rotations; values in descending
 * order, eigenvectors in the columns of V (orthonormal). Only the upper triangle's symmetry is assumed
 * (the input is symmetrised first).
 */
export function symEig(a: Mat, maxSweeps = 100): { values: Float64Array; vectors: Mat } {
  const n = a.rows;
  if (n !== a.cols) throw new CmhashError(`symEig: ${a.rows}×${a.cols} is not square`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  for (const v of A) if (!Number.isFinite(v)) throw new CmhashError('symEig: the matrix has non-finite entries');
  const V = identity(n).data;
  let total = 0;
  for (const v of A) total += v * v;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p]!, aqq = A[q * n + q]!;
        // Rotation angle that zeroes A[p][q] (Golub & Van Loan, Alg. 8.4.1): t = tan θ, the smaller root.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) { // A ← A·J (columns p, q)
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) { // A ← Jᵀ·A (rows p, q)
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) { // V ← V·J
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j]! - A[i * n + i]! || i - j);
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = mat(n, n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors.data[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors };
}

/**
 * Thin SVD A = U·diag(s)·Vᵀ of an m×n matrix by one-sided Jacobi (Hestenes) on the columns; s descending.
 * U is m×r, V is n×r with r = min(m, n). Columns of U for zero singular values are completed to an
 * orthonormal set so that U always has orthonormal columns (ITQ's Procrustes step needs a full rotation).
 */
export function svd(a: Mat, maxSweeps = 100): { u: Mat; s: Float64Array; v: Mat } {
  if (a.rows < a.cols) {
    const t = svd(transpose(a), maxSweeps);
    return { u: t.v, s: t.s, v: t.u };
  }
  const m = a.rows, n = a.cols;
  for (const x of a.data) if (!Number.isFinite(x)) throw new CmhashError('svd: the matrix has non-finite entries');
  const U = Float64Array.from(a.data); // columns become U·diag(s)
  const V = identity(n).data;
  // Columns whose norm is at rounding level of the whole matrix are numerically zero: rotating them
  // against each other only shuffles noise (and would never meet the relative test below).
  let frob = 0;
  for (const x of U) frob += x * x;
  const negligible = frob * 1e-28;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let k = 0; k < m; k++) {
          const up = U[k * n + p]!, uq = U[k * n + q]!;
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (alpha <= negligible || beta <= negligible || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let k = 0; k < m; k++) {
          const up = U[k * n + p]!, uq = U[k * n + q]!;
          U[k * n + p] = c * up - s * uq;
          U[k * n + q] = s * up + c * uq;
        }
        for (let k = 0; k < n; k++) {
          const vp = V[k * n + p]!, vq = V[k * n + q]!;
          V[k * n + p] = c * vp - s * vq;
          V[k * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let k = 0; k < m; k++) s += U[k * n + j]! ** 2;
    return Math.sqrt(s);
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j]! - norms[i]! || i - j);
  const u = mat(m, n), v = mat(n, n), s = new Float64Array(n);
  const tiny = (norms[order[0]!] ?? 0) * 1e-13 * Math.max(m, n);
  order.forEach((src, dst) => {
    s[dst] = norms[src]!;
    for (let k = 0; k < n; k++) v.data[k * n + dst] = V[k * n + src]!;
    if (norms[src]! > tiny && norms[src]! > 0) for (let k = 0; k < m; k++) u.data[k * n + dst] = U[k * n + src]! / norms[src]!;
  });
  completeOrthonormalColumns(u, (j) => s[j]! > tiny && s[j]! > 0);
  return { u, s, v };
}

/** Replace the columns of `q` for which keep(j) is false by unit vectors orthogonal to all others (Gram–Schmidt on e_i). */
function completeOrthonormalColumns(q: Mat, keep: (j: number) => boolean): void {
  const { rows: m, cols: n } = q;
  let e = 0;
  for (let j = 0; j < n; j++) {
    if (keep(j)) continue;
    for (; e < m; e++) {
      const col = new Float64Array(m);
      col[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < n; c++) {
          if (c === j || (!keep(c) && c > j)) continue;
          let d = 0;
          for (let k = 0; k < m; k++) d += col[k]! * q.data[k * n + c]!;
          for (let k = 0; k < m; k++) col[k]! -= d * q.data[k * n + c]!;
        }
      }
      let nrm = 0;
      for (const x of col) nrm += x * x;
      nrm = Math.sqrt(nrm);
      if (nrm > 1e-6) {
        for (let k = 0; k < m; k++) q.data[k * n + j] = col[k]! / nrm;
        e++;
        break;
      }
    }
  }
}

/** S^(-1/2) of a symmetric positive definite S (eigendecomposition); eigenvalues below `floor` are an error. */
export function invSqrtSym(sym: Mat, floor = 1e-12): Mat {
  const { values, vectors } = symEig(sym);
  const n = sym.rows;
  const out = mat(n, n);
  for (let k = 0; k < n; k++) {
    if (!(values[k]! > floor)) throw new CmhashError(`invSqrtSym: eigenvalue ${values[k]} ≤ ${floor}: the matrix is not positive definite (increase the regularisation)`);
    const w = 1 / Math.sqrt(values[k]!);
    for (let i = 0; i < n; i++) {
      const vik = vectors.data[i * n + k]! * w;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out.data[i * n + j]! += vik * vectors.data[j * n + k]!;
    }
  }
  return out;
}

/** Columns lo..hi-1 of A. */
export function columns(a: Mat, lo: number, hi: number): Mat {
  const c = mat(a.rows, hi - lo);
  for (let i = 0; i < a.rows; i++) for (let j = lo; j < hi; j++) c.data[i * (hi - lo) + j - lo] = a.data[i * a.cols + j]!;
  return c;
}

/** Rows lo..hi-1 of A. */
export function rowsOf(a: Mat, lo: number, hi: number): Mat {
  return mat(hi - lo, a.cols, a.data.subarray(lo * a.cols, hi * a.cols));
}
