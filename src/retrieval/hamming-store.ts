/**
 * Where a HammingIndex keeps its codes: database chunks on the GPU (each one buffer of at most
 * `maxStorageBufferBindingSize` bytes, grown by doubling) and a host mirror for save()/codes().
 * Knows nothing about searching (hamming-plan.ts, hamming-search.ts) or files (hamming-index.ts).
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError, ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../ops/validate.js';

export interface Chunk {
  /** Null until the first codes arrive. */
  buffer: GPUBuffer | null;
  /** Capacity in items. */
  capacity: number;
  count: number;
}

export class HammingStore {
  chunks: Chunk[] = [];
  n = 0;
  private host = new Uint32Array(0);
  private pendingReads = new Set<Promise<void>>();
  private readError: Error | null = null;
  private disposed = false;

  constructor(readonly rt: Runtime, readonly bits: number, readonly words: number, readonly chunkItems: number) {}

  private growHost(items: number): void {
    const need = items * this.words;
    if (need <= this.host.length) return;
    const next = new Uint32Array(Math.max(need, Math.min(this.host.length * 2, need + 64 * 1024 * 1024)));
    next.set(this.host.subarray(0, this.n * this.words));
    this.host = next;
  }

  /** Reserve room for `items` more codes; returns the (chunk, item offset, count) pieces they go to. */
  private reserve(items: number): { buffer: GPUBuffer; at: number; count: number; first: number }[] {
    const pieces: { buffer: GPUBuffer; at: number; count: number; first: number }[] = [];
    let left = items, first = 0;
    while (left > 0) {
      let c = this.chunks[this.chunks.length - 1];
      if (!c || c.count === this.chunkItems) {
        c = { buffer: null, capacity: 0, count: 0 };
        this.chunks.push(c);
      }
      const take = Math.min(left, this.chunkItems - c.count);
      const need = c.count + take;
      if (need > c.capacity) {
        const cap = Math.min(this.chunkItems, Math.max(need, 2 * c.capacity, 1024));
        const buf = this.rt.createStorage(cap * this.words * 4, 'hamming-chunk');
        if (c.buffer) {
          if (c.count > 0) this.rt.copy(c.buffer, 0, buf, 0, c.count * this.words * 4);
          this.rt.release(c.buffer);
        }
        c.buffer = buf;
        c.capacity = cap;
      }
      pieces.push({ buffer: c.buffer!, at: c.count, count: take, first });
      c.count = need;
      left -= take;
      first += take;
    }
    return pieces;
  }

  /** Append packed codes: a Uint32Array of n × words, or a u32 tensor [n, words]. */
  add(packed: Uint32Array | Tensor): void {
    const w = this.words;
    if (packed instanceof Uint32Array) {
      if (packed.length % w !== 0) throw new ShapeError(`HammingIndex.add: packed has ${packed.length} words, not a multiple of ${w} (${this.bits}-bit codes)`);
      const items = packed.length / w;
      if (items === 0) return;
      this.growHost(this.n + items);
      this.host.set(packed, this.n * w);
      for (const p of this.reserve(items)) this.rt.write(p.buffer, packed.subarray(p.first * w, (p.first + p.count) * w), p.at * w * 4);
      this.n += items;
      return;
    }
    checkTensor('HammingIndex.add', 'packed', packed, 'u32');
    if (packed.rank !== 2 || packed.shape[1] !== w) throw new ShapeError(`HammingIndex.add: packed ${fmtShape(packed.shape)} must be [n, ${w}] for ${this.bits}-bit codes`);
    const items = packed.shape[0]!;
    if (items === 0) return;
    const base = this.n;
    this.growHost(base + items);
    for (const p of this.reserve(items)) this.rt.copy(packed.buffer, p.first * w * 4, p.buffer, p.at * w * 4, p.count * w * 4);
    this.n += items;
    // Mirror on the host for save(); the copy is recorded now, so the caller may dispose the tensor.
    const read: Promise<void> = packed.read().then(
      (data) => {
        if (!this.disposed) this.host.set(data as Uint32Array, base * w);
        this.pendingReads.delete(read);
      },
      (e: unknown) => {
        this.readError = e instanceof Error ? e : new CmhashError(String(e));
        this.pendingReads.delete(read);
      },
    );
    this.pendingReads.add(read);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.pendingReads]);
    if (this.readError) throw this.readError;
  }

  /** The host mirror itself (no copy; valid until the next add), or null while codes added as tensors are being read back. */
  hostCodes(): Uint32Array | null {
    if (this.pendingReads.size || this.readError) return null;
    return this.host.subarray(0, this.n * this.words);
  }

  codes(): Uint32Array {
    if (this.pendingReads.size) throw new CmhashError('HammingIndex.codes: codes added as tensors are still being read back; await index.settled() first');
    if (this.readError) throw new CmhashError(`HammingIndex.codes: reading back codes added as a tensor failed: ${this.readError.message}`);
    return this.host.slice(0, this.n * this.words);
  }

  /** The first `items` codes of chunk `ci` as a binding. */
  binding(ci: number, items = this.chunks[ci]!.count): GPUBufferBinding {
    return { buffer: this.chunks[ci]!.buffer!, offset: 0, size: Math.max(1, items) * this.words * 4 };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.chunks) if (c.buffer) this.rt.release(c.buffer);
    this.chunks = [];
    this.host = new Uint32Array(0);
  }
}
