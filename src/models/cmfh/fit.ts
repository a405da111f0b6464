/**
 * CMFH (Ding, Guo & Zhou, "Collective Matrix Factorization Hashing for Multimodal Data", CVPR 2014),
 * unsupervised. With samples as rows (X: n×dx, Y: n×dy centred, H: n×k the unified latent codes):
 *   min λ‖X − H·U1ᵀ‖² + (1−λ)‖Y − H·U2ᵀ‖² + μ(‖H − X·P1ᵀ‖² + ‖H − Y·P2ᵀ‖²)
 *       + γ(‖U1‖² + ‖U2‖² + ‖H‖² + ‖P1‖² + ‖P2‖²),
 * solved by block coordinate descent where every block update is that block's exact minimiser (so the
 * objective never increases): U1 = XᵀH(HᵀH + γ/λ·I)⁻¹, U2 = YᵀH(HᵀH + γ/(1−λ)·I)⁻¹,
 * H = (λXU1 + (1−λ)YU2 + μ(XP1ᵀ + YP2ᵀ))(λU1ᵀU1 + (1−λ)U2ᵀU2 + (2μ+γ)I)⁻¹, P1ᵀ = (XᵀX + γ/μ·I)⁻¹XᵀH, P2 alike.
 * Hash functions sign(x·P1ᵀ), sign(y·P2ᵀ). [ref] Ding's code divides γ by nothing in the U and P updates
 * (γ instead of γ/λ, γ/μ); we use the exact minimisers of the paper's objective. [ours, off by default] With
 * `normalize` each modality is scaled to unit mean squared row norm first (SIFT BoW rows have norm ≈ 0.18,
 * LDA rows ≈ 0.47 here); validation preferred the raw features.
 */
import type { Rng } from '../../util/rng.js';
import type { CentredData } from '../shallow/data.js';
import { addDiag, axpby, frobenius2, identity, mat, matmul, matmulTN, solveSpd, solveSpdRight, transpose, type Mat } from '../shallow/linalg.js';
import type { LinearFit } from '../shallow/model.js';

export interface CmfhConfig {
  lambda: number;
  mu: number;
  gamma: number;
  maxIterations: number;
  /** Stop when the relative decrease of the objective is below this. */
  tolerance: number;
  normalize: boolean;
}

/** The paper's λ, μ, γ; raw (centred, not rescaled) features chosen on the validation split: val mAP 0.258 vs 0.222
 *  normalised (results/tables.md, "Selection"). */
export const cmfhDefaults: CmfhConfig = { lambda: 0.5, mu: 100, gamma: 0.01, maxIterations: 100, tolerance: 1e-5, normalize: false };

const scaled = (m: Mat, s: number): Mat => mat(m.rows, m.cols, m.data.map((v) => v * s));

function meanRowNorm2(m: Mat): number {
  return frobenius2(m) / Math.max(1, m.rows);
}

export interface CmfhState {
  h: Mat;
  u1: Mat;
  u2: Mat;
  p1t: Mat;
  p2t: Mat;
}

export function cmfhObjective(x: Mat, y: Mat, s: CmfhState, c: CmfhConfig): number {
  const rec1 = frobenius2(axpby(1, x, -1, matmul(s.h, transpose(s.u1))));
  const rec2 = frobenius2(axpby(1, y, -1, matmul(s.h, transpose(s.u2))));
  const lin1 = frobenius2(axpby(1, s.h, -1, matmul(x, s.p1t)));
  const lin2 = frobenius2(axpby(1, s.h, -1, matmul(y, s.p2t)));
  const reg = frobenius2(s.u1) + frobenius2(s.u2) + frobenius2(s.h) + frobenius2(s.p1t) + frobenius2(s.p2t);
  return c.lambda * rec1 + (1 - c.lambda) * rec2 + c.mu * (lin1 + lin2) + c.gamma * reg;
}

/** Block coordinate descent; returns the factors and the objective after every iteration. */
export function cmfhSolve(x: Mat, y: Mat, bits: number, rng: Rng, c: CmfhConfig): { state: CmfhState; objectives: number[] } {
  const rand = (r: number, k: number) => mat(r, k, Float64Array.from({ length: r * k }, () => rng.next()));
  const s: CmfhState = { h: rand(x.rows, bits), u1: rand(x.cols, bits), u2: rand(y.cols, bits), p1t: rand(x.cols, bits), p2t: rand(y.cols, bits) };
  // (XᵀX + γ/μ·I)⁻¹ and (YᵀY + γ/μ·I)⁻¹ do not change between iterations.
  const gxInv = solveSpd(addDiag(matmulTN(x, x), c.gamma / c.mu), identity(x.cols));
  const gyInv = solveSpd(addDiag(matmulTN(y, y), c.gamma / c.mu), identity(y.cols));
  const objectives: number[] = [];
  let prev = Infinity;
  for (let it = 0; it < c.maxIterations; it++) {
    const hh = matmulTN(s.h, s.h);
    s.u1 = solveSpdRight(matmulTN(x, s.h), addDiag(hh, c.gamma / c.lambda));
    s.u2 = solveSpdRight(matmulTN(y, s.h), addDiag(hh, c.gamma / (1 - c.lambda)));
    const a = axpby(c.lambda, matmulTN(s.u1, s.u1), 1 - c.lambda, matmulTN(s.u2, s.u2));
    const rhs = axpby(1, axpby(c.lambda, matmul(x, s.u1), 1 - c.lambda, matmul(y, s.u2)), c.mu, axpby(1, matmul(x, s.p1t), 1, matmul(y, s.p2t)));
    s.h = solveSpdRight(rhs, addDiag(a, 2 * c.mu + c.gamma));
    s.p1t = matmul(gxInv, matmulTN(x, s.h));
    s.p2t = matmul(gyInv, matmulTN(y, s.h));
    const f = cmfhObjective(x, y, s, c);
    objectives.push(f);
    if (it > 0 && prev - f <= c.tolerance * Math.abs(prev)) break;
    prev = f;
  }
  return { state: s, objectives };
}

export function fitCmfh(data: CentredData, bits: number, rng: Rng, cfg: CmfhConfig): LinearFit {
  if (!(cfg.lambda > 0 && cfg.lambda < 1)) throw new RangeError(`cmfh: lambda must be in (0, 1), got ${cfg.lambda}`);
  if (!(cfg.mu > 0) || !(cfg.gamma > 0)) throw new RangeError(`cmfh: mu and gamma must be > 0, got ${cfg.mu}, ${cfg.gamma}`);
  const sx = cfg.normalize ? 1 / Math.sqrt(Math.max(meanRowNorm2(data.image), 1e-300)) : 1;
  const sy = cfg.normalize ? 1 / Math.sqrt(Math.max(meanRowNorm2(data.text), 1e-300)) : 1;
  const x = scaled(data.image, sx), y = scaled(data.text, sy);
  const { state, objectives } = cmfhSolve(x, y, bits, rng, cfg);
  const last = objectives[objectives.length - 1]!;
  // Features enter unscaled at encode time: fold the normalisation into the projections.
  return {
    image: scaled(state.p1t, sx), text: scaled(state.p2t, sy), loss: last / x.rows, terms: { objective: last / x.rows },
    info: { iterations: objectives.length, objectiveFirst: objectives[0], objectiveLast: last },
  };
}
