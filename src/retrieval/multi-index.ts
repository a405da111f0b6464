/**
 * Multi-index hashing (Norouzi, Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index
 * Hashing", CVPR 2012): exact k-nearest-neighbour search that looks at a small part of the database
 * when codes cluster (learned codes do; uniform random codes do not).
 *
 * Each code is cut into m disjoint substrings; table i maps every value of substring i to the items
 * holding it (a counting sort: offsets + ids, ids ascending within a bucket). By the pigeonhole
 * principle, an item at distance d from the query has some substring within ⌊d/m⌋ of the query's. The
 * search probes radius s = 0, 1, … table by table (every bucket whose key differs from the query's
 * substring in exactly s bits), verifies each new candidate with a full XOR-popcount, and stops once
 * it has k candidates within the distance every unseen item must exceed: after table i at radius s,
 * an unseen item differs in ≥ s+1 bits on substrings 0..i and ≥ s on the others, so d ≥ m·s + i + 1.
 * The top-k is then taken in (distance, index) order, so results equal the flat scan's exactly.
 * Host-side (plain TypeScript, one thread); browser-safe.
 */
import { checkBits, lastWordMask, wordsFor } from '../ops/hashing.js';
import { ShapeError } from '../runtime/errors.js';
import { popcount32, type TopKResult } from './cpu-scan.js';

export interface MultiIndexOptions {
  /** Number of substrings m (default: bits / log2(n), rounded, with substrings of at most 20 bits). */
  substrings?: number;
}

export interface MultiIndexStats {
  /** Candidates verified (full distances computed), summed over the queries. */
  candidates: number;
  /** Buckets probed, summed over the queries. */
  probes: number;
}

const MAX_WIDTH = 20;

/** Substring count for n codes of `bits` bits (Norouzi et al.: about bits / log2 n). */
export function defaultSubstrings(bits: number, n: number): number {
  const m = Math.max(1, Math.round(bits / Math.max(1, Math.log2(Math.max(2, n)))));
  return Math.min(bits, Math.max(m, Math.ceil(bits / MAX_WIDTH)));
}

/** Bits [start, start + width) of code `i` (width ≤ 31). */
function substring(codes: Uint32Array, words: number, i: number, start: number, width: number): number {
  const w0 = start >>> 5, off = start & 31;
  let v = codes[i * words + w0]! >>> off;
  if (off + width > 32) v |= codes[i * words + w0 + 1]! << (32 - off);
  return (v & ((1 << width) - 1)) >>> 0;
}

/** Every width-bit mask with exactly s bits set, cached per (width, s). */
const maskCache = new Map<string, Uint32Array>();
function masksOf(width: number, s: number): Uint32Array {
  const key = `${width}:${s}`;
  let m = maskCache.get(key);
  if (m) return m;
  const out: number[] = [];
  const rec = (from: number, left: number, acc: number): void => {
    if (left === 0) {
      out.push(acc >>> 0);
      return;
    }
    for (let b = from; b <= width - left; b++) rec(b + 1, left - 1, acc | (1 << b));
  };
  rec(0, s, 0);
  m = Uint32Array.from(out);
  maskCache.set(key, m);
  return m;
}

export class MultiIndexHashing {
  readonly words: number;
  readonly n: number;
  readonly m: number;
  readonly starts: number[] = [];
  readonly widths: number[] = [];
  private readonly codes: Uint32Array;
  private readonly tables: { offsets: Uint32Array; ids: Uint32Array }[] = [];
  private stamp: Uint32Array;
  private epoch = 0;
  stats: MultiIndexStats = { candidates: 0, probes: 0 };

  constructor(codes: Uint32Array, readonly bits: number, opts: MultiIndexOptions = {}) {
    checkBits('MultiIndexHashing', bits);
    this.words = wordsFor(bits);
    if (codes.length % this.words !== 0) throw new ShapeError(`MultiIndexHashing: codes has ${codes.length} words, not a multiple of ${this.words} (${bits}-bit codes)`);
    this.n = codes.length / this.words;
    this.m = opts.substrings ?? defaultSubstrings(bits, this.n);
    if (!Number.isInteger(this.m) || this.m < 1 || Math.ceil(bits / this.m) > MAX_WIDTH) {
      throw new RangeError(`MultiIndexHashing: substrings must be an integer with ceil(${bits} / substrings) ≤ ${MAX_WIDTH} bits, got ${opts.substrings}`);
    }
    // Padding bits cleared once, so verification is a plain XOR-popcount.
    this.codes = codes.slice();
    const mask = lastWordMask(bits);
    for (let i = 0; i < this.n; i++) this.codes[i * this.words + this.words - 1]! &= mask;
    let start = 0;
    for (let t = 0; t < this.m; t++) {
      const width = Math.floor(bits / this.m) + (t < bits % this.m ? 1 : 0);
      this.starts.push(start);
      this.widths.push(width);
      start += width;
      const keys = new Uint32Array(this.n);
      const offsets = new Uint32Array((1 << width) + 1);
      for (let i = 0; i < this.n; i++) {
        const k = substring(this.codes, this.words, i, this.starts[t]!, width);
        keys[i] = k;
        offsets[k + 1]!++;
      }
      for (let k = 0; k < 1 << width; k++) offsets[k + 1]! += offsets[k]!;
      const fill = offsets.slice(0, 1 << width);
      const ids = new Uint32Array(this.n);
      for (let i = 0; i < this.n; i++) ids[fill[keys[i]!]!++] = i; // ascending ids within a bucket
      this.tables.push({ offsets, ids });
    }
    this.stamp = new Uint32Array(this.n);
  }

  /**
   * The k nearest codes of every query (packed, nq × words), ordered by (distance, index): the same
   * result as HammingIndex.search and hammingTopKCpu. 1 ≤ k ≤ n.
   */
  search(queries: Uint32Array, k: number): TopKResult {
    const w = this.words;
    if (queries.length % w !== 0) throw new ShapeError(`MultiIndexHashing.search: queries has ${queries.length} words, not a multiple of ${w} (${this.bits}-bit codes)`);
    if (!Number.isInteger(k) || k < 1 || k > this.n) throw new RangeError(`MultiIndexHashing.search: k must be an integer in 1..${this.n}, got ${k}`);
    const nq = queries.length / w;
    const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
    const q = new Uint32Array(w);
    const mask = lastWordMask(this.bits);
    const lists: number[][] = Array.from({ length: this.bits + 1 }, () => []);
    const codes = this.codes;
    let candidates = 0, probes = 0;
    for (let qi = 0; qi < nq; qi++) {
      q.set(queries.subarray(qi * w, (qi + 1) * w));
      q[w - 1]! &= mask;
      if (++this.epoch === 0xffffffff) {
        this.stamp.fill(0);
        this.epoch = 1;
      }
      const ep = this.epoch;
      for (const l of lists) l.length = 0;
      const keys = this.starts.map((s, t) => substring(q, w, 0, s, this.widths[t]!));
      const q0 = q[0]!, q1 = w > 1 ? q[1]! : 0;
      let done = false;
      for (let s = 0; !done && s <= this.widths[0]!; s++) {
        for (let t = 0; t < this.m && !done; t++) {
          if (s > this.widths[t]!) continue;
          const { offsets, ids } = this.tables[t]!;
          const masks = masksOf(this.widths[t]!, s);
          const key = keys[t]!;
          probes += masks.length;
          for (let mi = 0; mi < masks.length; mi++) {
            const b = (key ^ masks[mi]!) >>> 0;
            for (let j = offsets[b]!, e = offsets[b + 1]!; j < e; j++) {
              const id = ids[j]!;
              if (this.stamp[id] === ep) continue;
              this.stamp[id] = ep;
              candidates++;
              let d: number;
              if (w === 1) d = popcount32(codes[id]! ^ q0);
              else if (w === 2) d = popcount32(codes[2 * id]! ^ q0) + popcount32(codes[2 * id + 1]! ^ q1);
              else {
                d = 0;
                for (let x = 0; x < w; x++) d += popcount32(codes[id * w + x]! ^ q[x]!);
              }
              lists[d]!.push(id);
            }
          }
          // Every unseen item is at distance ≥ m·s + t + 1: done once k candidates lie within m·s + t.
          const bound = Math.min(this.bits, this.m * s + t);
          let have = 0;
          for (let d = 0; d <= bound && have < k; d++) have += lists[d]!.length;
          if (have >= k) done = true;
        }
      }
      let at = qi * k;
      for (let d = 0; d <= this.bits && at < (qi + 1) * k; d++) {
        const l = lists[d]!;
        if (l.length === 0) continue;
        const sorted = Uint32Array.from(l).sort();
        const take = Math.min(sorted.length, (qi + 1) * k - at);
        indices.set(sorted.subarray(0, take), at);
        distances.fill(d, at, at + take);
        at += take;
      }
    }
    this.stats = { candidates, probes };
    return { indices, distances };
  }
}
