/** Layers: Linear, pooling, LRN, dropout, activations, Flatten, Sequential. */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { relu, reshape, sigmoid, tanh } from '../ops/elementwise.js';
import { checkActivation, linear, type Activation } from '../ops/matmul.js';
import { avgPool2d, maxPool2d, type Pool2dOptions } from '../ops/pool.js';
import { localResponseNorm, type LrnOptions } from '../ops/lrn.js';
import { dropout } from '../ops/dropout.js';
import type { Rng } from '../util/rng.js';
import { Module, checkDim, checkRng, uniformParam, type InitOptions } from './module.js';

export interface LinearOptions extends InitOptions {
  /** Default true. */
  bias?: boolean;
  /** Fused into the GEMM epilogue. Default 'none'. */
  activation?: Activation;
}

/**
 * y = act(x·W + b), W stored [in, out]. Init as PyTorch's default (Kaiming-uniform with a = √5):
 * W and b ~ U(−1/√in, 1/√in).
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: Activation;

  constructor(rt: Runtime, readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions) {
    super();
    checkDim('Linear', 'inFeatures', inFeatures);
    checkDim('Linear', 'outFeatures', outFeatures);
    const rng = checkRng('Linear', opts);
    this.activation = checkActivation('Linear', opts.activation ?? 'none');
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniformParam(rt, rng, [inFeatures, outFeatures], bound));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniformParam(rt, rng, [outFeatures], bound));
  }

  /** x: [..., in] (rank 2 or 3). residual (the output's shape): added to the output in the same pass. */
  forward(x: Tensor, residual?: Tensor): Tensor {
    return linear(x, this.weight, this.bias, this.activation, 1, residual);
  }
}

export class MaxPool2d extends Module {
  constructor(readonly options: Pool2dOptions) { super(); }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.options); }
}

export class AvgPool2d extends Module {
  constructor(readonly options: Pool2dOptions) { super(); }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.options); }
}

/** LRN across channels; defaults are AlexNet / CNN-F's (size 5, alpha 1e-4, beta 0.75, k 2). */
export class LocalResponseNorm extends Module {
  constructor(readonly options: LrnOptions = {}) { super(); }
  forward(x: Tensor): Tensor { return localResponseNorm(x, this.options); }
}

/**
 * Dropout in training mode, identity in eval mode. Each training call draws a fresh mask seed from
 * its Rng (save/restore it with getRngState/setRngState to resume exactly); the backward pass reuses
 * the call's mask.
 */
export class Dropout extends Module {
  private readonly rng: Rng;
  constructor(readonly p: number, opts: InitOptions) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = checkRng('Dropout', opts);
  }
  forward(x: Tensor): Tensor {
    if (!this.active) return x;
    return dropout(x, this.p, this.nextSeed());
  }
  /** Whether forward() drops anything (training with p > 0). */
  get active(): boolean { return this.training && this.p > 0; }
  /** The mask seed the next forward() would use, drawn now (for ops that fuse the dropout, e.g. linearReluDropout). */
  nextSeed(): number { return this.rng.nextU32(); }
  getRngState(): ReturnType<Rng['getState']> { return this.rng.getState(); }
  setRngState(s: ReturnType<Rng['getState']>): void { this.rng.setState(s); }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return relu(x); }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/** [N, …] → [N, prod(…)] (recorded reshape, no copy). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    if (x.rank < 1) throw new ShapeError(`Flatten: x must have rank >= 1, got ${fmtShape(x.shape)}`);
    return reshape(x, [x.shape[0]!, x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
}

/** Applies its modules in order; children are named '0', '1', …. */
export class Sequential extends Module {
  readonly layers: readonly Module[];
  constructor(...layers: Module[]) {
    super();
    if (layers.length === 0) throw new CmhashError('Sequential: needs at least one module');
    layers.forEach((m, i) => this.registerModule(String(i), m));
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}
