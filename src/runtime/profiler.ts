/**
 * Opt-in per-dispatch GPU timing with timestamp queries (`timestamp-query` feature).
 *
 * While a Profiler is attached (Runtime.startProfiling), every dispatch is recorded in its own compute
 * pass whose timestampWrites bracket it; at each submit the used queries are resolved into a buffer
 * that is mapped asynchronously, and stop() aggregates the durations by kernel (`file#entry`).
 * Nothing here runs on the normal path: without a profiler the runtime only tests one null field.
 *
 * Caveats (reported with the figures): one pass per dispatch adds pass boundaries that the normal path
 * does not have, and Dawn quantises timestamps unless the device was created with its
 * `timestamp_quantization` toggle disabled (NodeRuntimeOptions.dawnFlags).
 */

/** Timings of one kernel (pipeline family + entry point) over a profiling session. */
export interface KernelTiming {
  kernel: string;
  dispatches: number;
  totalMs: number;
  meanUs: number;
  /** Fraction of the summed GPU time of the session. */
  share: number;
}

export interface ProfileReport {
  /** Sum of every profiled dispatch's GPU time. */
  gpuMs: number;
  dispatches: number;
  /** Per kernel, largest total first. */
  kernels: KernelTiming[];
}

interface Batch {
  set: GPUQuerySet;
  labels: string[];
  resolve: GPUBuffer | null;
  readback: GPUBuffer | null;
  done: Promise<void> | null;
}

export class Profiler {
  private current: Batch;
  private readonly inFlight: Batch[] = [];
  private readonly totals = new Map<string, { n: number; ns: number }>();
  private destroyed = false;
  private error: Error | null = null;

  /** `capacity`: dispatches per submit before the runtime must flush (two queries each). */
  constructor(private readonly device: GPUDevice, readonly capacity = 256) {
    if (!device.features.has('timestamp-query')) {
      throw new Error("Profiler: the device has no 'timestamp-query' feature (request it in requiredFeatures; the adapter must support it)");
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2048) throw new RangeError(`Profiler: capacity must be an integer in [1, 2048], got ${capacity}`);
    this.current = this.newBatch();
  }

  private newBatch(): Batch {
    return { set: this.device.createQuerySet({ type: 'timestamp', count: 2 * this.capacity }), labels: [], resolve: null, readback: null, done: null };
  }

  /** True when another dispatch fits before the next submit. */
  get hasRoom(): boolean {
    return this.current.labels.length < this.capacity;
  }

  /** Timestamp writes for the next dispatch (call only when hasRoom). */
  timestampWrites(label: string): GPUComputePassTimestampWrites {
    const b = this.current;
    const i = b.labels.length;
    if (i >= this.capacity) throw new Error('Profiler: query set full; the runtime must flush first');
    b.labels.push(label);
    return { querySet: b.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Record the resolve of this submit's queries into `encoder` (before it is finished). */
  resolve(encoder: GPUCommandEncoder): void {
    const b = this.current;
    const n = b.labels.length;
    if (n === 0) return;
    const bytes = 2 * n * 8;
    b.resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    b.readback = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(b.set, 0, 2 * n, b.resolve, 0);
    encoder.copyBufferToBuffer(b.resolve, 0, b.readback, 0, bytes);
  }

  /** Called right after the submit that carried resolve(): start reading the batch back. */
  submitted(): void {
    const b = this.current;
    if (b.labels.length === 0 || !b.readback) return;
    b.done = b.readback.mapAsync(GPUMapMode.READ).then(
      () => this.accumulate(b),
      (e: unknown) => {
        // Device lost or destroyed while reading back: report it from report(), never unhandled.
        this.error ??= e instanceof Error ? e : new Error(String(e));
        b.readback?.destroy();
        b.resolve?.destroy();
      },
    );
    this.inFlight.push(b);
    this.current = this.newBatch();
  }

  private accumulate(b: Batch): void {
    const t = new BigUint64Array(b.readback!.getMappedRange().slice(0));
    b.labels.forEach((label, i) => {
      const begin = t[2 * i]!, end = t[2 * i + 1]!;
      const ns = end > begin ? Number(end - begin) : 0;
      const e = this.totals.get(label);
      if (e) {
        e.n++;
        e.ns += ns;
      } else this.totals.set(label, { n: 1, ns });
    });
    this.release(b);
  }

  private release(b: Batch): void {
    b.readback?.unmap();
    b.readback?.destroy();
    b.resolve?.destroy();
    b.set.destroy();
    b.readback = b.resolve = null;
  }

  /** Wait for every submitted batch and aggregate (the runtime flushes first). */
  async report(): Promise<ProfileReport> {
    while (this.inFlight.length) await this.inFlight.shift()!.done;
    if (this.error) throw new Error(`Profiler: reading timestamps back failed: ${this.error.message}`);
    let ns = 0, dispatches = 0;
    for (const e of this.totals.values()) {
      ns += e.ns;
      dispatches += e.n;
    }
    const kernels = [...this.totals].map(([kernel, e]) => ({
      kernel,
      dispatches: e.n,
      totalMs: e.ns / 1e6,
      meanUs: e.ns / e.n / 1e3,
      share: ns > 0 ? e.ns / ns : 0,
    }));
    kernels.sort((a, b) => b.totalMs - a.totalMs || a.kernel.localeCompare(b.kernel));
    return { gpuMs: ns / 1e6, dispatches, kernels };
  }

  /** Free the query sets (after report()). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.current.set.destroy();
  }
}
