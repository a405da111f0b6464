/** SSAH's multi-scale bag-of-words fusion in front of the text net [ref]. */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { fromArray, reshape } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';
import { avgPool2d } from '../../ops/pool.js';
import { concat } from '../../ops/layout.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';

/**
 * Pooling widths actually used for a d-dimensional text input: widths larger than d are clamped to d
 * (a global average) and duplicates after clamping are dropped [ours]. For Wikipedia's 10-d LDA topics
 * {50, 30, 15, 10, 5} → {10, 5}; for MIRFlickr's 1386-d BoW all five stay.
 */
export function effectiveWidths(widths: readonly number[], d: number): number[] {
  const out: number[] = [];
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`text fusion: pooling widths must be positive integers, got ${w}`);
    const c = Math.min(w, d);
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * Linear interpolation matrix U [L, d] that upsamples a length-L signal to length d (half-pixel
 * centres, edges clamped: bilinear resize with align_corners = false along one axis).
 */
export function upsampleMatrix(L: number, d: number): Float32Array {
  const u = new Float32Array(L * d);
  for (let j = 0; j < d; j++) {
    const src = Math.min(Math.max((j + 0.5) * (L / d) - 0.5, 0), L - 1);
    const i0 = Math.floor(src), i1 = Math.min(i0 + 1, L - 1), t = src - i0;
    u[i0 * d + j] += 1 - t;
    u[i1 * d + j] += t;
  }
  return u;
}

/**
 * For each width s: average-pool the BoW (width s, stride s) → 1×1 conv (one channel: a learnt scale and
 * bias) + ReLU → upsample back to d; concatenate with the raw BoW → [m, (1 + #widths)·d].
 */
export class MultiScaleFusion extends Module {
  readonly widths: number[];
  readonly convs: Linear[];
  private readonly ups: Tensor[];
  constructor(rt: Runtime, readonly dim: number, widths: readonly number[], rng: Rng) {
    super();
    this.widths = effectiveWidths(widths, dim);
    this.convs = this.widths.map((s) => this.registerModule(`conv${s}`, new Linear(rt, 1, 1, { rng, activation: 'relu' })));
    this.ups = this.widths.map((s) => {
      const L = Math.floor(dim / s);
      // A constant (no gradient), freed in dispose().
      return noGrad(() => fromArray(rt, upsampleMatrix(L, dim), [L, dim], 'f32'));
    });
  }
  get outDim(): number {
    return (1 + this.widths.length) * this.dim;
  }
  forward(x: Tensor): Tensor {
    const m = x.shape[0]!;
    const x4 = reshape(x, [m, 1, 1, this.dim]);
    const parts = [x];
    this.widths.forEach((s, i) => {
      const L = Math.floor(this.dim / s);
      const pooled = avgPool2d(x4, { kernel: [1, s], stride: [1, s] });
      const conv = reshape(this.convs[i]!.forward(reshape(pooled, [m * L, 1])), [m, L]);
      parts.push(matmul(conv, this.ups[i]!));
    });
    return concat(parts, 1);
  }
  override dispose(): void {
    super.dispose();
    for (const u of this.ups) u.dispose();
  }
}
