/**
 * Module: named parameters with stable dotted names (registration order, children recursively),
 * train/eval mode, state dicts. Parameters are kept out of tidy() scopes; dispose() frees them.
 */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { requireGrad } from '../autograd/tape.js';
import { fromArray } from '../ops/elementwise.js';
import { Rng } from '../util/rng.js';

/** Host copy of one parameter, for checkpoints and weight files. */
export interface ParamData {
  shape: number[];
  data: Float32Array;
}

/** Initialisation options shared by layers with parameters. */
export interface InitOptions {
  /** Seeded generator the initial weights are drawn from (training reproduces from the seed). */
  rng: Rng;
}

export function checkRng(op: string, o: { rng?: unknown } | undefined): Rng {
  if (!o || !(o.rng instanceof Rng)) throw new CmhashError(`${op}: options.rng must be a seeded Rng (new Rng(seed)) for reproducible initialisation`);
  return o.rng;
}

export function checkDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** A parameter tensor drawn uniformly from [−bound, bound): kept (scopes never free it) and requiring grad. */
export function uniformParam(rt: Runtime, rng: Rng, shape: number[], bound: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-bound, bound);
  return requireGrad(keep(fromArray(rt, data, shape, 'f32')));
}

export abstract class Module {
  /** Training mode (dropout active). Set with train()/eval(). */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  private checkName(kind: string, name: string): void {
    if (!name || name.includes('.')) throw new CmhashError(`${this.constructor.name}: ${kind} name '${name}' must be non-empty and contain no '.'`);
    if (this.ownParams.has(name) || this.children.has(name)) throw new CmhashError(`${this.constructor.name}: ${kind} name '${name}' is already registered`);
  }

  /** Register a parameter (kept out of scopes, marked requiresGrad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName('parameter', name);
    if (t.dtype !== 'f32') throw new CmhashError(`${this.constructor.name}: parameter ${name} must be f32, got ${t.dtype}`);
    this.ownParams.set(name, requireGrad(keep(t)));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('child', name);
    if (!(m instanceof Module)) throw new CmhashError(`${this.constructor.name}: child ${name} is not a Module`);
    this.children.set(name, m);
    return m;
  }

  /** [dotted name, tensor] for every parameter, own first (registration order), then children's. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Set training mode here and in every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Host copies of every parameter by dotted name (one submit for all). */
  async stateDict(): Promise<Record<string, ParamData>> {
    const named = this.namedParameters();
    const rt = named[0]?.[1].runtime;
    if (!rt) return {};
    const bufs = await rt.readMany(named.map(([, t]) => ({ buffer: t.buffer, bytes: t.byteLength })));
    return Object.fromEntries(named.map(([n, t], i) => [n, { shape: [...t.shape], data: new Float32Array(bufs[i]!) }]));
  }

  /** Overwrite parameters from a state dict (shapes must match; strict: every name both ways). */
  loadStateDict(state: Record<string, ParamData>, strict = true): void {
    const named = new Map(this.namedParameters());
    if (strict) {
      const missing = [...named.keys()].filter((n) => !(n in state));
      const extra = Object.keys(state).filter((n) => !named.has(n));
      if (missing.length || extra.length) {
        throw new CmhashError(`loadStateDict: missing parameters [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
      }
    }
    for (const [n, { shape, data }] of Object.entries(state)) {
      const t = named.get(n);
      if (!t) continue;
      if (shape.length !== t.rank || shape.some((d, i) => d !== t.shape[i]) || data.length !== t.size) {
        throw new ShapeError(`loadStateDict: ${n} has shape ${fmtShape(shape)} (${data.length} values), the parameter has ${fmtShape(t.shape)}`);
      }
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) throw new CmhashError(`loadStateDict: ${n}[${i}] is ${data[i]}; weights must be finite`);
      }
      if (t.size > 0) t.runtime.write(t.buffer, data instanceof Float32Array ? data : Float32Array.from(data));
    }
  }

  /** Free every parameter (and its gradient) here and in every descendant. */
  dispose(): void {
    for (const t of this.ownParams.values()) t.dispose();
    for (const m of this.children.values()) m.dispose();
  }
}
