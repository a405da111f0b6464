/**
 * Per-submit arena for small uniform blocks (shapes, strides, scalars) and small read-only storage
 * tables (the multi-tensor optimiser's per-tensor rows). Each gets an aligned slot; the CPU mirror is
 * written to the GPU once, right before the submit that reads it.
 */
import type { BufferPool } from './buffer-pool.js';

const CHUNK_BYTES = 64 * 1024;

interface Chunk {
  gpu: GPUBuffer;
  cpu: Uint8Array<ArrayBuffer>;
  used: number;
}

export class UniformArena {
  private chunks: Chunk[] = [];
  private readonly align: number;

  /** `alignment`: the larger of the device's uniform and storage offset alignments. */
  constructor(private readonly pool: BufferPool, alignment: number) {
    this.align = Math.max(16, alignment);
  }

  /** The largest block push() takes. */
  static readonly maxBytes = CHUNK_BYTES;

  /** Reserve a slot holding `data`; returns the binding to use in a bind group. */
  push(data: ArrayBufferView): GPUBufferBinding {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
    if (size > CHUNK_BYTES) throw new RangeError(`uniform block of ${bytes.byteLength} bytes exceeds ${CHUNK_BYTES}`);
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.used + size > CHUNK_BYTES) {
      chunk = {
        gpu: this.pool.acquire(CHUNK_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'uniform-arena'),
        cpu: new Uint8Array(CHUNK_BYTES),
        used: 0,
      };
      this.chunks.push(chunk);
    }
    const offset = chunk.used;
    chunk.cpu.set(bytes, offset);
    chunk.used = Math.ceil((offset + size) / this.align) * this.align;
    return { buffer: chunk.gpu, offset, size };
  }

  /** Upload all slots; call immediately before queue.submit. Chunks go back to the pool (reused after the submit). */
  flush(queue: GPUQueue): void {
    for (const c of this.chunks) {
      queue.writeBuffer(c.gpu, 0, c.cpu, 0, Math.ceil(c.used / 4) * 4);
      this.pool.release(c.gpu);
    }
    this.chunks = [];
  }
}
