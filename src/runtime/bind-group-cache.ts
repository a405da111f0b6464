/**
 * Bind groups cached by what they bind: the pipeline, and each binding's buffer, offset and size. A
 * training step records the same dispatches over the same pooled buffers (and the same uniform-arena
 * slots) every step, so from the second step on nearly every bind group is a hit, and the step skips
 * Dawn's createBindGroup (and getBindGroupLayout) for it. Buffers and pipelines are keyed by ids held
 * in WeakMaps, so a destroyed buffer's entries can never be hit again; the table is cleared when it
 * grows past `max` entries (one step of the largest model needs ≈ 700).
 */
export class BindGroupCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  hits = 0;
  misses = 0;

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
  get(pipeline: GPUComputePipeline, entries: readonly GPUBufferBinding[], first: number): GPUBindGroup {
    let key = `${this.id(pipeline)}@${first}`;
    for (const e of entries) key += `|${this.id(e.buffer)}:${e.offset ?? 0}:${e.size ?? -1}`;
    let group = this.groups.get(key);
    if (group) {
      this.hits++;
      return group;
    }
    this.misses++;
    let layout = this.layouts.get(pipeline);
    if (!layout) {
      layout = pipeline.getBindGroupLayout(0);
      this.layouts.set(pipeline, layout);
    }
    group = this.device.createBindGroup({ layout, entries: entries.map((resource, i) => ({ binding: first + i, resource })) });
    if (this.groups.size >= this.max) this.groups.clear();
    this.groups.set(key, group);
    return group;
  }
}
