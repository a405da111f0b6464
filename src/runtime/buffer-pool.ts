/**
 * GPU buffer pool keyed by (size class, usage).
 *
 * A released buffer may still be referenced by commands recorded in the open encoder, and
 * queue.writeBuffer runs ahead of those commands. So a released buffer goes to `pending` and
 * becomes reusable only after the submit that last used it (`onSubmit`).
 *
 * Reuse is deterministic: of the free buffers of a class, acquire() hands out the oldest (lowest
 * creation number), whatever order they were released in. A training step that allocates the same
 * sequence of tensors every step then gets the same buffers every step, so the runtime's bind-group
 * cache hits (a LIFO free list rotated same-size buffers between steps: SSAH missed 97 of 347 bind
 * groups per step).
 */
export interface PoolStats {
  /** Buffers handed out and not yet released. */
  live: number;
  liveBytes: number;
  /** Buffers waiting in the pool for reuse (free + pending). */
  pooled: number;
  pooledBytes: number;
  /** Buffers ever created through the pool. */
  created: number;
  /** Acquisitions satisfied from the pool. */
  reused: number;
  /** Bytes of every buffer the pool holds now (live, pending and free). */
  allocatedBytes: number;
  /** Highest liveBytes since creation or the last resetPeak(). */
  peakLiveBytes: number;
  /** Highest allocatedBytes since creation or the last resetPeak() (the pool's GPU memory high-water mark). */
  peakAllocatedBytes: number;
}

/** Size classes: powers of two up to 1 MiB, then steps of 1/8 of the enclosing power of two (bounded waste). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 1 << 20) return 2 ** Math.ceil(Math.log2(b));
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private pending: { key: string; buf: GPUBuffer }[] = [];
  /** Free lists hold buffers in decreasing creation number: pop() returns the oldest. */
  private owned = new Map<GPUBuffer, { key: string; size: number; seq: number }>();
  private nextSeq = 0;
  /** Called with each buffer the pool destroys (the bind-group cache drops the groups that bind it). */
  onDestroy: ((buf: GPUBuffer) => void) | null = null;
  private liveSet = new Set<GPUBuffer>();
  private stats_ = { created: 0, reused: 0, pooledBytes: 0, liveBytes: 0, allocatedBytes: 0, peakLiveBytes: 0, peakAllocatedBytes: 0 };

  constructor(private readonly device: GPUDevice, private readonly maxPooledBytes = 512 * 1024 * 1024) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${size}:${usage}`;
    const list = this.free.get(key);
    let buf = list?.pop();
    if (buf) {
      this.stats_.reused++;
      this.stats_.pooledBytes -= size;
    } else {
      buf = this.device.createBuffer({ size, usage, label });
      this.owned.set(buf, { key, size, seq: this.nextSeq++ });
      this.stats_.created++;
      this.stats_.allocatedBytes += size;
      if (this.stats_.allocatedBytes > this.stats_.peakAllocatedBytes) this.stats_.peakAllocatedBytes = this.stats_.allocatedBytes;
    }
    this.liveSet.add(buf);
    this.stats_.liveBytes += size;
    if (this.stats_.liveBytes > this.stats_.peakLiveBytes) this.stats_.peakLiveBytes = this.stats_.liveBytes;
    return buf;
  }

  /** Give a buffer back; it becomes reusable after the next submit. */
  release(buf: GPUBuffer): void {
    const meta = this.owned.get(buf);
    if (!meta) throw new Error('BufferPool.release: buffer does not belong to this pool');
    if (!this.liveSet.delete(buf)) throw new Error('BufferPool.release: buffer released twice');
    this.stats_.liveBytes -= meta.size;
    this.pending.push({ key: meta.key, buf });
  }

  /** Called by the runtime right after queue.submit: pending buffers are now safe to reuse. */
  onSubmit(): void {
    for (const { key, buf } of this.pending) {
      const meta = this.owned.get(buf)!;
      if (this.stats_.pooledBytes + meta.size > this.maxPooledBytes) {
        this.owned.delete(buf);
        this.stats_.allocatedBytes -= meta.size;
        this.destroyBuffer(buf);
        continue;
      }
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      // Insert keeping decreasing creation numbers (binary search; lists are short).
      let lo = 0, hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.owned.get(list[mid]!)!.seq > meta.seq) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, buf);
      this.stats_.pooledBytes += meta.size;
    }
    this.pending = [];
  }

  /** Destroy every pooled (not live) buffer. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.stats_.allocatedBytes -= this.owned.get(b)!.size;
        this.owned.delete(b);
        this.destroyBuffer(b);
      }
    }
    this.free.clear();
    this.stats_.pooledBytes = 0;
  }

  private destroyBuffer(b: GPUBuffer): void {
    this.onDestroy?.(b);
    b.destroy();
  }

  /** Restart the high-water marks from the current live and allocated bytes. */
  resetPeak(): void {
    this.stats_.peakLiveBytes = this.stats_.liveBytes;
    this.stats_.peakAllocatedBytes = this.stats_.allocatedBytes;
  }

  stats(): PoolStats {
    let pooled = this.pending.length;
    for (const l of this.free.values()) pooled += l.length;
    return {
      live: this.liveSet.size,
      liveBytes: this.stats_.liveBytes,
      pooled,
      pooledBytes: this.stats_.pooledBytes,
      created: this.stats_.created,
      reused: this.stats_.reused,
      allocatedBytes: this.stats_.allocatedBytes,
      peakLiveBytes: this.stats_.peakLiveBytes,
      peakAllocatedBytes: this.stats_.peakAllocatedBytes,
    };
  }

  destroyAll(): void {
    for (const b of this.owned.keys()) this.destroyBuffer(b);
    this.owned.clear();
    this.free.clear();
    this.pending = [];
    this.liveSet.clear();
    this.stats_.liveBytes = this.stats_.pooledBytes = this.stats_.allocatedBytes = 0;
  }
}
