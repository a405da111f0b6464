/** SGD with momentum, dampening, Nesterov and (L2) weight decay; PyTorch semantics, in-place kernels. */
import type { Tensor } from '../tensor/tensor.js';
import { launch } from '../ops/launch.js';
import { OPTIM_WG, Optimizer, checkHyper, type ParamList } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;

  constructor(params: ParamList, opts: SGDOptions) {
    super('SGD', params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.validate();
  }

  private validate(): void {
    checkHyper('SGD', 'momentum', this.momentum, 0, 1, true);
    checkHyper('SGD', 'dampening', this.dampening, 0, 1);
    checkHyper('SGD', 'weightDecay', this.weightDecay, 0, Infinity);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(`SGD: nesterov needs momentum > 0 and dampening 0 (momentum ${this.momentum}, dampening ${this.dampening})`);
    }
  }

  protected update(name: string, param: Tensor, grad: Tensor): void {
    const u = { n: param.size, nesterov: this.nesterov ? 1 : 0, first: 0, lr: this.lr, momentum: this.momentum, dampening: this.dampening, wd: this.weightDecay };
    const constants = { WG: OPTIM_WG };
    if (this.momentum === 0) {
      launch(this.rt, 'sgd', [param.buffer, grad.buffer], u, { entry: 'plain', constants });
      return;
    }
    const first = !this.hasSlot(name, 'velocity');
    const v = this.slot(name, param, 'velocity');
    launch(this.rt, 'sgd', [param.buffer, grad.buffer, v.buffer], { ...u, first: first ? 1 : 0 }, { constants });
  }

  protected scalars(): Record<string, number> {
    return { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov ? 1 : 0 };
  }

  protected setScalars(s: Record<string, number>): void {
    this.momentum = s.momentum ?? this.momentum;
    this.dampening = s.dampening ?? this.dampening;
    this.weightDecay = s.weightDecay ?? this.weightDecay;
    this.nesterov = s.nesterov !== undefined ? s.nesterov !== 0 : this.nesterov;
    this.validate();
  }
}
