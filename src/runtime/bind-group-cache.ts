/**
 * Bind groups cached by what they bind: the pipeline, and each binding's buffer, offset and size. A
 * training step records the same dispatches over the same pooled buffers (the pool hands buffers out
 * deterministically) and the same uniform-arena slots every step, so from the second step on nearly
 * every bind group is a hit, and the step skips Dawn's createBindGroup (and getBindGroupLayout) for it.
 *
 * The key is numeric (a hash over small integer ids, checked entry by entry), so a lookup allocates
 * nothing. Buffers and pipelines get their ids from WeakMaps, so a buffer object never seen before can
 * never hit an old entry. A pooled buffer keeps its id while it is released and reused (its groups stay
 * valid: they bind the same GPU buffer); when the pool destroys a buffer, forget() drops every group
 * that binds it. The table is cleared after `max` creations (one step of the largest model needs ≈ 700).
 */
interface Slot {
  /** [pipeline id, first binding, then buffer id, offset, size (−1: to the end) per entry; a texture view: its id, −1, −2]. */
  key: number[];
  group: GPUBindGroup;
  dead: boolean;
}

export interface BindGroupCacheStats {
  hits: number;
  misses: number;
  /** Groups in the table now. */
  size: number;
  /** Groups dropped because a buffer they bind was destroyed. */
  forgotten: number;
}

export class BindGroupCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly buckets = new Map<number, Slot[]>();
  /** The slots that bind each buffer id (for forget()). */
  private readonly byBuffer = new Map<number, Slot[]>();
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private readonly scratch: number[] = [];
  private created = 0;
  private size = 0;
  hits = 0;
  misses = 0;
  forgotten = 0;

  constructor(private readonly device: GPUDevice, private readonly max = 8192) {}

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  /** The bind group of `pipeline` with `entries` bound at bindings `first`, `first` + 1, … in order. */
  get(pipeline: GPUComputePipeline, entries: readonly (GPUBufferBinding | GPUTextureView)[], first: number): GPUBindGroup {
    const k = this.scratch;
    const n = 2 + 3 * entries.length;
    k.length = n;
    k[0] = this.id(pipeline);
    k[1] = first;
    for (let i = 0, j = 2; i < entries.length; i++, j += 3) {
      const e = entries[i]!;
      if (!('buffer' in e)) {
        k[j] = this.id(e);
        k[j + 1] = -1;
        k[j + 2] = -2;
        continue;
      }
      k[j] = this.id(e.buffer);
      k[j + 1] = e.offset ?? 0;
      k[j + 2] = e.size ?? -1;
    }
    const h = hashOf(k);
    let bucket = this.buckets.get(h);
    if (bucket) {
      outer: for (const s of bucket) {
        const sk = s.key;
        if (sk.length !== n) continue;
        for (let i = 0; i < n; i++) if (sk[i] !== k[i]) continue outer;
        this.hits++;
        return s.group;
      }
    }
    this.misses++;
    let layout = this.layouts.get(pipeline);
    if (!layout) {
      layout = pipeline.getBindGroupLayout(0);
      this.layouts.set(pipeline, layout);
    }
    const group = this.device.createBindGroup({ layout, entries: entries.map((resource, i) => ({ binding: first + i, resource })) });
    if (this.created >= this.max) {
      this.clear();
      bucket = undefined;
    }
    const slot: Slot = { key: k.slice(), group, dead: false };
    if (!bucket) this.buckets.set(h, (bucket = []));
    bucket.push(slot);
    for (let j = 2; j < n; j += 3) {
      const list = this.byBuffer.get(k[j]!);
      if (list) list.push(slot);
      else this.byBuffer.set(k[j]!, [slot]);
    }
    this.created++;
    this.size++;
    return group;
  }

  /** Drop every group that binds `buffer` (called when the pool destroys it). */
  forget(buffer: GPUBuffer): void {
    const id = this.ids.get(buffer);
    if (id === undefined) return;
    const slots = this.byBuffer.get(id);
    if (!slots) return;
    this.byBuffer.delete(id);
    for (const s of slots) {
      if (s.dead) continue;
      s.dead = true;
      this.size--;
      this.forgotten++;
      // Its bucket: recompute the hash from the stored key.
      const h = hashOf(s.key);
      const bucket = this.buckets.get(h);
      if (!bucket) continue;
      const i = bucket.indexOf(s);
      if (i >= 0) bucket.splice(i, 1);
      if (bucket.length === 0) this.buckets.delete(h);
    }
  }

  /** Drop every cached group. */
  clear(): void {
    this.buckets.clear();
    this.byBuffer.clear();
    this.created = 0;
    this.size = 0;
  }

  stats(): BindGroupCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.size, forgotten: this.forgotten };
  }
}

/** A 32-bit hash of a key (get() looks it up, forget() finds a slot's bucket with it). */
function hashOf(k: readonly number[]): number {
  let h = Math.imul(k[0]!, 0x9e3779b1) ^ k[1]!;
  for (let j = 2; j < k.length; j += 3) {
    h = Math.imul(h ^ k[j]!, 0x85ebca6b) ^ k[j + 1]!;
    h = Math.imul(h, 0xc2b2ae35) ^ k[j + 2]!;
  }
  return h;
}
