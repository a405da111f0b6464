/**
 * The WebGPU runtime: device, pipeline cache, buffer pool, one command encoder batching many
 * dispatches, and readback. It knows GPUDevice and nothing about tensors.
 */
import { KERNEL_LINE_MAPS, KERNEL_SOURCES } from '../kernels/sources.generated.js';
import { KERNELS } from '../kernels/descriptors.js';
import { layoutOf, packUniforms } from '../kernels/params.js';
import { summarizeAdapter, type AdapterSummary } from './adapter-info.js';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { AdapterError, DataError, GpuError } from './errors.js';
import { PipelineCache, specKey, type KernelSpec } from './pipeline-cache.js';
import { Profiler, type ProfileReport } from './profiler.js';
import { UniformArena } from './uniform-arena.js';
import { BindGroupCache } from './bind-group-cache.js';
import { IdleWaits, gridFingerprint, type IdleWait } from './idle-waits.js';

export type { KernelSpec } from './pipeline-cache.js';

/** Optional features used when the adapter has them. */
export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

export interface RuntimeOptions {
  /** Submit automatically after this many recorded dispatches (bounds encoder size and latency). */
  maxDispatchesPerSubmit?: number;
  /** Bytes the pool may keep for reuse before destroying released buffers. */
  maxPooledBytes?: number;
  /** Features to require in addition to the optional ones the adapter has. */
  requiredFeatures?: GPUFeatureName[];
  /** Disable optional features (to test fallbacks). */
  disableFeatures?: string[];
  /** Name of the backend, for reporting. */
  backend?: string;
  /**
   * Fill every storage buffer handed out with NaN before use (testing aid: a kernel that fails to
   * write part of its output then shows NaN instead of stale or zero data).
   */
  poisonBuffers?: boolean;
  /**
   * Sleep through most of a wait for the GPU (a readback or sync) instead of polling all of it (see
   * idle-waits.ts). Dawn's Node binding polls with setImmediate while any promise is pending, which on
   * a CPU adapter takes a core from the "GPU" and makes ~30 MB of garbage per SSAH step. Default off;
   * the Node provider turns it on (CMHASH_IDLE_WAIT=0 turns it off there).
   */
  idleWait?: boolean;
}

/** A profiling label for one dispatch (its spec, workgroup grid and uniform bytes), or undefined for the default. */
export type ProfileLabeler = (spec: KernelSpec, workgroups: readonly [number, number, number], uniforms: ArrayBufferView | undefined) => string | undefined;

export type Workgroups = number | readonly [number, number?, number?];

/**
 * A buffer, or a range of one (a tensor in an arena): read, write, copy and deferCheck take either, with
 * byte offsets counted from the start of the range.
 */
export type BufferRef = GPUBuffer | GPUBufferBinding;
/** What a dispatch binds after the uniform block: buffers, buffer ranges, or texture views. */
export type DispatchResource = GPUBuffer | GPUBufferBinding | GPUTextureView;
/** A resolved binding: a buffer range or a texture view. */
export type BindingResource = GPUBufferBinding | GPUTextureView;

/** The buffer and absolute byte offset of `offset` bytes into `ref`, and the bytes the range holds from there. */
function resolveRef(ref: BufferRef, offset: number): { buffer: GPUBuffer; offset: number; bytes: number } {
  if (!('buffer' in ref)) return { buffer: ref, offset, bytes: ref.size - offset };
  const base = ref.offset ?? 0;
  return { buffer: ref.buffer, offset: base + offset, bytes: (ref.size ?? ref.buffer.size - base) - offset };
}

export interface RuntimeStats extends PoolStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  reads: number;
  /** Dispatches whose bind group came from the cache, and those that created one. */
  bindGroupHits: number;
  bindGroupMisses: number;
  /** Milliseconds the idle waits slept (idle-waits.ts; 0 when they are off). */
  idleSleptMs: number;
}

export class Runtime {
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  readonly features: ReadonlySet<string>;
  readonly info: AdapterSummary;
  private readonly arena: UniformArena;
  private readonly waits: IdleWaits;
  private readonly bindGroups: BindGroupCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** What the open pass has set: a dispatch with the same pipeline or bind group does not set it again. */
  private passPipeline: GPUComputePipeline | null = null;
  private passGroup: GPUBindGroup | null = null;
  /** The entries array of the dispatch being recorded (reused: the cache copies what it keeps). */
  private readonly entries: BindingResource[] = [];
  /** Scratch rgba32float textures by size (scratchTexture). */
  private readonly textures = new Map<string, { texture: GPUTexture; view: GPUTextureView }>();
  private pendingDispatches = 0;
  private readonly maxDispatchesPerSubmit: number;
  private readonly poison: boolean;
  private errors: Error[] = [];
  /** GPU-side checks to verify at the next readback (see deferCheck). */
  private pendingChecks: { buffer: BufferRef; ok: (word: ArrayBuffer) => boolean; message: string; done: () => void }[] = [];
  private destroyed = false;
  private counters = { dispatches: 0, submits: 0, reads: 0 };
  /** Fingerprint of the workgroup grids dispatched since the last wait began (part of the idle-wait key). */
  private grids = 0;
  /** Per-dispatch timestamp profiling; null (the normal path) unless startProfiling() was called. */
  private profiler: Profiler | null = null;
  private profileByConstants = false;
  private profileLabelOf: ProfileLabeler | null = null;
  /** Called once after the first submit (the Node provider uses it to renice the polling thread). */
  onFirstSubmit: (() => void) | null = null;
  /** Called when the runtime is destroyed (providers drop their instance references). */
  onDestroy: (() => void) | null = null;

  private constructor(readonly adapter: GPUAdapter, readonly device: GPUDevice, backend: string, opts: RuntimeOptions) {
    this.pipelines = new PipelineCache(device, KERNEL_SOURCES, KERNEL_LINE_MAPS);
    this.pool = new BufferPool(device, opts.maxPooledBytes);
    this.features = new Set([...device.features].map(String));
    this.info = summarizeAdapter(adapter, device, backend);
    this.arena = new UniformArena(this.pool, Math.max(device.limits.minUniformBufferOffsetAlignment, device.limits.minStorageBufferOffsetAlignment));
    this.bindGroups = new BindGroupCache(device);
    // A destroyed buffer's cached bind groups could never be hit again (new buffers get new ids): drop them.
    this.pool.onDestroy = (buf) => this.bindGroups.forget(buf);
    this.maxDispatchesPerSubmit = opts.maxDispatchesPerSubmit ?? 256;
    this.poison = opts.poisonBuffers ?? false;
    this.waits = new IdleWaits(opts.idleWait ?? false);
    device.addEventListener('uncapturederror', (ev) => {
      this.errors.push(new GpuError(`GPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`));
    });
    void device.lost.then((info) => {
      if (!this.destroyed) this.errors.push(new GpuError(`GPU device lost (${info.reason}): ${info.message}`));
    });
  }

  /** Create a runtime from any `GPU` object (navigator.gpu in a browser, the Dawn instance in Node). */
  static async fromGPU(gpu: GPU | undefined | null, opts: RuntimeOptions & { adapterOptions?: GPURequestAdapterOptions } = {}): Promise<Runtime> {
    if (!gpu) {
      throw new AdapterError('WebGPU is not available: no GPU object (navigator.gpu is undefined). Use a browser with WebGPU enabled, or Node with the `webgpu` package.');
    }
    const adapter = await gpu.requestAdapter(opts.adapterOptions);
    if (!adapter) throw new AdapterError(`no WebGPU adapter found (backend ${opts.backend ?? 'default'})`);
    return Runtime.fromAdapter(adapter, opts);
  }

  static async fromAdapter(adapter: GPUAdapter, opts: RuntimeOptions = {}): Promise<Runtime> {
    const disabled = new Set(opts.disableFeatures ?? []);
    const wanted = new Set<GPUFeatureName>(opts.requiredFeatures ?? []);
    for (const f of OPTIONAL_FEATURES) if (adapter.features.has(f) && !disabled.has(f)) wanted.add(f as GPUFeatureName);
    const al = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures: [...wanted],
      // Ask for the adapter's maxima: large databases and big GEMMs need them.
      requiredLimits: {
        maxStorageBufferBindingSize: al.maxStorageBufferBindingSize,
        maxBufferSize: al.maxBufferSize,
        maxComputeWorkgroupStorageSize: al.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: al.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: al.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: al.maxComputeWorkgroupSizeY,
        maxStorageBuffersPerShaderStage: al.maxStorageBuffersPerShaderStage,
      },
    });
    if (!device) throw new AdapterError('requestDevice returned no device');
    return new Runtime(adapter, device, opts.backend ?? 'webgpu', opts);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  hasFeature(name: string): boolean {
    return this.features.has(name);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new GpuError('runtime used after destroy()');
  }

  // ---- buffers -------------------------------------------------------------------------------

  /** A storage buffer of at least `bytes` bytes from the pool (usage STORAGE | COPY_SRC | COPY_DST). */
  createStorage(bytes: number, label?: string): GPUBuffer {
    this.assertAlive();
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) throw new RangeError(`createStorage${label ? ` (${label})` : ''}: a buffer of ${bytes} bytes exceeds this device's maxBufferSize of ${max} bytes; process the data in smaller pieces, or use a device with a larger limit ('cmhash doctor' prints the limits)`);
    const buf = this.pool.acquire(bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label);
    if (this.poison) this.fillWords(buf, buf.size / 4, 0x7fc00000);
    return buf;
  }

  /** Fill the first `words` 32-bit words of a storage buffer with one bit pattern (on the GPU). */
  fillWords(buffer: GPUBuffer, words: number, bits: number): void {
    // The fill kernel's uniforms (packed from its descriptor), with the value's f32 slot holding raw bits.
    const u = packUniforms('fill', { n: words, value: 0, step: 0 });
    new DataView(u.buffer).setUint32(layoutOf('fill').fields.find((f) => f.name === 'value')!.offset, bits, true);
    const wg = KERNELS.fill.wg;
    this.dispatch({ kernel: 'fill', constants: { WG: wg } }, [buffer], this.grid(Math.ceil(words / wg)), u);
  }

  /**
   * Copy rows of 32-bit floats into a scratch rgba32float texture of `width` × `height` texels (texel (x, y)
   * = floats 4x…4x+3 of row y, rows `width`·16 bytes apart from `src`'s start) and return its view. One
   * texture per size for the runtime's lifetime: commands run in recording order, so the kernels that read
   * it after this copy and before the next copy of the same size see these values (gemm_tex).
   * width·16 must be a multiple of 256 (WebGPU's bytesPerRow rule) and src's offset of 16.
   */
  copyToTexture(src: BufferRef, width: number, height: number): GPUTextureView {
    this.assertAlive();
    const key = `${width}x${height}`;
    let t = this.textures.get(key);
    if (!t) {
      const max = this.device.limits.maxTextureDimension2D;
      if (!(width >= 1 && height >= 1 && width <= max && height <= max)) throw new RangeError(`copyToTexture: ${width}×${height} texels is outside 1…${max} (maxTextureDimension2D)`);
      const texture = this.device.createTexture({ size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING });
      t = { texture, view: texture.createView() };
      this.textures.set(key, t);
    }
    const s = resolveRef(src, 0);
    if ((width * 16) % 256 !== 0 || s.offset % 16 !== 0 || s.bytes < width * height * 16) {
      throw new RangeError(`copyToTexture: ${width}×${height} texels from offset ${s.offset} (${s.bytes} bytes): rows must be multiples of 256 bytes, the offset of 16, and the source large enough`);
    }
    this.endPass().copyBufferToTexture({ buffer: s.buffer, offset: s.offset, bytesPerRow: width * 16, rowsPerImage: height }, { texture: t.texture }, [width, height]);
    this.pendingDispatches++;
    return t.view;
  }

  release(buffer: GPUBuffer): void {
    if (this.destroyed) return;
    this.pool.release(buffer);
  }

  /**
   * Write host data into a buffer. queue.writeBuffer runs before commands still in the open encoder,
   * so recorded work is submitted first to keep program order.
   */
  write(ref: BufferRef, data: ArrayBufferView, offset = 0): void {
    this.assertAlive();
    const { buffer, offset: byteOffset } = resolveRef(ref, offset);
    if (this.pendingDispatches > 0 || this.encoder) this.flush();
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    const aligned = bytes.byteLength & ~3;
    if (aligned > 0) this.device.queue.writeBuffer(buffer, byteOffset, bytes, 0, aligned);
    if (aligned !== bytes.byteLength) {
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(aligned));
      this.device.queue.writeBuffer(buffer, byteOffset + aligned, tail);
    }
  }

  // ---- recording -----------------------------------------------------------------------------

  private ensurePass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) {
      this.pass = this.encoder.beginComputePass();
      this.passPipeline = null;
      this.passGroup = null;
    }
    return this.pass;
  }

  private endPass(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.encoder;
  }

  /** Split a 1-D workgroup count into (x, y) with x ≤ maxComputeWorkgroupsPerDimension. Kernels rebuild the linear id. */
  grid(workgroups: number): [number, number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= max) return [Math.max(1, workgroups), 1, 1];
    const y = Math.ceil(workgroups / max);
    return [Math.ceil(workgroups / y), y, 1];
  }

  /**
   * Stage a small read-only table (at most 64 KiB) for the next dispatches of this submit, without a
   * flush (unlike write()): returns its binding, uploaded with the uniforms right before the submit.
   */
  stage(data: ArrayBufferView): GPUBufferBinding {
    this.assertAlive();
    if (data.byteLength > UniformArena.maxBytes) throw new RangeError(`stage: a table of ${data.byteLength} bytes exceeds ${UniformArena.maxBytes}; split it`);
    return this.arena.push(data);
  }

  /**
   * Record one dispatch. Binding 0 is the uniform block (when given); storage bindings follow from
   * binding 1 in order. Nothing runs until the next flush (explicit, auto every N dispatches, or a read).
   */
  dispatch(spec: KernelSpec, storage: readonly DispatchResource[], workgroups: Workgroups, uniforms?: ArrayBufferView): void {
    this.assertAlive();
    const pipeline = this.pipelines.get(spec);
    // Binding 0: the uniform block (when given); the storage buffers from binding 1.
    const entries = this.entries;
    entries.length = 0;
    if (uniforms) entries.push(this.arena.push(uniforms));
    // A GPUBuffer has a usage, a texture view has none (and a binding has its buffer).
    for (const b of storage) entries.push('buffer' in b || !('usage' in b) ? b : { buffer: b });
    const bindGroup = this.bindGroups.get(pipeline, entries, uniforms ? 0 : 1);
    let x: number, y = 1, z = 1;
    if (typeof workgroups === 'number') x = workgroups;
    else [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    if (this.profiler) {
      const label = this.profileLabelOf?.(spec, [x, y, z], uniforms) ?? (this.profileByConstants ? specKey(spec) : `${spec.kernel}#${spec.entry ?? 'main'}`);
      this.profiledDispatch(this.profiler, label, pipeline, bindGroup, x, y, z);
      return;
    }
    const pass = this.ensurePass();
    if (pipeline !== this.passPipeline) {
      pass.setPipeline(pipeline);
      this.passPipeline = pipeline;
    }
    if (bindGroup !== this.passGroup) {
      pass.setBindGroup(0, bindGroup);
      this.passGroup = bindGroup;
    }
    pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatches++;
    this.grids = gridFingerprint(this.grids, x, y, z);
    if (++this.pendingDispatches >= this.maxDispatchesPerSubmit) this.flush();
  }

  /** A dispatch in its own compute pass, bracketed by timestamp writes. */
  private profiledDispatch(prof: Profiler, label: string, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, x: number, y: number, z: number): void {
    if (!prof.hasRoom) this.flush();
    const encoder = this.endPass();
    const pass = encoder.beginComputePass({ timestampWrites: prof.timestampWrites(label) });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.counters.dispatches++;
    this.grids = gridFingerprint(this.grids, x, y, z);
    if (++this.pendingDispatches >= this.maxDispatchesPerSubmit) this.flush();
  }

  /**
   * Start timing every dispatch on the GPU with timestamp queries, until stopProfiling(). Needs the
   * `timestamp-query` feature (requested automatically when the adapter has it). Profiling changes how
   * work is recorded (one pass per dispatch), so time wall-clock figures with it off.
   * `byConstants`: group by pipeline (kernel, entry and override constants) instead of kernel and entry.
   * `labelOf`: group by the label it returns for a dispatch (e.g. a GEMM's shape read from its uniforms);
   * dispatches it returns undefined for fall back to the grouping above.
   */
  startProfiling(opts: { byConstants?: boolean; labelOf?: ProfileLabeler } = {}): void {
    this.assertAlive();
    if (this.profiler) throw new GpuError('startProfiling: already profiling');
    if (!this.hasFeature('timestamp-query')) throw new GpuError("startProfiling: this device has no 'timestamp-query' feature");
    this.flush();
    this.profileByConstants = opts.byConstants ?? false;
    this.profileLabelOf = opts.labelOf ?? null;
    this.profiler = new Profiler(this.device, Math.min(this.maxDispatchesPerSubmit, 2048));
  }

  get isProfiling(): boolean {
    return this.profiler !== null;
  }

  /** Submit outstanding work, wait for its timestamps and return the per-kernel breakdown. */
  async stopProfiling(): Promise<ProfileReport> {
    const prof = this.profiler;
    if (!prof) throw new GpuError('stopProfiling: not profiling (call startProfiling() first)');
    this.flush();
    this.profiler = null;
    try {
      const report = await prof.report();
      this.checkErrors();
      return report;
    } finally {
      prof.destroy();
    }
  }

  /** Record a buffer-to-buffer copy (byte sizes must be multiples of 4). */
  copy(src: BufferRef, srcOffset: number, dst: BufferRef, dstOffset: number, bytes: number): void {
    this.assertAlive();
    const s = resolveRef(src, srcOffset), d = resolveRef(dst, dstOffset);
    this.endPass().copyBufferToBuffer(s.buffer, s.offset, d.buffer, d.offset, bytes);
    this.pendingDispatches++;
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (this.destroyed) return;
    if (!this.encoder) {
      this.arena.flush(this.device.queue);
      this.pool.onSubmit();
      return;
    }
    const encoder = this.endPass();
    this.arena.flush(this.device.queue);
    this.profiler?.resolve(encoder);
    this.device.queue.submit([encoder.finish()]);
    this.profiler?.submitted();
    this.encoder = null;
    this.pendingDispatches = 0;
    this.pool.onSubmit();
    if (this.counters.submits++ === 0 && this.onFirstSubmit) this.onFirstSubmit();
  }

  /** Throw the first asynchronous GPU or compile error seen so far. */
  checkErrors(): void {
    // Compile errors first: they explain the 'invalid pipeline' errors that follow them.
    const e = this.pipelines.deferredErrors.shift() ?? this.errors.shift();
    if (e) {
      this.errors = [];
      this.pipelines.deferredErrors.length = 0;
      throw e;
    }
  }

  /** Submit and wait until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    const waited = this.beginWait();
    try {
      await waited.sleep;
      await this.device.queue.onSubmittedWorkDone();
    } finally {
      waited.done();
    }
    // Let popErrorScope callbacks settle before reporting.
    await Promise.resolve();
    this.checkErrors();
  }

  /** Read `bytes` bytes of `buffer` from `byteOffset` back to the host (one submit, one map). */
  async read(buffer: BufferRef, byteOffset = 0, bytes = resolveRef(buffer, byteOffset).bytes): Promise<ArrayBuffer> {
    const [out] = await this.readMany([{ buffer, byteOffset, bytes }]);
    return out!;
  }

  /**
   * Verify a value computed on the GPU without an extra round trip: the first 4 bytes of `buffer` are
   * read back with the next readMany()/read() and passed to `ok`; when it returns false that read throws
   * a DataError with `message`. `done` is called once the word is read (e.g. to dispose its tensor).
   */
  deferCheck(buffer: BufferRef, ok: (word: ArrayBuffer) => boolean, message: string, done: () => void = () => {}): void {
    this.assertAlive();
    this.pendingChecks.push({ buffer, ok, message, done });
  }

  /** Read several ranges with one submit and one wait. */
  async readMany(ranges: readonly { buffer: BufferRef; byteOffset?: number; bytes?: number }[]): Promise<ArrayBuffer[]> {
    this.assertAlive();
    const checks = this.pendingChecks;
    if (checks.length) {
      this.pendingChecks = [];
      const words = await this.readRanges([...ranges, ...checks.map((c) => ({ buffer: c.buffer, bytes: 4 }))]);
      const failed = checks.find((c, i) => !c.ok(words[ranges.length + i]!));
      for (const c of checks) c.done();
      if (failed) throw new DataError(failed.message);
      return words.slice(0, ranges.length);
    }
    return this.readRanges(ranges);
  }

  private async readRanges(ranges: readonly { buffer: BufferRef; byteOffset?: number; bytes?: number }[]): Promise<ArrayBuffer[]> {
    const staged = ranges.map((r) => {
      const src = resolveRef(r.buffer, r.byteOffset ?? 0);
      const bytes = r.bytes ?? src.bytes;
      const padded = Math.ceil(bytes / 4) * 4;
      const staging = this.pool.acquire(Math.max(4, padded), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
      if (padded > 0) this.endPass().copyBufferToBuffer(src.buffer, src.offset, staging, 0, padded);
      return { staging, bytes };
    });
    this.flush();
    this.counters.reads++;
    const waited = this.beginWait();
    let out: ArrayBuffer[];
    try {
      await waited.sleep;
      out = await Promise.all(
        staged.map(async ({ staging, bytes }) => {
          await staging.mapAsync(GPUMapMode.READ, 0, Math.max(4, Math.ceil(bytes / 4) * 4));
          const copy = staging.getMappedRange(0, Math.max(4, Math.ceil(bytes / 4) * 4)).slice(0, bytes);
          staging.unmap();
          this.pool.release(staging);
          return copy;
        }),
      );
    } finally {
      // Also on failure: a later overlapping wait starts after this one (IdleWaits).
      waited.done();
    }
    await Promise.resolve();
    this.checkErrors();
    return out;
  }

  /** Start an idle wait keyed by the dispatches since the previous one (count and grids). */
  private beginWait(): IdleWait {
    const w = this.waits.begin(this.counters.dispatches, this.grids);
    this.grids = 0;
    return w;
  }

  stats(): RuntimeStats {
    const bg = this.bindGroups.stats();
    return { ...this.pool.stats(), ...this.counters, pipelines: this.pipelines.size, bindGroupHits: bg.hits, bindGroupMisses: bg.misses, idleSleptMs: this.waits.sleptMs };
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Finish outstanding work, free every buffer and destroy the device, so the process can exit. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      this.flush();
      await this.device.queue.onSubmittedWorkDone();
    } catch {
      /* device may already be lost */
    }
    this.destroyed = true;
    this.pendingChecks = [];
    this.profiler?.destroy();
    this.profiler = null;
    this.pool.destroyAll();
    for (const t of this.textures.values()) t.texture.destroy();
    this.textures.clear();
    this.device.destroy();
    this.onDestroy?.();
  }
}
