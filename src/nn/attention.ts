/**
 * Multi-head self-attention: Q/K/V/O projections and scaled dot-product attention. Without a mask (and
 * heads up to 64 wide) the attention runs fused on the projections' token layout (ops/attention.ts: no
 * permutes, 1 dispatch forward, 2 backward); with a mask through batched GEMMs and the fused scale+mask
 * row softmax. Input and output [B, T, d_model].
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, reshape } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { permute } from '../ops/layout.js';
import { softmax } from '../ops/softmax.js';
import { checkTensor } from '../ops/validate.js';
import { FUSED_ATTENTION_MAX_HEAD_DIM, multiHeadAttentionCore } from '../ops/attention.js';
import { Module, checkDim, checkRng, type InitOptions } from './module.js';
import { Linear } from './layers.js';

export interface MultiHeadAttentionOptions extends InitOptions {
  /** Biases on the four projections. Default true. */
  bias?: boolean;
}

export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly headDim: number;

  constructor(rt: Runtime, readonly dModel: number, readonly heads: number, opts: MultiHeadAttentionOptions) {
    super();
    checkDim('MultiHeadAttention', 'dModel', dModel);
    checkDim('MultiHeadAttention', 'heads', heads);
    if (dModel % heads !== 0) throw new RangeError(`MultiHeadAttention: dModel ${dModel} is not divisible by heads ${heads}`);
    const rng = checkRng('MultiHeadAttention', opts);
    const lo = { rng, bias: opts.bias ?? true };
    this.q = this.registerModule('q', new Linear(rt, dModel, dModel, lo));
    this.k = this.registerModule('k', new Linear(rt, dModel, dModel, lo));
    this.v = this.registerModule('v', new Linear(rt, dModel, dModel, lo));
    this.o = this.registerModule('o', new Linear(rt, dModel, dModel, lo));
    this.headDim = dModel / heads;
  }

  private checkInput(x: Tensor): void {
    checkTensor('MultiHeadAttention', 'x', x, 'f32');
    if (x.rank !== 3 || x.shape[2] !== this.dModel) {
      throw new ShapeError(`MultiHeadAttention: x must be [B, T, ${this.dModel}], got ${fmtShape(x.shape)}`);
    }
  }

  /**
   * x: [B, T, d_model]. mask: optional additive mask (0 keep, large negative drop) broadcast to the
   * scores [B, heads, T, T], e.g. [T, T] (causal) or [B, 1, 1, T] (key padding).
   */
  override forward(x: Tensor, mask?: Tensor): Tensor {
    this.checkInput(x);
    const [B, T] = x.shape as [number, number, number];
    const H = this.heads, dh = this.headDim;
    const flat = reshape(x, [B * T, this.dModel]);
    if (!mask && dh <= FUSED_ATTENTION_MAX_HEAD_DIM) return this.fused(flat, B, T, false);
    // [B·T, d] → [B, T, H, dh] → [B, H, T, dh] → [B·H, T, dh]
    const split = (lin: Linear): Tensor => reshape(permute(reshape(lin.forward(flat), [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]);
    const q = split(this.q), k = split(this.k), v = split(this.v);
    const scores = reshape(matmul(q, k, { transB: true }), [B, H, T, T]);
    const p = softmax(scores, { scale: 1 / Math.sqrt(dh), mask });
    const ctx = matmul(reshape(p, [B * H, T, T]), v);
    const merged = reshape(permute(reshape(ctx, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, this.dModel]);
    return reshape(this.o.forward(merged), [B, T, this.dModel]);
  }

  /**
   * x + MHA(x) (a residual block; x: [B, T, d_model], no mask). On the fused path the sum is the output
   * projection's addend, and x's gradient is summed in the Q/K/V projections' input-gradient GEMMs: no
   * elementwise adds forward or backward (UMHA: 8 of its 83 dispatches per step).
   */
  forwardResidual(x: Tensor): Tensor {
    this.checkInput(x);
    const [B, T] = x.shape as [number, number, number];
    if (this.headDim > FUSED_ATTENTION_MAX_HEAD_DIM) return add(x, this.forward(x));
    return this.fused(reshape(x, [B * T, this.dModel]), B, T, true);
  }

  /** The fused path on the token rows flat ([B·T, d_model]); with `residual`, flat is added to the output. */
  private fused(flat: Tensor, B: number, T: number, residual: boolean): Tensor {
    const tok = (lin: Linear): Tensor => reshape(lin.forward(flat), [B, T, this.dModel]);
    const ctx = multiHeadAttentionCore(tok(this.q), tok(this.k), tok(this.v), this.heads);
    return reshape(this.o.forward(reshape(ctx, [B * T, this.dModel]), residual ? flat : undefined), [B, T, this.dModel]);
  }
}
