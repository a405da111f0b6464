/**
 * HammingIndex: a packed binary-code database on the GPU with exact top-k and radius search.
 *
 * The class is the public face; the work is split by job: hamming-store.ts holds the codes (GPU chunks
 * of at most `maxStorageBufferBindingSize` bytes, host mirror), hamming-plan.ts chooses the path and the
 * layout of a search, hamming-search.ts records the passes (kernels/hamming_hist, hamming_select,
 * hamming_emit, hamming_collect, hamming_gather). Every path is exact: results are ordered by
 * (distance, database index) and equal the CPU scan (cpu-scan.ts) bit for bit. The file format
 * (save/load) is index-file.ts.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError, DataError, ShapeError } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkBits, wordsFor } from '../ops/hashing.js';
import type { RadiusResult, TopKResult } from './cpu-scan.js';
import { HammingStore } from './hamming-store.js';
import { HammingSearch, defaultCpuRedoPairs } from './hamming-search.js';
import { DEFAULT_SAMPLE_ITEMS, oneScanPlan } from './hamming-plan.js';
import { MultiIndexHashing, type MultiIndexOptions } from './multi-index.js';
import { decodeIndexFile, encodeIndexFile } from './index-file.js';

export type SearchStrategy = 'auto' | 'two-pass' | 'one-scan';

export interface HammingIndexOptions {
  /**
   * Items per scan block of the two-pass path (one invocation scans one block for a few queries).
   * Default: 4096, doubled per search until a full workgroup of queries' histograms fits one binding.
   */
  blockSize?: number;
  /**
   * Items per database chunk (one buffer, one dispatch per pass). Default: as many as fit in
   * `maxStorageBufferBindingSize`. Small values test chunking.
   */
  chunkItems?: number;
  /** Upper bound on queries per batch (default: as many as the bindings allow). */
  maxQueryBatch?: number;
  /**
   * Top-k path (src/retrieval/hamming-plan.ts): 'one-scan' (a sample bounds the k-th distance, one scan
   * collects candidates), 'two-pass' (histogram scan + emit scan), or 'auto' (default: one-scan when the
   * database holds at least 4 samples and k ≤ sample / 16). Results are identical.
   */
  strategy?: SearchStrategy;
  /** Codes in the one-scan path's sample (default 65536; at least k are used). */
  sampleItems?: number;
  /** One-scan candidate list capacity per (query, 4096-item block); default from k and the sample. Small values test the overflow fallback. */
  candidatesPerBlock?: number;
  /**
   * One-scan queries whose candidate lists overflow are answered again exactly: by the plain-TypeScript
   * scan over the host copy of the codes when (queries × codes) ≤ this, else by a GPU two-pass search.
   * Default: 8M pairs on a CPU (fallback) adapter, 1M on a GPU (see defaultCpuRedoPairs); 0: always the GPU.
   */
  cpuRedoPairs?: number;
  /**
   * Answer top-k searches with multi-index hashing (src/retrieval/multi-index.ts: substring tables on the
   * host, built at the first search after an add) instead of a GPU scan: much faster when the k-th
   * neighbour is near (near-duplicate, same-modal queries on learned codes), slower when it is far
   * (cross-modal queries, random codes). Results are identical. Radius search stays on the GPU.
   * 'auto' (or { auto: true, … }): each search times up to 32 of its queries on the tables and answers
   * the rest by whichever of them and the GPU scan costs less per query (the scan's cost is measured on
   * this index, at the first search of more than 32 queries, on up to 128 of them; see lastAuto).
   */
  multiIndex?: boolean | 'auto' | (MultiIndexOptions & { auto?: boolean });
}

/** Most queries of an auto search timed on multi-index hashing, and on the scan when its cost is unknown. */
export const AUTO_SAMPLE_QUERIES = 32;
export const AUTO_SCAN_QUERIES = 128;

/** How the last multiIndex: 'auto' search split its queries. */
export interface AutoChoice {
  /** Queries answered by multi-index hashing to time it (after the scan's calibration slice, if any). */
  sampled: number;
  multiIndexMsPerQuery: number;
  /** The GPU scan's cost per query on this index (null if it is unknown and the search had ≤ 32 queries). */
  scanMsPerQuery: number | null;
  /** Path of the remaining queries. */
  rest: 'multi-index' | 'scan' | 'none';
}

export class HammingIndex {
  readonly words: number;
  readonly blockSize: number | null;
  readonly chunkItems: number;
  readonly strategy: SearchStrategy;
  private readonly maxQueryBatch: number;
  private readonly sampleItems: number;
  private readonly candidatesPerBlock: number | undefined;
  private readonly store: HammingStore;
  private readonly searcher: HammingSearch;
  private readonly multiIndex: MultiIndexOptions | null;
  private readonly autoMultiIndex: boolean;
  private mih: MultiIndexHashing | null = null;
  /** Wall ms per query of the latest GPU scan search of at least AUTO_SCAN_QUERIES queries (or the calibration); reset by add. */
  private scanMsPerQuery: number | null = null;
  /** How the last multiIndex: 'auto' search split its queries (null for other searches). */
  lastAuto: AutoChoice | null = null;
  private disposed = false;
  /** Queries the last one-scan search had to answer again (list overflow), and on which path (null: none). */
  lastOverflowed = 0;
  lastRedo: 'cpu' | 'two-pass' | null = null;
  /** Path the last top-k search took. */
  lastStrategy: 'one-scan' | 'two-pass' | 'multi-index' | null = null;

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
    this.strategy = opts.strategy ?? 'auto';
    if (!['auto', 'two-pass', 'one-scan'].includes(this.strategy)) throw new RangeError(`HammingIndex: strategy must be 'auto', 'two-pass' or 'one-scan', got '${String(opts.strategy)}'`);
    this.sampleItems = opts.sampleItems ?? DEFAULT_SAMPLE_ITEMS;
    if (!Number.isInteger(this.sampleItems) || this.sampleItems < 1) throw new RangeError(`HammingIndex: sampleItems must be a positive integer, got ${opts.sampleItems}`);
    this.candidatesPerBlock = opts.candidatesPerBlock;
    if (this.candidatesPerBlock !== undefined && (!Number.isInteger(this.candidatesPerBlock) || this.candidatesPerBlock < 1)) throw new RangeError(`HammingIndex: candidatesPerBlock must be a positive integer, got ${opts.candidatesPerBlock}`);
    const mi = opts.multiIndex;
    if (mi !== undefined && mi !== true && mi !== false && mi !== 'auto' && (typeof mi !== 'object' || mi === null)) {
      throw new RangeError(`HammingIndex: multiIndex must be true, false, 'auto' or an options object, got ${String(mi)}`);
    }
    this.autoMultiIndex = mi === 'auto' || (typeof mi === 'object' && mi.auto === true);
    this.multiIndex = !mi ? null : mi === true || mi === 'auto' ? {} : { substrings: mi.substrings };
    const cpuRedoPairs = opts.cpuRedoPairs ?? defaultCpuRedoPairs(rt);
    if (!Number.isInteger(cpuRedoPairs) || cpuRedoPairs < 0) throw new RangeError(`HammingIndex: cpuRedoPairs must be a non-negative integer, got ${opts.cpuRedoPairs}`);
    this.store = new HammingStore(rt, bits, this.words, this.chunkItems);
    this.searcher = new HammingSearch(this.store, this.blockSize, this.maxQueryBatch, cpuRedoPairs);
  }

  static create(rt: Runtime, bits: number, opts: HammingIndexOptions = {}): HammingIndex {
    return new HammingIndex(rt, bits, opts);
  }

  /** Number of codes in the index. */
  get size(): number {
    return this.store.n;
  }

  /** The multi-index tables (null unless the multiIndex option is set and a search built them). */
  get multiIndexTables(): MultiIndexHashing | null {
    return this.mih;
  }

  /** Number of database chunks (buffers). */
  get chunkCount(): number {
    return this.store.chunks.length;
  }

  private assertLive(what: string): void {
    if (this.disposed) throw new CmhashError(`HammingIndex.${what}: index was disposed`);
  }

  /** Append packed codes: a Uint32Array of n × words, or a u32 tensor [n, words]. */
  add(packed: Uint32Array | Tensor): void {
    this.assertLive('add');
    this.store.add(packed);
    this.mih = null;
    this.scanMsPerQuery = null;
  }

  /** Resolves once codes added as tensors are mirrored on the host (needed before save()). */
  async settled(): Promise<void> {
    await this.store.settled();
  }

  private checkQueries(op: string, queries: Uint32Array): number {
    this.assertLive(op);
    if (!(queries instanceof Uint32Array)) throw new ShapeError(`HammingIndex.${op}: queries must be a Uint32Array of packed codes`);
    if (queries.length % this.words !== 0) throw new ShapeError(`HammingIndex.${op}: queries has ${queries.length} words, not a multiple of ${this.words} (${this.bits}-bit codes)`);
    if (this.store.n === 0) throw new CmhashError(`HammingIndex.${op}: the index is empty`);
    return queries.length / this.words;
  }

  /**
   * The k nearest codes of every query (packed, nq × words): nq × k row-major indices and distances,
   * ordered by (distance, database index). 1 ≤ k ≤ size.
   */
  async search(queries: Uint32Array, k: number): Promise<TopKResult> {
    const nq = this.checkQueries('search', queries);
    if (!Number.isInteger(k) || k < 1 || k > this.store.n) throw new RangeError(`HammingIndex.search: k must be an integer in 1..${this.store.n} (index size), got ${k}`);
    if (nq === 0) return { indices: new Uint32Array(0), distances: new Uint32Array(0) };
    this.lastAuto = null;
    if (this.multiIndex) {
      await this.store.settled();
      this.mih ??= new MultiIndexHashing(this.store.codes(), this.bits, this.multiIndex);
      if (this.autoMultiIndex) return this.searchAuto(this.mih, queries, nq, k);
      this.lastStrategy = 'multi-index';
      this.lastOverflowed = 0;
      this.lastRedo = null;
      return this.mih.search(queries, k);
    }
    return this.scan(queries, nq, k);
  }

  /**
   * multiIndex 'auto': the scan's cost per query (measured on this index: on up to 128 of this search's
   * queries the first time), then up to 32 queries on the tables one by one, timed (stopping after 4 if
   * they take over twice the scan's time), then the rest by the cheaper of the two. Results are kept
   * from every part, so nothing is computed twice.
   */
  private async searchAuto(mih: MultiIndexHashing, queries: Uint32Array, nq: number, k: number): Promise<TopKResult> {
    const w = this.words;
    const parts: TopKResult[] = [];
    let at = 0;
    let scanMs = this.scanMsPerQuery;
    if (scanMs === null && nq > AUTO_SAMPLE_QUERIES) {
      const take = Math.min(nq - AUTO_SAMPLE_QUERIES, AUTO_SCAN_QUERIES);
      const t0 = performance.now();
      parts.push(await this.scanPaths(queries.subarray(0, take * w), take, k));
      scanMs = (performance.now() - t0) / take;
      if (take >= AUTO_SCAN_QUERIES / 2) this.scanMsPerQuery = scanMs; // fixed costs make smaller slices unrepresentative
      at = take;
    }
    const end = Math.min(nq, at + AUTO_SAMPLE_QUERIES);
    let sampled = 0, mihMs = 0;
    const t0 = performance.now();
    while (at < end) {
      parts.push(mih.search(queries.subarray(at * w, (at + 1) * w), k));
      at++;
      mihMs = (performance.now() - t0) / ++sampled;
      if (scanMs !== null && sampled >= 4 && mihMs > 2 * scanMs) break;
    }
    let rest: AutoChoice['rest'] = 'none';
    this.lastStrategy = 'multi-index';
    this.lastOverflowed = 0;
    this.lastRedo = null;
    if (at < nq) {
      rest = scanMs !== null && scanMs < mihMs ? 'scan' : 'multi-index';
      parts.push(rest === 'scan' ? await this.scan(queries.subarray(at * w), nq - at, k) : mih.search(queries.subarray(at * w), k));
      if (rest === 'multi-index') this.lastStrategy = 'multi-index';
    }
    this.lastAuto = { sampled, multiIndexMsPerQuery: mihMs, scanMsPerQuery: scanMs, rest };
    const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
    let o = 0;
    for (const p of parts) {
      indices.set(p.indices, o);
      distances.set(p.distances, o);
      o += p.indices.length;
    }
    return { indices, distances };
  }

  /** The GPU scan (one-scan or two-pass path); a search of at least 128 queries updates its cost per query for multiIndex 'auto'. */
  private async scan(queries: Uint32Array, nq: number, k: number): Promise<TopKResult> {
    const t0 = performance.now();
    const res = await this.scanPaths(queries, nq, k);
    if (nq >= AUTO_SCAN_QUERIES) this.scanMsPerQuery = (performance.now() - t0) / nq;
    return res;
  }

  private async scanPaths(queries: Uint32Array, nq: number, k: number): Promise<TopKResult> {
    const plan = this.strategy === 'two-pass' ? null : oneScanPlan(
      this.store.chunks.map((c) => c.count), this.bits, nq, k, this.rt.limits,
      { sampleItems: this.sampleItems, cap: this.candidatesPerBlock, maxQueryBatch: this.maxQueryBatch }, this.strategy === 'one-scan',
    );
    if (!plan) {
      this.lastStrategy = 'two-pass';
      this.lastOverflowed = 0;
      this.lastRedo = null;
      return this.searcher.topKTwoPass(queries, nq, k);
    }
    this.lastStrategy = 'one-scan';
    const { overflowed, redo, ...res } = await this.searcher.topKOneScan(queries, nq, k, plan);
    this.lastOverflowed = overflowed;
    this.lastRedo = redo;
    return res;
  }

  /** Every code within Hamming distance r of each query, ordered by (distance, index) per query. */
  async searchRadius(queries: Uint32Array, r: number): Promise<RadiusResult> {
    const nq = this.checkQueries('searchRadius', queries);
    if (!Number.isInteger(r) || r < 0) throw new RangeError(`HammingIndex.searchRadius: radius must be a non-negative integer, got ${r}`);
    return this.searcher.radius(queries, nq, r);
  }

  /** The packed codes (host copy), n × words. */
  codes(): Uint32Array {
    return this.store.codes();
  }

  /** The codes as an index file (docs/index-format.md; src/retrieval/index-file.ts); ids and labels: encodeIndexFile. */
  save(): Uint8Array {
    this.assertLive('save');
    return encodeIndexFile({ bits: this.bits, codes: this.codes() });
  }

  /** The bits and packed codes of an index file of any version (ids, labels: decodeIndexFile), without a device. */
  static decode(bytes: Uint8Array): { bits: number; codes: Uint32Array } {
    const { bits, codes } = decodeIndexFile(bytes, 'HammingIndex.load');
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
    this.store.dispose();
  }
}
