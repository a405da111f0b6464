/**
 * The GPU passes of HammingIndex's searches (paths and layouts: hamming-plan.ts). Each function records
 * its dispatches for one query batch and reads results back; the store (hamming-store.ts) supplies the
 * database chunks.
 */
import type { Runtime } from '../runtime/runtime.js';
import { launch } from '../ops/launch.js';
import { lastWordMask } from '../ops/hashing.js';
import type { HammingStore } from './hamming-store.js';
import { SCAN_QUERIES, SCAN_WG, batchFor, twoPassLayout, type Layout, type OneScanPlan } from './hamming-plan.js';
import { hammingTopKCpu, type RadiusResult, type TopKResult } from './cpu-scan.js';

/** Read results back once this many output bytes are pending. */
const READ_BATCH_BYTES = 64 * 1024 * 1024;

/** One query batch's result buffers; `info` (one-scan path) flags queries to redo. */
interface PendingBatch { q0: number; nq: number; idx: GPUBuffer; dist: GPUBuffer; info: GPUBuffer | null; release: GPUBuffer[] }

/**
 * Reads top-k batches back together (one wait per READ_BATCH_BYTES of results: each wait busy-polls a
 * core on lavapipe), copies them into place and releases their buffers; collects the queries flagged
 * in `info`.w for the two-pass redo.
 */
class TopKReader {
  private pending: PendingBatch[] = [];
  private bytes = 0;
  readonly redo: number[] = [];
  readonly indices: Uint32Array;
  readonly distances: Uint32Array;

  constructor(private readonly rt: Runtime, nq: number, private readonly k: number) {
    this.indices = new Uint32Array(nq * k);
    this.distances = new Uint32Array(nq * k);
  }

  async add(p: PendingBatch): Promise<void> {
    this.pending.push(p);
    this.bytes += 2 * p.nq * this.k * 4;
    if (this.bytes >= READ_BATCH_BYTES) await this.drain();
  }

  async drain(): Promise<void> {
    if (this.pending.length === 0) return;
    const k = this.k, per = (p: PendingBatch): number => (p.info ? 3 : 2);
    const bufs = await this.rt.readMany(this.pending.flatMap((p) => [
      { buffer: p.idx, bytes: p.nq * k * 4 }, { buffer: p.dist, bytes: p.nq * k * 4 }, ...(p.info ? [{ buffer: p.info, bytes: p.nq * 16 }] : []),
    ]));
    let at = 0;
    for (const p of this.pending) {
      this.indices.set(new Uint32Array(bufs[at]!), p.q0 * k);
      this.distances.set(new Uint32Array(bufs[at + 1]!), p.q0 * k);
      if (p.info) {
        const inf = new Uint32Array(bufs[at + 2]!);
        for (let q = 0; q < p.nq; q++) if (inf[q * 4 + 3] !== 0) this.redo.push(p.q0 + q);
      }
      at += per(p);
      for (const b of [p.idx, p.dist, ...(p.info ? [p.info] : []), ...p.release]) this.rt.release(b);
    }
    this.pending = [];
    this.bytes = 0;
  }
}

/**
 * Default of HammingIndexOptions.cpuRedoPairs: most query × code pairs of an overflow redo scanned on the
 * CPU. On a CPU adapter (lavapipe) a GPU two-pass search of a few queries still costs two passes over the
 * database at low lane occupancy plus a round trip (≈ 50–100 ms at 1M codes) against ≈ 4–9 ms per query
 * for the plain-TypeScript scan: 8M pairs ≈ 35–70 ms. On a real GPU the two-pass redo is a few
 * milliseconds, so only about one query of a 1M-code database goes to the CPU.
 */
export function defaultCpuRedoPairs(rt: Runtime): number {
  return rt.info.isFallbackAdapter ? 8 * 2 ** 20 : 2 ** 20;
}

export class HammingSearch {
  readonly rt: Runtime;
  constructor(private readonly store: HammingStore, private readonly blockSize: number | null, private readonly maxQueryBatch: number, private readonly cpuRedoPairs: number) {
    this.rt = store.rt;
  }

  private get bits(): number {
    return this.store.bits;
  }

  private get words(): number {
    return this.store.words;
  }

  /** A scan kernel over every chunk's share of layout `l`; `bins`: bits + 1, or the list capacity when collecting. */
  private dispatchScan(kernel: 'hamming_hist' | 'hamming_emit', nq: number, l: Layout, bins: number, bindings: (ci: number) => (GPUBuffer | GPUBufferBinding)[], collect = false): void {
    l.counts.forEach((count, ci) => {
      if (count === 0) return;
      const params = {
        nq, n: count, block: l.block, nblocks_total: l.total, block0: l.block0[ci]!, bins, last_mask: lastWordMask(this.bits), index0: ci * this.store.chunkItems,
      };
      launch(this.rt, kernel, bindings(ci), params, {
        constants: { WORDS: this.words, WG: SCAN_WG, ...(collect ? { COLLECT: 1 } : {}) },
        workgroups: [Math.ceil(nq / SCAN_QUERIES), Math.ceil(count / l.block), 1],
      });
    });
  }

  private dispatchHist(qbuf: GPUBuffer, nq: number, hist: GPUBufferBinding, l: Layout): void {
    this.dispatchScan('hamming_hist', nq, l, this.bits + 1, (ci) => [this.store.binding(ci, l.counts[ci]), qbuf, hist]);
  }

  private dispatchSelect(mode: 0 | 1 | 2, nq: number, hist: GPUBufferBinding, info: GPUBuffer, l: Layout, k: number, radius: number): void {
    launch(this.rt, 'hamming_select', [hist, info], { nq, nblocks: l.total, bins: this.bits + 1, k, radius }, { constants: { MODE: mode } });
  }

  private dispatchEmit(qbuf: GPUBuffer, nq: number, hist: GPUBufferBinding, info: GPUBuffer, outIdx: GPUBuffer, outDist: GPUBuffer, l: Layout): void {
    this.dispatchScan('hamming_emit', nq, l, this.bits + 1, (ci) => [this.store.binding(ci), qbuf, hist, info, outIdx, outDist]);
  }

  private uploadQueries(queries: Uint32Array, q0: number, nq: number): GPUBuffer {
    const buf = this.rt.createStorage(nq * this.words * 4, 'hamming-queries');
    this.rt.write(buf, queries.subarray(q0 * this.words, (q0 + nq) * this.words));
    return buf;
  }

  private layout(nq: number): Layout {
    return twoPassLayout(this.store.chunks.map((c) => c.count), this.store.chunkItems, this.bits, nq, this.rt.limits, this.blockSize);
  }

  /** Queries per batch such that the histogram (and `outPerQuery` u32 outputs) fit one binding. */
  private queryBatch(op: string, nq: number, outPerQuery: number, l: Layout): number {
    const maxBind = this.rt.limits.maxStorageBufferBindingSize;
    const histPerQuery = l.total * (this.bits + 1) * 4;
    const b = batchFor(nq, this.maxQueryBatch, Math.max(histPerQuery, outPerQuery * 4), maxBind);
    if (b < 1) {
      throw new RangeError(`HammingIndex.${op}: one query needs ${histPerQuery} bytes of histogram (${this.store.n} codes, blocks of ${l.block}) or ${outPerQuery * 4} bytes of output, over maxStorageBufferBindingSize ${maxBind}; use a larger blockSize or smaller k`);
    }
    return b;
  }

  /** Exact top-k on the two-pass path (nq ≥ 1, 1 ≤ k ≤ n). */
  async topKTwoPass(queries: Uint32Array, nq: number, k: number): Promise<TopKResult> {
    const rt = this.rt;
    const l = this.layout(nq);
    const batch = this.queryBatch('search', nq, k, l);
    const histBuf = rt.createStorage(batch * l.total * (this.bits + 1) * 4, 'hamming-hist');
    const info = rt.createStorage(batch * 16, 'hamming-info');
    const reader = new TopKReader(rt, nq, k);
    try {
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const b = Math.min(batch, nq - q0);
        const hist = { buffer: histBuf, offset: 0, size: b * l.total * (this.bits + 1) * 4 };
        const qbuf = this.uploadQueries(queries, q0, b);
        const idx = rt.createStorage(b * k * 4, 'hamming-idx');
        const dist = rt.createStorage(b * k * 4, 'hamming-dist');
        this.dispatchHist(qbuf, b, hist, l);
        this.dispatchSelect(0, b, hist, info, l, k, 0);
        this.dispatchEmit(qbuf, b, hist, info, idx, dist, l);
        await reader.add({ q0, nq: b, idx, dist, info: null, release: [qbuf] });
      }
      await reader.drain();
    } finally {
      rt.release(histBuf);
      rt.release(info);
    }
    return { indices: reader.indices, distances: reader.distances };
  }

  /**
   * Exact top-k on the one-scan path. Queries whose candidate lists overflowed are answered again: by
   * the CPU scan over the store's host mirror when they are few (at most cpuRedoPairs query × code
   * pairs), else with topKTwoPass; `overflowed` says how many, `redo` where.
   */
  async topKOneScan(queries: Uint32Array, nq: number, k: number, plan: OneScanPlan): Promise<TopKResult & { overflowed: number; redo: 'cpu' | 'two-pass' | null }> {
    const rt = this.rt;
    const { sample, scan, cap, batch } = plan;
    const histBuf = rt.createStorage(batch * sample.total * (this.bits + 1) * 4, 'hamming-hist');
    const countsBuf = rt.createStorage(batch * scan.total * 4, 'hamming-counts');
    const candsBuf = rt.createStorage(batch * scan.total * cap * 4, 'hamming-cands');
    const starts = new Uint32Array(scan.total);
    scan.counts.forEach((c, ci) => {
      for (let j = 0; j * scan.block < c; j++) starts[scan.block0[ci]! + j] = ci * this.store.chunkItems + j * scan.block;
    });
    const startsBuf = rt.createStorage(starts.byteLength, 'hamming-starts');
    const unused = rt.createStorage(16, 'hamming-unused'); // hamming_emit's out_dist, not written when COLLECT
    rt.write(startsBuf, starts);
    const reader = new TopKReader(rt, nq, k);
    try {
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const b = Math.min(batch, nq - q0);
        const qbuf = this.uploadQueries(queries, q0, b);
        const info = rt.createStorage(b * 16, 'hamming-info');
        const idx = rt.createStorage(b * k * 4, 'hamming-idx');
        const dist = rt.createStorage(b * k * 4, 'hamming-dist');
        const hist = { buffer: histBuf, offset: 0, size: b * sample.total * (this.bits + 1) * 4 };
        const counts = { buffer: countsBuf, offset: 0, size: b * scan.total * 4 };
        const cands = { buffer: candsBuf, offset: 0, size: b * scan.total * cap * 4 };
        this.dispatchHist(qbuf, b, hist, sample);
        this.dispatchSelect(0, b, hist, info, sample, k, 0);
        this.dispatchScan('hamming_emit', b, scan, cap, (ci) => [this.store.binding(ci), qbuf, counts, info, cands, unused], true);
        launch(rt, 'hamming_gather', [counts, cands, startsBuf, info, idx, dist], { nq: b, nblocks: scan.total, cap, k });
        await reader.add({ q0, nq: b, idx, dist, info, release: [qbuf] });
      }
      await reader.drain();
    } finally {
      for (const buf of [histBuf, countsBuf, candsBuf, startsBuf, unused]) rt.release(buf);
    }
    const { indices, distances, redo } = reader;
    if (redo.length === 0) return { indices, distances, overflowed: 0, redo: null };
    const w = this.words;
    const sub = new Uint32Array(redo.length * w);
    redo.forEach((q, i) => sub.set(queries.subarray(q * w, (q + 1) * w), i * w));
    const host = redo.length * this.store.n <= this.cpuRedoPairs ? this.store.hostCodes() : null;
    const again = host ? hammingTopKCpu(sub, host, this.bits, k) : await this.topKTwoPass(sub, redo.length, k);
    redo.forEach((q, i) => {
      indices.set(again.indices.subarray(i * k, (i + 1) * k), q * k);
      distances.set(again.distances.subarray(i * k, (i + 1) * k), q * k);
    });
    return { indices, distances, overflowed: redo.length, redo: host ? 'cpu' : 'two-pass' };
  }

  /** Every code within Hamming distance r of each query, ordered by (distance, index) per query. */
  async radius(queries: Uint32Array, nq: number, r: number): Promise<RadiusResult> {
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
}
