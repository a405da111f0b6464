/**
 * Optimizer base: parameter groups (each with its own hyper-parameters, e.g. the image and the text net's
 * learning rates), updated in place by ONE multi-tensor dispatch per step.
 *
 * At construction the parameters move into an arena: one GPU buffer holding every parameter of the
 * optimiser, each tensor a 256-byte-aligned range (the tensor objects stay the same; kernels bind their
 * range). Gradients and the per-parameter state (SGD velocity, Adam moments) live in arenas with the same
 * layout, so the update kernel sees all tensors through four or five bindings and a small table (one row
 * per tensor: where it lies, its flags and hyper-parameters; kernels/optim_table.wgsl). backward() copies
 * each parameter's first gradient straight into its range of the gradient arena (Tensor.gradSlot); any
 * other gradient (a hand-set .grad, accumulated backward calls) is copied in at step().
 *
 * Checkpoints are per group and keep the per-tensor format of the earlier per-tensor optimisers: scalars
 * plus `<param>.<slot>` tensors, a slot only once its parameter has been updated.
 */
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { Storage, Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { shapesEqual } from '../tensor/shape.js';
import { zeroGrad } from '../autograd/tape.js';
import { launch } from '../ops/launch.js';

/** Parameters as plain tensors (named p0, p1, … by position) or as [name, tensor] pairs (e.g. Module.namedParameters()). */
export type ParamList = readonly Tensor[] | readonly (readonly [string, Tensor])[];

/** A parameter group: its name, its parameters and the hyper-parameters it overrides. */
export interface ParamGroup<O> {
  name: string;
  params: ParamList;
  options?: Partial<O>;
}

/** A checkpointable optimizer state: JSON scalars plus named state tensors (owned by the optimizer). */
export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: Record<string, Tensor>;
}

export const OPTIM_WG = 256;
/**
 * vec4s per invocation (kernels/optim_table.wgsl: VPI): a workgroup covers OPTIM_WG × OPTIM_VPI vec4s.
 * A/B on lavapipe (16 JSGHCA-sized tensors, SGD with momentum, ms per step): VPI 1: 8.5, 2: 6.0, 4: 4.8,
 * 8: 4.0, 16: 3.9, 32: 4.7; Adam 10.6, 10.4, 8.4, 5.7, 6.4, 5.2.
 */
export const OPTIM_VPI = 8;
/** Words per table row (kernels/optim_table.wgsl: ROW). */
export const OPTIM_ROW = 12;
/** Arena slots start at multiples of this (WebGPU's largest minStorageBufferOffsetAlignment). */
const SLOT_ALIGN = 256;

export function checkHyper(op: string, name: string, v: number, lo: number, hi: number, hiOpen = false): void {
  if (!Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new RangeError(`${op}: ${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
}

/** One parameter in an arena. */
export interface ArenaEntry {
  readonly name: string;
  readonly tensor: Tensor;
  readonly group: number;
  readonly chunk: Chunk;
  /** Byte offset of this tensor's slot in every arena of its chunk. */
  readonly offset: number;
  /** The tensor's range of the parameter arena (to notice a parameter moved elsewhere). */
  readonly storage: Storage;
  /** Its range of the gradient arena (backward copies the first gradient here). */
  readonly gradSlot: Tensor;
  /** Its state tensors (views of the state arenas), by slot name. */
  readonly state: Record<string, Tensor>;
  /** Whether its state exists (it has been updated, or restored): checkpoints hold only those. */
  initialised: boolean;
  /** Updates applied (Adam's bias correction). */
  steps: number;
}

/** Arenas of at most maxStorageBufferBindingSize bytes; one dispatch each. */
interface Chunk {
  bytes: number;
  params: Storage;
  grads: Storage;
  state: Storage[];
}

/** Throws a RangeError naming the hyper-parameter that is out of range (method syntax: checked bivariantly). */
export interface HyperCheck<H> {
  validate(h: H): void;
}

export abstract class Optimizer<H extends { lr: number } = { lr: number }> {
  readonly groups: readonly { readonly name: string; hyper: H; readonly entries: readonly ArenaEntry[] }[];
  protected readonly rt: Runtime;
  private readonly chunks: Chunk[] = [];
  private disposed = false;

  /**
   * `params`: one group (named 'default') or several groups; `defaults`: the hyper-parameters of every
   * group unless its `options` override them. `slots`: the state arenas the kernel binds after the
   * gradients (SGD: velocity; Adam: m, v); `kernel`: the multi-tensor kernel.
   */
  constructor(
    readonly kind: string, params: ParamList | readonly ParamGroup<H>[], defaults: H,
    private readonly slots: readonly string[], private readonly kernel: 'sgd' | 'adam',
    // Passed in, not an overridable method: the constructor checks every group before a subclass exists.
    private readonly hyperCheck: HyperCheck<H>,
  ) {
    const specs: readonly ParamGroup<H>[] = isGroupList(params) ? params : [{ name: 'default', params }];
    if (specs.length === 0) throw new CmhashError(`${kind}: no parameter groups`);
    const groupNames = new Set<string>();
    const lists = specs.map((g) => {
      if (groupNames.has(g.name)) throw new CmhashError(`${kind}: duplicate parameter group ${g.name}`);
      groupNames.add(g.name);
      return normalise(kind, g.params, specs.length > 1 ? `group ${g.name}: ` : '');
    });
    const all = lists.flat();
    if (all.length === 0) throw new CmhashError(`${kind}: the parameter list is empty`);
    const seen = new Set<Tensor>();
    for (const p of all) {
      if (seen.has(p.tensor)) throw new CmhashError(`${kind}: parameter ${p.name} appears twice`);
      seen.add(p.tensor);
    }
    this.rt = all[0]!.tensor.runtime;
    if (all.some((p) => p.tensor.runtime !== this.rt)) throw new CmhashError(`${kind}: parameters live on different runtimes`);
    const groups = specs.map((g) => ({ name: g.name, hyper: { ...defaults, ...g.options } as H, entries: [] as ArenaEntry[] }));
    for (const g of groups) this.hyperCheck.validate(g.hyper);
    this.groups = groups;
    this.buildArenas(lists, groups);
  }

  /**
   * Fill a table row's flags (word 3) and hyper-parameters (words 4…) for one update of `e` (its `steps`
   * already counts this update). Returns whether `e` has state after the update (SGD without momentum has none).
   */
  protected abstract fillRow(u: Uint32Array, f: Float32Array, at: number, e: ArenaEntry, h: H): boolean;
  /** Hyper-parameters as JSON scalars (lr excluded), and back. */
  protected abstract hyperScalars(h: H): Record<string, number>;
  protected abstract hyperFromScalars(h: H, s: Record<string, number>): H;

  private buildArenas(lists: readonly { name: string; tensor: Tensor }[][], groups: { entries: ArenaEntry[] }[]): void {
    const limit = Math.min(this.rt.limits.maxStorageBufferBindingSize, this.rt.limits.maxBufferSize);
    // Place every non-empty parameter; start a new chunk when the current one would pass the binding limit.
    const placed: { name: string; tensor: Tensor; group: number; chunk: number; offset: number }[] = [];
    const sizes: number[] = [];
    lists.forEach((list, group) => {
      for (const { name, tensor } of list) {
        if (tensor.size === 0) continue;
        const bytes = Math.ceil(tensor.byteLength / SLOT_ALIGN) * SLOT_ALIGN;
        if (sizes.length === 0 || sizes[sizes.length - 1]! + bytes > limit) sizes.push(0);
        placed.push({ name, tensor, group, chunk: sizes.length - 1, offset: sizes[sizes.length - 1]! });
        sizes[sizes.length - 1]! += bytes;
      }
    });
    for (const bytes of sizes) {
      const arena = (label: string): Storage => new Storage(this.rt, this.rt.createStorage(bytes, `${this.kind} ${label} arena`), bytes);
      const state = this.slots.map((s) => arena(s));
      // State starts at zero (Adam's moments; SGD's first step overwrites the velocity anyway).
      for (const s of state) this.rt.fillWords(s.buffer, bytes / 4, 0);
      this.chunks.push({ bytes, params: arena('parameter'), grads: arena('gradient'), state });
    }
    for (const p of placed) {
      const chunk = this.chunks[p.chunk]!;
      const bytes = p.tensor.byteLength;
      const view = (s: Storage): Tensor => keep(new Tensor(s.slice(p.offset, bytes), p.tensor.shape, 'f32'));
      p.tensor.moveTo(chunk.params.slice(p.offset, bytes));
      const gradSlot = view(chunk.grads);
      p.tensor.gradSlot = gradSlot;
      const state = Object.fromEntries(this.slots.map((s, i) => [s, view(chunk.state[i]!)]));
      groups[p.group]!.entries.push({
        name: p.name, tensor: p.tensor, group: p.group, chunk, offset: p.offset, storage: p.tensor.storage, gradSlot, state, initialised: false, steps: 0,
      });
    }
  }

  /** Learning rate of the only group; settable between steps (schedules). With several groups use setLr(). */
  get lr(): number {
    return this.single('lr').hyper.lr;
  }

  set lr(v: number) {
    this.single('lr').hyper.lr = v;
  }

  private single(what: string): (typeof this.groups)[number] {
    if (this.groups.length !== 1) throw new CmhashError(`${this.kind}.${what}: this optimiser has ${this.groups.length} parameter groups (${this.groups.map((g) => g.name).join(', ')}); name one`);
    return this.groups[0]!;
  }

  group(name: string): (typeof this.groups)[number] {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new CmhashError(`${this.kind}: no parameter group ${name} (groups: ${this.groups.map((x) => x.name).join(', ')})`);
    return g;
  }

  setLr(group: string, lr: number): void {
    this.group(group).hyper.lr = lr;
  }

  /** Every parameter, group by group. */
  get params(): readonly { name: string; tensor: Tensor }[] {
    return this.groups.flatMap((g) => g.entries.map((e) => ({ name: e.name, tensor: e.tensor })));
  }

  /**
   * Apply one update to every parameter (of the named groups; default all) that has a gradient, in
   * place: one dispatch per arena chunk (one for any model whose parameters fit one storage binding).
   */
  step(groups?: readonly string[]): void {
    this.assertLive('step');
    const chosen = groups ? groups.map((n) => this.group(n)) : this.groups;
    for (const g of chosen) {
      checkHyper(this.kind, 'lr', g.hyper.lr, 0, Infinity);
      this.hyperCheck.validate(g.hyper);
    }
    const work = new Map<Chunk, { e: ArenaEntry; h: H }[]>();
    for (const g of chosen) {
      for (const e of g.entries) {
        const grad = e.tensor.grad;
        if (!grad) continue;
        if (!shapesEqual(grad.shape, e.tensor.shape)) {
          throw new ShapeError(`${this.kind}: gradient of ${e.name} has shape ${fmtShape(grad.shape)}, parameter has ${fmtShape(e.tensor.shape)}`);
        }
        if (e.tensor.storage !== e.storage) {
          throw new CmhashError(`${this.kind}: parameter ${e.name} no longer lives in this optimiser's arena (another optimiser took it); build one optimiser per parameter`);
        }
        if (grad.gpuBuffer !== e.gradSlot.gpuBuffer || grad.byteOffset !== e.gradSlot.byteOffset) this.rt.copy(grad.buffer, 0, e.gradSlot.buffer, 0, e.tensor.byteLength);
        let list = work.get(e.chunk);
        if (!list) work.set(e.chunk, (list = []));
        list.push({ e, h: g.hyper });
      }
    }
    for (const [chunk, list] of work) this.dispatch(chunk, list);
  }

  private dispatch(chunk: Chunk, list: readonly { e: ArenaEntry; h: H }[]): void {
    const u = new Uint32Array(list.length * OPTIM_ROW);
    const f = new Float32Array(u.buffer);
    let wg = 0;
    list.forEach(({ e, h }, i) => {
      const at = i * OPTIM_ROW;
      const vec4s = Math.ceil(e.tensor.size / 4);
      u[at] = wg;
      u[at + 1] = e.offset / 16;
      u[at + 2] = vec4s;
      e.steps++;
      e.initialised = this.fillRow(u, f, at, e, h);
      wg += Math.ceil(vec4s / (OPTIM_WG * OPTIM_VPI));
    });
    const table = this.rt.stage(u);
    launch(this.rt, this.kernel, [chunk.params.binding, chunk.grads.binding, ...chunk.state.map((s) => s.binding), table], { rows: list.length, invocations: wg * OPTIM_WG }, { constants: { WG: OPTIM_WG, VPI: OPTIM_VPI } });
  }

  /** Free every parameter's gradient (of the named groups; default all). */
  zeroGrad(groups?: readonly string[]): void {
    const chosen = groups ? groups.map((n) => this.group(n)) : this.groups;
    zeroGrad(chosen.flatMap((g) => g.entries.map((e) => e.tensor)));
  }

  /** A group's scalars and the state tensors of its updated parameters (`<param>.<slot>`); read them, do not dispose them. */
  getState(group?: string): OptimizerState {
    const g = group === undefined ? this.single('getState') : this.group(group);
    const scalars: Record<string, number> = { ...this.hyperScalars(g.hyper), lr: g.hyper.lr };
    const tensors: Record<string, Tensor> = {};
    for (const e of g.entries) {
      if (!e.initialised) continue;
      if (this.kernel === 'adam') scalars[`step.${e.name}`] = e.steps;
      for (const [slot, t] of Object.entries(e.state)) tensors[`${e.name}.${slot}`] = t;
    }
    return { scalars, tensors };
  }

  /** Restore a group's state from getState() (possibly of another optimizer instance): copies the tensors' data. */
  setState(state: OptimizerState, group?: string): void {
    this.assertLive('setState');
    const g = group === undefined ? this.single('setState') : this.group(group);
    const byName = new Map(g.entries.map((e) => [e.name, e]));
    const restored = new Set<ArenaEntry>();
    for (const [key, src] of Object.entries(state.tensors)) {
      const dot = key.lastIndexOf('.');
      const e = dot < 0 ? undefined : byName.get(key.slice(0, dot));
      if (!e) throw new CmhashError(`${this.kind}.setState: state tensor ${key} names no parameter of this optimizer`);
      const dst = e.state[key.slice(dot + 1)];
      if (!dst) throw new CmhashError(`${this.kind}.setState: state tensor ${key}: ${this.kind} has no state '${key.slice(dot + 1)}' (it keeps ${this.slots.join(', ')})`);
      if (!shapesEqual(src.shape, e.tensor.shape)) {
        throw new ShapeError(`${this.kind}.setState: state tensor ${key} has shape ${fmtShape(src.shape)}, parameter has ${fmtShape(e.tensor.shape)}`);
      }
      src.assertLive(`${this.kind}.setState(${key})`);
      if (dst !== src) this.rt.copy(src.buffer, 0, dst.buffer, 0, src.byteLength);
      restored.add(e);
    }
    const { lr, ...rest } = state.scalars;
    if (lr !== undefined) g.hyper.lr = lr;
    g.hyper = this.hyperFromScalars(g.hyper, rest);
    this.hyperCheck.validate(g.hyper);
    for (const e of g.entries) {
      e.initialised = restored.has(e);
      e.steps = rest[`step.${e.name}`] ?? 0;
      // A parameter without saved state starts over: zero moments (SGD's first step ignores the velocity).
      if (!e.initialised && this.kernel === 'adam') for (const t of Object.values(e.state)) this.rt.write(t.buffer, new Float32Array(t.size));
    }
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new CmhashError(`${this.kind}.${what}: the optimiser was disposed`);
  }

  /** Free the gradient and state arenas. The parameters stay (in their arena, which they keep alive). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const g of this.groups) {
      for (const e of g.entries) {
        if (e.tensor.gradSlot === e.gradSlot) e.tensor.gradSlot = null;
        e.gradSlot.dispose();
        for (const t of Object.values(e.state)) t.dispose();
      }
    }
    for (const c of this.chunks) {
      c.params.release();
      c.grads.release();
      for (const s of c.state) s.release();
    }
    this.chunks.length = 0;
  }
}

function isGroupList<O>(p: ParamList | readonly ParamGroup<O>[]): p is readonly ParamGroup<O>[] {
  const first = p[0];
  return first !== undefined && !(first instanceof Tensor) && !Array.isArray(first) && 'params' in first;
}

function normalise(kind: string, params: ParamList, where: string): { name: string; tensor: Tensor }[] {
  const list = params.map((p, i) => (p instanceof Tensor ? { name: `p${i}`, tensor: p } : { name: p[0], tensor: p[1] }));
  const names = new Set<string>();
  for (const { name, tensor } of list) {
    if (!(tensor instanceof Tensor)) throw new CmhashError(`${kind}: ${where}parameter ${name} is not a Tensor`);
    tensor.assertLive(`${kind}(${name})`);
    if (tensor.dtype !== 'f32') throw new CmhashError(`${kind}: ${where}parameter ${name} ${fmtShape(tensor.shape)} has dtype ${tensor.dtype}, expected f32`);
    if (names.has(name)) throw new CmhashError(`${kind}: ${where}duplicate parameter name ${name}`);
    names.add(name);
  }
  return list;
}
