/**
 * A model's optimiser: ONE SGD or Adam with a parameter group per net (image, text, label, …), each with
 * its own base learning rate, so a step that updates several nets is one dispatch. It also owns the
 * checkpoint layout: each group saves its scalars under its `key` and its state tensors as
 * `<prefix><param>.<slot>`, the names the earlier one-optimiser-per-net models wrote, so their
 * checkpoints load and resume unchanged.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Module } from '../../nn/module.js';
import { Adam, type AdamOptions } from '../../optim/adam.js';
import { SGD, type SGDOptions } from '../../optim/sgd.js';
import type { Optimizer, ParamList } from '../../optim/optimizer.js';

export interface ModelGroup {
  /** Group name, used by step()/zeroGrad() and as the JSON key of its scalars. */
  name: string;
  /** Prefix of its state tensors in the checkpoint. */
  prefix: string;
  base: number;
  params: ParamList;
  /** Hyper-parameters of this group other than lr that differ from the optimiser's (e.g. its own weight decay). */
  options?: { weightDecay?: number };
}

/** The parameters of several modules, named as Module.namedParameters() does (optionally `<i>.` per module). */
export function moduleParams(mods: readonly Module[], indexPrefix = false): ParamList {
  return mods.flatMap((m, i) => m.namedParameters(indexPrefix ? `${i}.` : undefined));
}

export class ModelOptimizer {
  readonly opt: Optimizer;
  private readonly groups: readonly ModelGroup[];

  private constructor(groups: readonly ModelGroup[], make: (spec: { name: string; params: ParamList; options: { lr: number; weightDecay?: number } }[]) => Optimizer) {
    this.groups = groups;
    this.opt = make(groups.map((g) => ({ name: g.name, params: g.params, options: { ...g.options, lr: g.base } })));
  }

  static sgd(groups: readonly ModelGroup[], opts: Omit<SGDOptions, 'lr'>): ModelOptimizer {
    return new ModelOptimizer(groups, (spec) => new SGD(spec, { lr: 0, ...opts }));
  }

  static adam(groups: readonly ModelGroup[], opts: Omit<AdamOptions, 'lr'>): ModelOptimizer {
    return new ModelOptimizer(groups, (spec) => new Adam(spec, { lr: 0, ...opts }));
  }

  /** Update the named groups (one dispatch). */
  step(...names: string[]): void {
    this.opt.step(names);
  }

  /** Free every group's gradients. */
  zeroGrad(): void {
    this.opt.zeroGrad();
  }

  lr(name: string): number {
    return this.opt.group(name).hyper.lr;
  }

  /** Set every group's learning rate to its base × each factor in turn (schedules: base × scale × epoch factor). */
  setScale(...factors: number[]): void {
    for (const g of this.groups) this.opt.setLr(g.name, factors.reduce((lr, f) => lr * f, g.base));
  }

  /** Scalars per group key and the state tensors under their checkpoint names (read them; do not dispose). */
  getState(): { scalars: Record<string, Record<string, number>>; tensors: Map<string, Tensor> } {
    const scalars: Record<string, Record<string, number>> = {};
    const tensors = new Map<string, Tensor>();
    for (const g of this.groups) {
      const s = this.opt.getState(g.name);
      scalars[g.name] = s.scalars;
      for (const [k, t] of Object.entries(s.tensors)) tensors.set(`${g.prefix}${k}`, t);
    }
    return { scalars, tensors };
  }

  /** Restore from getState()'s scalars (a group missing there keeps its hyper-parameters) and a checkpoint's tensors. */
  setState(scalars: Readonly<Record<string, Record<string, number> | undefined>>, tensors: ReadonlyMap<string, Tensor>): void {
    for (const g of this.groups) {
      const mine = Object.fromEntries([...tensors].filter(([k]) => k.startsWith(g.prefix)).map(([k, t]) => [k.slice(g.prefix.length), t]));
      this.opt.setState({ scalars: scalars[g.name] ?? {}, tensors: mine }, g.name);
    }
  }

  dispose(): void {
    this.opt.dispose();
  }
}
