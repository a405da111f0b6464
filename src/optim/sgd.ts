/** SGD with momentum, dampening, Nesterov and (L2) weight decay; PyTorch semantics, one multi-tensor dispatch per step. */
import { Optimizer, checkHyper, type ArenaEntry, type ParamGroup, type ParamList } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export type SGDHyper = Required<SGDOptions>;

/** Throw a RangeError naming the hyper-parameter that is out of range. */
function validateSGD(h: SGDHyper): void {
  checkHyper('SGD', 'lr', h.lr, 0, Infinity);
  checkHyper('SGD', 'momentum', h.momentum, 0, 1, true);
  checkHyper('SGD', 'dampening', h.dampening, 0, 1);
  checkHyper('SGD', 'weightDecay', h.weightDecay, 0, Infinity);
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new RangeError(`SGD: nesterov needs momentum > 0 and dampening 0 (momentum ${h.momentum}, dampening ${h.dampening})`);
  }
}

export class SGD extends Optimizer<SGDHyper> {
  /** `params`: one list, or parameter groups whose `options` override `opts` (e.g. their own lr). */
  constructor(params: ParamList | readonly ParamGroup<SGDOptions>[], opts: SGDOptions) {
    super('SGD', params, { lr: opts.lr, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0, weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ?? false }, ['velocity'], 'sgd', { validate: validateSGD });
  }

  /** Flags: 1 first step (v = g'), 2 no momentum, 4 Nesterov; then lr, momentum, dampening, wd. */
  protected fillRow(u: Uint32Array, f: Float32Array, at: number, e: ArenaEntry, h: SGDHyper): boolean {
    const plain = h.momentum === 0;
    u[at + 3] = (!plain && !e.initialised ? 1 : 0) | (plain ? 2 : 0) | (h.nesterov ? 4 : 0);
    f[at + 4] = h.lr;
    f[at + 5] = h.momentum;
    f[at + 6] = h.dampening;
    f[at + 7] = h.weightDecay;
    return !plain;
  }

  protected hyperScalars(h: SGDHyper): Record<string, number> {
    return { momentum: h.momentum, dampening: h.dampening, weightDecay: h.weightDecay, nesterov: h.nesterov ? 1 : 0 };
  }

  protected hyperFromScalars(h: SGDHyper, s: Record<string, number>): SGDHyper {
    return {
      lr: h.lr, momentum: s.momentum ?? h.momentum, dampening: s.dampening ?? h.dampening, weightDecay: s.weightDecay ?? h.weightDecay,
      nesterov: s.nesterov !== undefined ? s.nesterov !== 0 : h.nesterov,
    };
  }
}
