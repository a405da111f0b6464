/**
 * Optimizer base: a list of parameters (Tensors, optionally named), in-place update kernels, lazily
 * created per-parameter state tensors, and exact checkpointing through getState()/setState().
 */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { shapesEqual } from '../tensor/shape.js';
import { zeroGrad } from '../autograd/tape.js';
import { full } from '../ops/elementwise.js';

/** Parameters as plain tensors (named p0, p1, … by position) or as [name, tensor] pairs (e.g. Module.namedParameters()). */
export type ParamList = readonly Tensor[] | readonly (readonly [string, Tensor])[];

/** A checkpointable optimizer state: JSON scalars plus named state tensors (owned by the optimizer). */
export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: Record<string, Tensor>;
}

export const OPTIM_WG = 256;

export function checkHyper(op: string, name: string, v: number, lo: number, hi: number, hiOpen = false): void {
  if (!Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new RangeError(`${op}: ${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
}

export abstract class Optimizer {
  readonly params: readonly { name: string; tensor: Tensor }[];
  /** Learning rate; settable between steps (schedules). */
  lr: number;
  protected readonly slots = new Map<string, Tensor>();
  protected readonly rt: Runtime;

  constructor(readonly kind: string, params: ParamList, lr: number) {
    const list = params.map((p, i) => (p instanceof Tensor ? { name: `p${i}`, tensor: p } : { name: p[0], tensor: p[1] }));
    if (list.length === 0) throw new CmhashError(`${kind}: the parameter list is empty`);
    const names = new Set<string>();
    for (const { name, tensor } of list) {
      if (!(tensor instanceof Tensor)) throw new CmhashError(`${kind}: parameter ${name} is not a Tensor`);
      tensor.assertLive(`${kind}(${name})`);
      if (tensor.dtype !== 'f32') throw new CmhashError(`${kind}: parameter ${name} ${fmtShape(tensor.shape)} has dtype ${tensor.dtype}, expected f32`);
      if (names.has(name)) throw new CmhashError(`${kind}: duplicate parameter name ${name}`);
      names.add(name);
    }
    if (list.some((p) => p.tensor.runtime !== list[0]!.tensor.runtime)) throw new CmhashError(`${kind}: parameters live on different runtimes`);
    this.params = list;
    this.rt = list[0]!.tensor.runtime;
    checkHyper(kind, 'lr', lr, 0, Infinity);
    this.lr = lr;
  }

  /** Apply one update to every parameter that has a gradient (in place). */
  step(): void {
    checkHyper(this.kind, 'lr', this.lr, 0, Infinity);
    for (const { name, tensor } of this.params) {
      const g = tensor.grad;
      if (!g) continue;
      if (!shapesEqual(g.shape, tensor.shape)) {
        throw new ShapeError(`${this.kind}: gradient of ${name} has shape ${fmtShape(g.shape)}, parameter has ${fmtShape(tensor.shape)}`);
      }
      if (tensor.size > 0) this.update(name, tensor, g);
    }
  }

  protected abstract update(name: string, param: Tensor, grad: Tensor): void;

  /** Hyper-parameters and counters, as JSON scalars. */
  protected abstract scalars(): Record<string, number>;
  protected abstract setScalars(s: Record<string, number>): void;

  /** Free every parameter's gradient. */
  zeroGrad(): void {
    zeroGrad(this.params.map((p) => p.tensor));
  }

  /** A state tensor for (param, slot), created as zeros (kept out of scopes) on first use. */
  protected slot(name: string, param: Tensor, slot: string): Tensor {
    const key = `${name}.${slot}`;
    let t = this.slots.get(key);
    if (!t) {
      t = keep(full(this.rt, param.shape, 0));
      this.slots.set(key, t);
    }
    return t;
  }

  protected hasSlot(name: string, slot: string): boolean {
    return this.slots.has(`${name}.${slot}`);
  }

  /** Scalars and the live state tensors (`<param>.<slot>`); read them to checkpoint, do not dispose them. */
  getState(): OptimizerState {
    return { scalars: { ...this.scalars(), lr: this.lr }, tensors: Object.fromEntries(this.slots) };
  }

  /** Restore a state from getState() (possibly of another optimizer instance): copies the tensors' data. */
  setState(state: OptimizerState): void {
    const byName = new Map(this.params.map((p) => [p.name, p.tensor]));
    for (const [key, src] of Object.entries(state.tensors)) {
      const dot = key.lastIndexOf('.');
      const param = byName.get(key.slice(0, dot));
      if (dot < 0 || !param) throw new CmhashError(`${this.kind}.setState: state tensor ${key} names no parameter of this optimizer`);
      if (!shapesEqual(src.shape, param.shape)) {
        throw new ShapeError(`${this.kind}.setState: state tensor ${key} has shape ${fmtShape(src.shape)}, parameter has ${fmtShape(param.shape)}`);
      }
      src.assertLive(`${this.kind}.setState(${key})`);
      const dst = this.slot(key.slice(0, dot), param, key.slice(dot + 1));
      if (dst !== src && src.size > 0) this.rt.copy(src.buffer, 0, dst.buffer, 0, src.byteLength);
    }
    for (const key of [...this.slots.keys()]) {
      if (!(key in state.tensors)) {
        this.slots.get(key)!.dispose();
        this.slots.delete(key);
      }
    }
    const { lr, ...rest } = state.scalars;
    if (lr !== undefined) this.lr = lr;
    this.setScalars(rest);
  }

  /** Free the state tensors (parameters stay). */
  dispose(): void {
    for (const t of this.slots.values()) t.dispose();
    this.slots.clear();
  }
}
