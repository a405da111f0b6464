/**
 * HammingIndex: a packed binary-code database on the GPU with exact top-k and radius search.
 *
 * Search is a counting selection by distance in three passes (kernels/hamming_hist, hamming_select,
 * hamming_emit): per-(query, block) private histograms, a per-query prefix sum that finds the k-th
 * distance and turns the histograms into output positions, and a stable compaction in database-index
 * order. No atomics, no comparison sort; results are ordered by (distance, index) and equal the CPU
 * scan exactly. The database is split into chunks of at most `maxStorageBufferBindingSize` bytes, each
 * its own buffer and dispatches; all chunks write into one histogram row per query, so selection across
 * chunks is exact without a separate merge. Queries are processed in batches sized so the histogram
 * and the outputs each fit in one binding.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError, DataError, ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms } from '../ops/uniforms.js';
import { checkTensor } from '../ops/validate.js';
import { checkBits, lastWordMask, wordsFor } from '../ops/hashing.js';
import type { RadiusResult, TopKResult } from './cpu-scan.js';

/** Queries per workgroup in the scan passes (lanes = queries reading the same database item). */
const SCAN_WG = 32;
/** Queries per scan invocation (QPI in kernels/hamming_hist.wgsl and hamming_emit.wgsl). */
const SCAN_QPI = 4;
/** Queries per scan workgroup: query batches are rounded to multiples of this. */
const SCAN_QUERIES = SCAN_WG * SCAN_QPI;
/** Smallest scan block (items per invocation); larger databases get larger blocks (see layout()). */
const MIN_BLOCK = 4096;
const SELECT_WG = 64;
const MAGIC = 0x49484d43; // 'CMHI' little-endian
const VERSION = 1;
const HEADER_BYTES = 24;
/** Read results back once this many output bytes are pending. */
const READ_BATCH_BYTES = 64 * 1024 * 1024;

export interface HammingIndexOptions {
  /**
   * Items per scan block (one invocation scans one block for a few queries). Default: 4096, doubled
   * per search until a full workgroup of queries' histograms fits one binding.
   */
  blockSize?: number;
  /**
   * Items per database chunk (one buffer, one dispatch per pass). Default: as many as fit in
   * `maxStorageBufferBindingSize`. Small values test chunking.
   */
  chunkItems?: number;
  /** Upper bound on queries per batch (default: as many as the histogram binding allows). */
  maxQueryBatch?: number;
}

/** How one search splits the database into scan blocks. */
interface Layout {
  block: number;
  /** Global index of each chunk's first block. */
  block0: number[];
  total: number;
}

interface Chunk {
  /** Null until the first codes arrive. */
  buffer: GPUBuffer | null;
  /** Capacity in items. */
  capacity: number;
  count: number;
}

export class HammingIndex {
  readonly words: number;
  readonly blockSize: number | null;
  readonly chunkItems: number;
  private readonly maxQueryBatch: number;
  private chunks: Chunk[] = [];
  private n = 0;
  private host: Uint32Array;
  private pendingReads = new Set<Promise<void>>();
  private readError: Error | null = null;
  private disposed = false;

  private constructor(readonly rt: Runtime, readonly bits: number, opts: HammingIndexOptions) {
    checkBits('HammingIndex', bits);
    this.words = wordsFor(bits);
    const lim = rt.limits;
    this.blockSize = opts.blockSize ?? null;
    if (this.blockSize !== null && (!Number.isInteger(this.blockSize) || this.blockSize < 1)) throw new RangeError(`HammingIndex: blockSize must be a positive integer, got ${this.blockSize}`);
    const fit = Math.floor(lim.maxStorageBufferBindingSize / (this.words * 4));
    this.chunkItems = opts.chunkItems ?? fit;
    if (!Number.isInteger(this.chunkItems) || this.chunkItems < 1 || this.chunkItems > fit) {
      throw new RangeError(`HammingIndex: chunkItems must be an integer in 1..${fit} (maxStorageBufferBindingSize / ${this.words * 4} bytes per code), got ${opts.chunkItems}`);
    }
    if (this.blockSize !== null && Math.ceil(this.chunkItems / this.blockSize) > lim.maxComputeWorkgroupsPerDimension) {
      throw new RangeError(`HammingIndex: blockSize ${this.blockSize} gives more than ${lim.maxComputeWorkgroupsPerDimension} blocks per chunk of ${this.chunkItems} codes`);
    }
    this.maxQueryBatch = opts.maxQueryBatch ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(this.maxQueryBatch) || this.maxQueryBatch < 1) throw new RangeError(`HammingIndex: maxQueryBatch must be a positive integer, got ${opts.maxQueryBatch}`);
    this.host = new Uint32Array(0);
  }

  static create(rt: Runtime, bits: number, opts: HammingIndexOptions = {}): HammingIndex {
    return new HammingIndex(rt, bits, opts);
  }

  /** Number of codes in the index. */
  get size(): number {
    return this.n;
  }

  /** Number of database chunks (buffers). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new CmhashError(`HammingIndex.${what}: index was disposed`);
  }

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
    this.assertLive('add');
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

  /** Resolves once codes added as tensors are mirrored on the host (needed before save()). */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingReads]);
    if (this.readError) throw this.readError;
  }

  private checkQueries(op: string, queries: Uint32Array): number {
    this.assertLive(op);
    if (!(queries instanceof Uint32Array)) throw new ShapeError(`HammingIndex.${op}: queries must be a Uint32Array of packed codes`);
    if (queries.length % this.words !== 0) throw new ShapeError(`HammingIndex.${op}: queries has ${queries.length} words, not a multiple of ${this.words} (${this.bits}-bit codes)`);
    if (this.n === 0) throw new CmhashError(`HammingIndex.${op}: the index is empty`);
    return queries.length / this.words;
  }

  private layoutFor(block: number): Layout {
    const block0: number[] = [];
    let total = 0;
    for (const c of this.chunks) {
      block0.push(total);
      total += Math.ceil(c.count / block);
    }
    return { block, block0, total };
  }

  /**
   * Scan blocks for a search of nq queries: the fixed blockSize, or the smallest power-of-two multiple
   * of 4096 such that a full workgroup of queries' histograms fits one binding and every chunk's block
   * count fits one dispatch dimension.
   */
  private layout(nq: number): Layout {
    if (this.blockSize !== null) return this.layoutFor(this.blockSize);
    const maxBind = this.rt.limits.maxStorageBufferBindingSize;
    const maxDim = this.rt.limits.maxComputeWorkgroupsPerDimension;
    const cols = Math.min(Math.max(1, nq), SCAN_QUERIES);
    for (let block = MIN_BLOCK; ; block *= 2) {
      const l = this.layoutFor(block);
      if ((l.total * (this.bits + 1) * 4 * cols <= maxBind && Math.ceil(this.chunkItems / block) <= maxDim) || block >= this.chunkItems) return l;
    }
  }

  /** Queries per batch such that the histogram (and `outPerQuery` u32 outputs) fit one binding. */
  private queryBatch(op: string, nq: number, outPerQuery: number, l: Layout): number {
    const maxBind = this.rt.limits.maxStorageBufferBindingSize;
    const histPerQuery = l.total * (this.bits + 1) * 4;
    let b = Math.min(nq, this.maxQueryBatch, Math.floor(maxBind / histPerQuery), Math.floor(maxBind / Math.max(4, outPerQuery * 4)));
    if (b < 1) {
      throw new RangeError(`HammingIndex.${op}: one query needs ${histPerQuery} bytes of histogram (${this.n} codes, blocks of ${l.block}) or ${outPerQuery * 4} bytes of output, over maxStorageBufferBindingSize ${maxBind}; use a larger blockSize or smaller k`);
    }
    if (b > SCAN_QUERIES && b < nq) b -= b % SCAN_QUERIES;
    return b;
  }

  private scanParams(nq: number, chunkIndex: number, l: Layout): Uniforms {
    const c = this.chunks[chunkIndex]!;
    return new Uniforms()
      .u32(nq).u32(c.count).u32(l.block).u32(l.total)
      .u32(l.block0[chunkIndex]!).u32(this.bits + 1).u32(lastWordMask(this.bits)).u32(chunkIndex * this.chunkItems);
  }

  private chunkBinding(c: Chunk): GPUBufferBinding {
    return { buffer: c.buffer!, offset: 0, size: c.count * this.words * 4 };
  }

  /** Pass 1 for every chunk. */
  private dispatchHist(qbuf: GPUBuffer, nq: number, hist: GPUBufferBinding, l: Layout): void {
    this.chunks.forEach((c, ci) => {
      this.rt.dispatch(
        { kernel: 'hamming_hist', constants: { WORDS: this.words, WG: SCAN_WG } },
        [this.chunkBinding(c), qbuf, hist],
        [Math.ceil(nq / SCAN_QUERIES), Math.ceil(c.count / l.block), 1],
        this.scanParams(nq, ci, l).bytes(),
      );
    });
  }

  private dispatchSelect(mode: 0 | 1 | 2, nq: number, hist: GPUBufferBinding, info: GPUBuffer, l: Layout, k: number, radius: number): void {
    const u = new Uniforms().u32(nq).u32(l.total).u32(this.bits + 1).u32(k).u32(radius).u32(0).u32(0).u32(0);
    this.rt.dispatch({ kernel: 'hamming_select', constants: { MODE: mode, WG: SELECT_WG } }, [hist, info], this.rt.grid(Math.ceil(nq / SELECT_WG)), u.bytes());
  }

  private dispatchEmit(qbuf: GPUBuffer, nq: number, hist: GPUBufferBinding, info: GPUBuffer, outIdx: GPUBuffer, outDist: GPUBuffer, l: Layout): void {
    this.chunks.forEach((c, ci) => {
      this.rt.dispatch(
        { kernel: 'hamming_emit', constants: { WORDS: this.words, WG: SCAN_WG } },
        [this.chunkBinding(c), qbuf, hist, info, outIdx, outDist],
        [Math.ceil(nq / SCAN_QUERIES), Math.ceil(c.count / l.block), 1],
        this.scanParams(nq, ci, l).bytes(),
      );
    });
  }

  private uploadQueries(queries: Uint32Array, q0: number, nq: number): GPUBuffer {
    const buf = this.rt.createStorage(nq * this.words * 4, 'hamming-queries');
    this.rt.write(buf, queries.subarray(q0 * this.words, (q0 + nq) * this.words));
    return buf;
  }

  /**
   * The k nearest codes of every query (packed, nq × words): nq × k row-major indices and distances,
   * ordered by (distance, database index). 1 ≤ k ≤ size.
   */
  async search(queries: Uint32Array, k: number): Promise<TopKResult> {
    const nq = this.checkQueries('search', queries);
    if (!Number.isInteger(k) || k < 1 || k > this.n) throw new RangeError(`HammingIndex.search: k must be an integer in 1..${this.n} (index size), got ${k}`);
    const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
    if (nq === 0) return { indices, distances };
    const rt = this.rt;
    const l = this.layout(nq);
    const batch = this.queryBatch('search', nq, k, l);
    const histBytes = batch * l.total * (this.bits + 1) * 4;
    const histBuf = rt.createStorage(histBytes, 'hamming-hist');
    const info = rt.createStorage(batch * 16, 'hamming-info');
    type Pending = { q0: number; nq: number; idx: GPUBuffer; dist: GPUBuffer; qbuf: GPUBuffer };
    let pending: Pending[] = [];
    const drain = async (): Promise<void> => {
      const bufs = await rt.readMany(pending.flatMap((p) => [{ buffer: p.idx, bytes: p.nq * k * 4 }, { buffer: p.dist, bytes: p.nq * k * 4 }]));
      pending.forEach((p, i) => {
        indices.set(new Uint32Array(bufs[2 * i]!), p.q0 * k);
        distances.set(new Uint32Array(bufs[2 * i + 1]!), p.q0 * k);
        rt.release(p.idx);
        rt.release(p.dist);
        rt.release(p.qbuf);
      });
      pending = [];
    };
    try {
      let pendingBytes = 0;
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const b = Math.min(batch, nq - q0);
        const hist = { buffer: histBuf, offset: 0, size: b * l.total * (this.bits + 1) * 4 };
        const qbuf = this.uploadQueries(queries, q0, b);
        const idx = rt.createStorage(b * k * 4, 'hamming-idx');
        const dist = rt.createStorage(b * k * 4, 'hamming-dist');
        this.dispatchHist(qbuf, b, hist, l);
        this.dispatchSelect(0, b, hist, info, l, k, 0);
        this.dispatchEmit(qbuf, b, hist, info, idx, dist, l);
        pending.push({ q0, nq: b, idx, dist, qbuf });
        pendingBytes += 2 * b * k * 4;
        if (pendingBytes >= READ_BATCH_BYTES) {
          await drain();
          pendingBytes = 0;
        }
      }
      if (pending.length) await drain();
    } finally {
      rt.release(histBuf);
      rt.release(info);
    }
    return { indices, distances };
  }

  /** Every code within Hamming distance r of each query, ordered by (distance, index) per query. */
  async searchRadius(queries: Uint32Array, r: number): Promise<RadiusResult> {
    const nq = this.checkQueries('searchRadius', queries);
    if (!Number.isInteger(r) || r < 0) throw new RangeError(`HammingIndex.searchRadius: radius must be a non-negative integer, got ${r}`);
    const rr = Math.min(r, this.bits);
    const rt = this.rt;
    const l = this.layout(nq);
    const batch = this.queryBatch('searchRadius', nq, 0, l);
    const maxBind = rt.limits.maxStorageBufferBindingSize;
    const histBuf = rt.createStorage(batch * l.total * (this.bits + 1) * 4, 'hamming-hist');
    const info = rt.createStorage(batch * 16, 'hamming-info');
    const offsets = new Uint32Array(nq + 1);
    const idxParts: Uint32Array[] = [], distParts: Uint32Array[] = [];
    try {
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const b = Math.min(batch, nq - q0);
        const hist = { buffer: histBuf, offset: 0, size: b * l.total * (this.bits + 1) * 4 };
        const qbuf = this.uploadQueries(queries, q0, b);
        this.dispatchHist(qbuf, b, hist, l);
        this.dispatchSelect(1, b, hist, info, l, 0, rr);
        const counts = new Uint32Array(await rt.read(info, 0, b * 16));
        const qi = new Uint32Array(b * 4);
        let total = 0;
        for (let q = 0; q < b; q++) {
          const c = counts[q * 4 + 3]!;
          qi.set([rr, total, total + c, c], q * 4);
          offsets[q0 + q + 1] = offsets[q0 + q]! + c;
          total += c;
        }
        if (total * 4 > maxBind) {
          rt.release(qbuf);
          throw new RangeError(`HammingIndex.searchRadius: radius ${r} matches ${total} codes for queries ${q0}..${q0 + b - 1}, over one binding (${maxBind} bytes); use a smaller radius or fewer queries`);
        }
        rt.write(info, qi);
        const idx = rt.createStorage(Math.max(4, total * 4), 'hamming-idx');
        const dist = rt.createStorage(Math.max(4, total * 4), 'hamming-dist');
        this.dispatchSelect(2, b, hist, info, l, 0, rr);
        this.dispatchEmit(qbuf, b, hist, info, idx, dist, l);
        const [bi, bd] = await rt.readMany([{ buffer: idx, bytes: total * 4 }, { buffer: dist, bytes: total * 4 }]);
        idxParts.push(new Uint32Array(bi!));
        distParts.push(new Uint32Array(bd!));
        rt.release(idx);
        rt.release(dist);
        rt.release(qbuf);
      }
    } finally {
      rt.release(histBuf);
      rt.release(info);
    }
    const concat = (parts: Uint32Array[]): Uint32Array => {
      const out = new Uint32Array(offsets[nq]!);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    return { offsets, indices: concat(idxParts), distances: concat(distParts) };
  }

  /** The packed codes (host copy), n × words. */
  codes(): Uint32Array {
    if (this.pendingReads.size) throw new CmhashError('HammingIndex.codes: codes added as tensors are still being read back; await index.settled() first');
    if (this.readError) throw new CmhashError(`HammingIndex.codes: reading back codes added as a tensor failed: ${this.readError.message}`);
    return this.host.slice(0, this.n * this.words);
  }

  /**
   * Compact file: 24-byte little-endian header (magic 'CMHI', version, bits, words, n as two u32
   * halves) followed by the n × words packed u32 codes.
   */
  save(): Uint8Array {
    this.assertLive('save');
    const codes = this.codes();
    const out = new Uint8Array(HEADER_BYTES + codes.byteLength);
    const v = new DataView(out.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, VERSION, true);
    v.setUint32(8, this.bits, true);
    v.setUint32(12, this.words, true);
    v.setUint32(16, this.n % 2 ** 32, true);
    v.setUint32(20, Math.floor(this.n / 2 ** 32), true);
    for (let i = 0; i < codes.length; i++) v.setUint32(HEADER_BYTES + i * 4, codes[i]!, true);
    return out;
  }

  /** The bits and packed codes of an index file (see save()), without a device. */
  static decode(bytes: Uint8Array): { bits: number; codes: Uint32Array } {
    if (!(bytes instanceof Uint8Array)) throw new DataError('HammingIndex.load: bytes must be a Uint8Array');
    if (bytes.byteLength < HEADER_BYTES) throw new DataError(`HammingIndex.load: ${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (v.getUint32(0, true) !== MAGIC) throw new DataError('HammingIndex.load: bad magic (not a cmhash Hamming index file)');
    const version = v.getUint32(4, true);
    if (version !== VERSION) throw new DataError(`HammingIndex.load: unsupported version ${version} (expected ${VERSION})`);
    const bits = v.getUint32(8, true), words = v.getUint32(12, true);
    if (bits < 1 || bits > 128 || words !== wordsFor(bits)) throw new DataError(`HammingIndex.load: header has bits ${bits} and words ${words}, which do not agree`);
    const n = v.getUint32(16, true) + v.getUint32(20, true) * 2 ** 32;
    const want = HEADER_BYTES + n * words * 4;
    if (bytes.byteLength !== want) throw new DataError(`HammingIndex.load: header says ${n} codes of ${bits} bits (${want} bytes), file has ${bytes.byteLength} bytes`);
    const codes = new Uint32Array(n * words);
    for (let i = 0; i < codes.length; i++) codes[i] = v.getUint32(HEADER_BYTES + i * 4, true);
    return { bits, codes };
  }

  static load(rt: Runtime, bytes: Uint8Array, opts: HammingIndexOptions = {}): HammingIndex {
    const { bits, codes } = HammingIndex.decode(bytes);
    const index = HammingIndex.create(rt, bits, opts);
    index.add(codes);
    return index;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.chunks) if (c.buffer) this.rt.release(c.buffer);
    this.chunks = [];
    this.host = new Uint32Array(0);
  }
}
