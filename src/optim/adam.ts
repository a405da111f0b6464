/** Adam (L2 weight decay) and AdamW (decoupled weight decay) with bias correction; PyTorch semantics, one multi-tensor dispatch per step. */
import { Optimizer, checkHyper, type ArenaEntry, type ParamGroup, type ParamList } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly (param *= 1 − lr·wd) instead of adding wd·param to the gradient. */
  decoupled?: boolean;
}

export type AdamHyper = Required<AdamOptions>;

/** Throw a RangeError naming the hyper-parameter that is out of range. */
function validateAdam(h: AdamHyper): void {
  checkHyper('Adam', 'lr', h.lr, 0, Infinity);
  checkHyper('Adam', 'beta1', h.beta1, 0, 1, true);
  checkHyper('Adam', 'beta2', h.beta2, 0, 1, true);
  checkHyper('Adam', 'weightDecay', h.weightDecay, 0, Infinity);
  if (!(h.eps > 0) || !Number.isFinite(h.eps)) throw new RangeError(`Adam: eps must be > 0, got ${h.eps}`);
}

export class Adam extends Optimizer<AdamHyper> {
  /** `params`: one list, or parameter groups whose `options` override `opts` (e.g. their own lr). Each parameter counts its own steps. */
  constructor(params: ParamList | readonly ParamGroup<AdamOptions>[], opts: AdamOptions) {
    super('Adam', params, {
      lr: opts.lr, beta1: opts.beta1 ?? 0.9, beta2: opts.beta2 ?? 0.999, eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0, decoupled: opts.decoupled ?? false,
    }, ['m', 'v'], 'adam', { validate: validateAdam });
  }

  /** Flag 1: decoupled; then lr, lr_t, b1, b2, eps, inv_sqrt_bc2, wd (bias corrections in float64 from this tensor's step count). */
  protected fillRow(u: Uint32Array, f: Float32Array, at: number, e: ArenaEntry, h: AdamHyper): boolean {
    const bc1 = 1 - h.beta1 ** e.steps;
    const bc2 = 1 - h.beta2 ** e.steps;
    u[at + 3] = h.decoupled ? 1 : 0;
    f.set([h.lr, h.lr / bc1, h.beta1, h.beta2, h.eps, 1 / Math.sqrt(bc2), h.weightDecay], at + 4);
    return true;
  }

  protected hyperScalars(h: AdamHyper): Record<string, number> {
    return { beta1: h.beta1, beta2: h.beta2, eps: h.eps, weightDecay: h.weightDecay, decoupled: h.decoupled ? 1 : 0 };
  }

  protected hyperFromScalars(h: AdamHyper, s: Record<string, number>): AdamHyper {
    return {
      lr: h.lr, beta1: s.beta1 ?? h.beta1, beta2: s.beta2 ?? h.beta2, eps: s.eps ?? h.eps, weightDecay: s.weightDecay ?? h.weightDecay,
      decoupled: s.decoupled !== undefined ? s.decoupled !== 0 : h.decoupled,
    };
  }
}
