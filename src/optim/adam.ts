/** Adam (L2 weight decay) and AdamW (decoupled weight decay) with bias correction; PyTorch semantics. */
import type { Tensor } from '../tensor/tensor.js';
import { launch } from '../ops/launch.js';
import { OPTIM_WG, Optimizer, checkHyper, type ParamList } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly (param *= 1 − lr·wd) instead of adding wd·param to the gradient. */
  decoupled?: boolean;
}

export class Adam extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  /** Steps taken per parameter (a parameter without a gradient in a step does not advance). */
  private readonly steps = new Map<string, number>();

  constructor(params: ParamList, opts: AdamOptions) {
    super('Adam', params, opts.lr);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    this.validate();
  }

  private validate(): void {
    checkHyper('Adam', 'beta1', this.beta1, 0, 1, true);
    checkHyper('Adam', 'beta2', this.beta2, 0, 1, true);
    checkHyper('Adam', 'weightDecay', this.weightDecay, 0, Infinity);
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`Adam: eps must be > 0, got ${this.eps}`);
  }

  protected update(name: string, param: Tensor, grad: Tensor): void {
    const t = (this.steps.get(name) ?? 0) + 1;
    this.steps.set(name, t);
    const m = this.slot(name, param, 'm');
    const v = this.slot(name, param, 'v');
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    launch(this.rt, 'adam', [param.buffer, grad.buffer, m.buffer, v.buffer], {
      n: param.size, decoupled: this.decoupled ? 1 : 0, lr: this.lr, lr_t: this.lr / bc1, b1: this.beta1, b2: this.beta2,
      eps: this.eps, inv_sqrt_bc2: 1 / Math.sqrt(bc2), wd: this.weightDecay,
    }, { constants: { WG: OPTIM_WG } });
  }

  protected scalars(): Record<string, number> {
    const s: Record<string, number> = {
      beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled ? 1 : 0,
    };
    for (const [name, t] of this.steps) s[`step.${name}`] = t;
    return s;
  }

  protected setScalars(s: Record<string, number>): void {
    this.beta1 = s.beta1 ?? this.beta1;
    this.beta2 = s.beta2 ?? this.beta2;
    this.eps = s.eps ?? this.eps;
    this.weightDecay = s.weightDecay ?? this.weightDecay;
    this.decoupled = s.decoupled !== undefined ? s.decoupled !== 0 : this.decoupled;
    this.validate();
    this.steps.clear();
    for (const [k, v] of Object.entries(s)) if (k.startsWith('step.')) this.steps.set(k.slice(5), v);
  }
}
