/**
 * Search planning for HammingIndex: which path a top-k search takes, how the database splits into scan
 * blocks, how many queries go in one batch and how large the candidate lists are — pure arithmetic on
 * sizes and adapter limits, no GPU calls (hamming-search.ts records the passes).
 *
 * Two exact top-k paths:
 *  - two-pass: per-(query, block) distance histograms of the whole database (hamming_hist), the k-th
 *    distance and output offsets (hamming_select), a second scan that emits the results (hamming_emit).
 *  - one-scan: histograms of a sample (the first `sampleItems` codes) give each query an upper bound
 *    on its k-th distance (the k-th distance within the sample); one scan of the database keeps the
 *    items within the bound in per-(query, block) lists (hamming_collect), and hamming_gather picks the
 *    exact top-k from the lists. It reads the database once instead of twice and skips the histogram
 *    update (a scattered private-memory write per item and query, the costliest part on lavapipe).
 *    Queries whose lists overflow are answered again (a few by the CPU scan over the host copy of the
 *    codes, more on the two-pass path: hamming-search.ts), so results never change.
 */
import { KERNELS } from '../kernels/descriptors.js';
/** Workgroup size of the two scans (hamming_hist and hamming_emit share one grid): their descriptors' WG. */
export const SCAN_WG: number = KERNELS.hamming_hist.wg;
/** Queries per scan invocation (QPI in kernels/hamming_hist, hamming_emit, hamming_collect). */
export const SCAN_QPI = 4;
/** Queries per scan workgroup: query batches are rounded to multiples of this. */
export const SCAN_QUERIES = SCAN_WG * SCAN_QPI;
/** Smallest scan block (items per invocation) of the two-pass path; larger databases get larger blocks. */
export const MIN_BLOCK = 4096;
/** Scan block of the one-scan path (at most 65536: list entries store the item's offset in 16 bits). */
export const COLLECT_BLOCK = 4096;
export const DEFAULT_SAMPLE_ITEMS = 65536;

export interface Limits {
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** How one pass splits the database into scan blocks. */
export interface Layout {
  block: number;
  /** Items scanned in each chunk (all of them, or a sample's share). */
  counts: number[];
  /** Global index of each chunk's first block. */
  block0: number[];
  total: number;
}

export function layoutFor(counts: readonly number[], block: number): Layout {
  const block0: number[] = [];
  let total = 0;
  for (const c of counts) {
    block0.push(total);
    total += Math.ceil(c / block);
  }
  return { block, counts: [...counts], block0, total };
}

/**
 * Two-pass blocks for nq queries: the fixed blockSize, or the smallest power-of-two multiple of 4096
 * such that a full workgroup of queries' histograms fits one binding and every chunk's block count
 * fits one dispatch dimension.
 */
export function twoPassLayout(counts: readonly number[], chunkItems: number, bits: number, nq: number, lim: Limits, blockSize: number | null): Layout {
  if (blockSize !== null) return layoutFor(counts, blockSize);
  const cols = Math.min(Math.max(1, nq), SCAN_QUERIES);
  for (let block = MIN_BLOCK; ; block *= 2) {
    const l = layoutFor(counts, block);
    if ((l.total * (bits + 1) * 4 * cols <= lim.maxStorageBufferBindingSize && Math.ceil(chunkItems / block) <= lim.maxComputeWorkgroupsPerDimension) || block >= chunkItems) return l;
  }
}

/** Largest query batch whose per-query buffers (`bytesPerQuery` in the largest binding) fit; multiple of SCAN_QUERIES unless it takes every query. */
export function batchFor(nq: number, maxQueryBatch: number, bytesPerQuery: number, maxBind: number): number {
  let b = Math.min(nq, maxQueryBatch, Math.floor(maxBind / Math.max(4, bytesPerQuery)));
  if (b > SCAN_QUERIES && b < nq) b -= b % SCAN_QUERIES;
  return b;
}

/** Items of each chunk that belong to the first `items` codes. */
export function prefixCounts(counts: readonly number[], items: number): number[] {
  let left = items;
  return counts.map((c) => {
    const take = Math.min(c, left);
    left -= take;
    return take;
  });
}

export interface OneScanPlan {
  /** Histogram pass over the sample. */
  sample: Layout;
  sampleItems: number;
  /** Candidate scan over the whole database. */
  scan: Layout;
  /** List capacity per (query, block). */
  cap: number;
  batch: number;
}

export interface OneScanOptions {
  sampleItems: number;
  /** List capacity per (query, block); default from k and the sample size. */
  cap?: number;
  maxQueryBatch: number;
}

/**
 * The one-scan plan, or null when the two-pass path is the better (or only) choice: a database smaller
 * than 4 samples (the sample scan would be a large part of the work), or k so large relative to the
 * sample that the lists would mostly overflow. `force` skips those cost checks (tests), not the
 * feasibility ones.
 */
export function oneScanPlan(counts: readonly number[], bits: number, nq: number, k: number, lim: Limits, o: OneScanOptions, force: boolean): OneScanPlan | null {
  const n = counts.reduce((a, b) => a + b, 0);
  const sampleItems = Math.min(n, Math.max(o.sampleItems, k));
  if (!force && (n < 4 * o.sampleItems || k > o.sampleItems / 16)) return null;
  // Expected candidates per block: about k (more with ties at the bound) × block / sample; room for 4×.
  const cap = o.cap ?? Math.max(64, 8 * Math.ceil((k * COLLECT_BLOCK) / sampleItems));
  const scan = layoutFor(counts, COLLECT_BLOCK);
  const sample = layoutFor(prefixCounts(counts, sampleItems), COLLECT_BLOCK);
  const maxBind = lim.maxStorageBufferBindingSize;
  const perQuery = Math.max(scan.total * cap * 4, sample.total * (bits + 1) * 4, k * 4);
  if (perQuery > maxBind) return null;
  return { sample, sampleItems, scan, cap, batch: batchFor(nq, o.maxQueryBatch, perQuery, maxBind) };
}
