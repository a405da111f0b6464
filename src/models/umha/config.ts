/** UMHA defaults (MODELS.md seed 000: the seed gives the idea; the layers and numbers are [ours] unless marked). */
import type { TokenPool } from '../common/nets.js';
import type { CollaborativeNorm } from './affinity.js';
import type { PairedConfig } from '../common/paired-model.js';
import { djsrhDefaults } from '../djsrh/config.js';

export interface UmhaConfig extends PairedConfig {
  /** Weight γ of the code-matrix term γ(‖H_I − B_batch‖² + ‖H_T − B_batch‖²) (mean squared, like the other terms). */
  gamma: number;
  /** Weight ρ of the collaborative (neighbourhood) step B = sign(G + ρ·N(A)·G), G = H_I + H_T. */
  rho: number;
  /** N(A) in the collaborative step: 'degree' = D⁻¹A (row-normalised, default [ours]) or 'n' = A/n (see affinity.ts). */
  collaborativeNorm: CollaborativeNorm;
  /**
   * Ablation switch for the whole-set top-K neighbourhoods. false: no auxiliary matrix A — the batch target
   * is DJSRH's batch S and the code step is B = sign(H_I + H_T) (what is left is DJSRH + token attention +
   * the learned B with γ).
   */
  neighbourhoods: boolean;
  /** Neighbours kept per row of the auxiliary matrix: K = round(topKFraction · n) (5%). */
  topKFraction: number;
  /** Tokens the hidden vector is split into (16 tokens of hidden/16: 256 at the seed's 4096). */
  tokens: number;
  /** Attention heads over the tokens. */
  heads: number;
  /**
   * 'mean': mean-pool the attended tokens (MODELS.md; the head sees hidden/tokens values) or 'flatten' (the
   * head sees all hidden values) [ours; see README for the validation comparison].
   */
  pool: TokenPool;
  /**
   * Batch-target entries for pairs outside each other's top-K neighbourhoods: 'zero' (the sparse A as is:
   * non-neighbours should get orthogonal codes) or 'batch' (DJSRH's batch joint similarity S for those pairs,
   * A's value for neighbour pairs) [ours; chosen on the validation split, see README].
   */
  fill: 'zero' | 'batch';
  /** Rows per tile when the n×n auxiliary matrix is computed on the GPU. */
  tileRows: number;
}

export function umhaDefaults(): UmhaConfig {
  const base = djsrhDefaults();
  return {
    ...base,
    // The auxiliary matrix is DJSRH's joint similarity over the whole training set (β-mix, η, rescale as DJSRH);
    // μ scales the batch target μ·A_batch.
    target: { ...base.target, fusion: 'beta' },
    gamma: 0.1,
    rho: 1,
    collaborativeNorm: 'degree',
    neighbourhoods: true,
    topKFraction: 0.05,
    tokens: 16,
    heads: 8,
    pool: 'flatten',
    fill: 'batch',
    tileRows: 1024,
    // DJSRH's image-net weight decay scale (3) is its own validation result; UMHA keeps the reference's one weight decay.
    imageWeightDecayScale: 1,
  };
}
