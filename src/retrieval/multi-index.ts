/**
 * Multi-index hashing (Norouzi, Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index
 * Hashing", CVPR 2012): exact k-nearest-neighbour search that looks at a small part of the database
 * when the k-th neighbour is near (near-duplicate / "more like this" queries on learned codes); when it
 * is far (cross-modal queries, random codes) the substring tables prune little and a flat scan wins.
 *
 * Each code is cut into m disjoint substrings; table t is a CSR bucket list over every value of
 * substring t: offsets (2^width + 1), then the ids of the items in bucket order (ascending within a
 * bucket) and a copy of their full codes in the same order, so verifying a bucket reads memory
 * sequentially instead of gathering codes by id. By the pigeonhole principle an item at distance d from
 * the query has some substring within ⌊d/m⌋ of the query's. The search probes radius s = 0, 1, … table
 * by table (every bucket whose key differs from the query's substring in exactly s bits, masks
 * precomputed per (width, s)), and verifies each bucket entry with an XOR-popcount that stops early
 * once it exceeds τ, the current k-th distance (the smallest τ with ≥ k accepted items within it; it
 * only decreases, so a rejected item never needs a second look). Only accepted items are de-duplicated
 * (an item lies in up to m probed buckets), with a generation-stamped Uint32Array. After table t at
 * radius s an unseen item differs in ≥ s+1 bits on substrings 0..t and ≥ s on the others, so
 * d ≥ m·s + t + 1 (the paper's per-table refinement of the radius); the search stops as soon as
 * τ ≤ m·s + t with k items accepted. The top-k is then ordered by (distance, index), so results equal
 * the flat scan's exactly. Host-side (plain TypeScript, one thread); browser-safe.
 */
import { checkBits, lastWordMask, wordsFor } from '../ops/hashing.js';
import { ShapeError } from '../runtime/errors.js';
import { popcount32, type TopKResult } from './cpu-scan.js';

export interface MultiIndexOptions {
  /** Number of substrings m (default: defaultSubstrings(bits, n) = bits / log2(n), rounded, substrings of at most 20 bits). */
  substrings?: number;
}

export interface MultiIndexStats {
  /** Table entries verified (XOR-popcount computed, possibly stopped early), summed over the queries; an item found in several tables counts once per table. */
  candidates: number;
  /** Buckets probed, summed over the queries. */
  probes: number;
  /** Items accepted within the running k-th distance (each once), summed over the queries. */
  accepted: number;
}

/** Widest substring: a table holds 2^width + 1 offsets. */
export const MAX_SUBSTRING_BITS = 20;

/** Substring count for n codes of `bits` bits (Norouzi et al.: about bits / log2 n). */
export function defaultSubstrings(bits: number, n: number): number {
  const m = Math.max(1, Math.round(bits / Math.max(1, Math.log2(Math.max(2, n)))));
  return Math.min(bits, Math.max(m, Math.ceil(bits / MAX_SUBSTRING_BITS)));
}

/** Bits [start, start + width) of code `i` (width ≤ 31, padding bits already cleared). */
function substring(codes: Uint32Array, words: number, i: number, start: number, width: number): number {
  const w0 = start >>> 5, off = start & 31;
  let v = codes[i * words + w0]! >>> off;
  if (off + width > 32) v |= codes[i * words + w0 + 1]! << (32 - off);
  return (v & ((1 << width) - 1)) >>> 0;
}

/** Every width-bit mask with exactly s bits set (Gosper's hack, ascending), cached per (width, s). */
const maskCache: Uint32Array[][] = [];
function masksOf(width: number, s: number): Uint32Array {
  const row = (maskCache[width] ??= []);
  const hit = row[s];
  if (hit) return hit;
  let count = 1;
  for (let i = 0; i < s; i++) count = (count * (width - i)) / (i + 1);
  const out = new Uint32Array(Math.round(count));
  if (s === 0) out[0] = 0;
  else {
    let v = 2 ** s - 1;
    for (let i = 0; i < out.length; i++) {
      out[i] = v;
      const c = v & -v, r = v + c; // next larger integer with the same popcount (v < 2^20: no overflow)
      v = (((r ^ v) >>> 2) / c) | r;
    }
  }
  row[s] = out;
  return out;
}

interface Table {
  offsets: Uint32Array;
  ids: Uint32Array;
  /** Full codes of `ids`, in bucket order (n × words). */
  codes: Uint32Array;
}

export class MultiIndexHashing {
  readonly words: number;
  readonly n: number;
  readonly m: number;
  readonly starts: number[] = [];
  readonly widths: number[] = [];
  private readonly tables: Table[] = [];
  /** Per table: the word(s) its substring lies in and the bit masks there (mb = 0 when it fits one word). */
  private readonly subMasks: { wa: Uint32Array; ma: Uint32Array; wb: Uint32Array; mb: Uint32Array };
  /** Per-query scratch, grown on demand: accepted ids and distances, and the gather buffer. */
  private accIds = new Uint32Array(1024);
  private accD = new Uint8Array(1024);
  private tmp = new Uint32Array(1024);
  stats: MultiIndexStats = { candidates: 0, probes: 0, accepted: 0 };

  constructor(codes: Uint32Array, readonly bits: number, opts: MultiIndexOptions = {}) {
    checkBits('MultiIndexHashing', bits);
    const w = (this.words = wordsFor(bits));
    if (codes.length % w !== 0) throw new ShapeError(`MultiIndexHashing: codes has ${codes.length} words, not a multiple of ${w} (${bits}-bit codes)`);
    this.n = codes.length / w;
    this.m = opts.substrings ?? defaultSubstrings(bits, this.n);
    if (!Number.isInteger(this.m) || this.m < 1 || this.m > bits || Math.ceil(bits / this.m) > MAX_SUBSTRING_BITS) {
      throw new RangeError(`MultiIndexHashing: substrings must be an integer in 1..${bits} with ceil(${bits} / substrings) ≤ ${MAX_SUBSTRING_BITS} bits, got ${opts.substrings}`);
    }
    // Padding bits cleared once, so verification is a plain XOR-popcount.
    const clean = codes.slice();
    const mask = lastWordMask(bits);
    for (let i = 0; i < this.n; i++) clean[i * w + w - 1]! &= mask;
    const keys = new Uint32Array(this.n);
    let start = 0;
    for (let t = 0; t < this.m; t++) {
      const width = Math.floor(bits / this.m) + (t < bits % this.m ? 1 : 0);
      this.starts.push(start);
      this.widths.push(width);
      const offsets = new Uint32Array((1 << width) + 1);
      for (let i = 0; i < this.n; i++) {
        const key = substring(clean, w, i, start, width);
        keys[i] = key;
        offsets[key + 1]!++;
      }
      start += width;
      for (let b = 0; b < 1 << width; b++) offsets[b + 1]! += offsets[b]!;
      const fill = offsets.slice(0, 1 << width);
      const ids = new Uint32Array(this.n), tc = new Uint32Array(this.n * w);
      for (let i = 0; i < this.n; i++) {
        const j = fill[keys[i]!]!++; // ascending ids within a bucket
        ids[j] = i;
        for (let x = 0; x < w; x++) tc[j * w + x] = clean[i * w + x]!;
      }
      this.tables.push({ offsets, ids, codes: tc });
    }
    const wa = new Uint32Array(this.m), ma = new Uint32Array(this.m), wb = new Uint32Array(this.m), mb = new Uint32Array(this.m);
    for (let t = 0; t < this.m; t++) {
      const st = this.starts[t]!, width = this.widths[t]!, off = st & 31;
      wa[t] = st >>> 5;
      ma[t] = (width >= 32 ? 0xffffffff : ((2 ** width - 1) * 2 ** off) % 2 ** 32) >>> 0;
      wb[t] = Math.min(w - 1, wa[t]! + 1);
      mb[t] = off + width > 32 ? (2 ** (off + width - 32) - 1) >>> 0 : 0;
    }
    this.subMasks = { wa, ma, wb, mb };
  }

  /** Bytes held by the tables (offsets, ids, code copies) and the stamp array. */
  get bytes(): number {
    return this.tables.reduce((a, t) => a + t.offsets.byteLength + t.ids.byteLength + t.codes.byteLength, 0);
  }

  /**
   * The k nearest codes of every query (packed, nq × words), ordered by (distance, index): the same
   * result as HammingIndex.search and hammingTopKCpu. 1 ≤ k ≤ n.
   */
  search(queries: Uint32Array, k: number): TopKResult {
    const w = this.words, bits = this.bits, m = this.m;
    if (queries.length % w !== 0) throw new ShapeError(`MultiIndexHashing.search: queries has ${queries.length} words, not a multiple of ${w} (${bits}-bit codes)`);
    if (!Number.isInteger(k) || k < 1 || k > this.n) throw new RangeError(`MultiIndexHashing.search: k must be an integer in 1..${this.n}, got ${k}`);
    const nq = queries.length / w;
    const indices = new Uint32Array(nq * k), distances = new Uint32Array(nq * k);
    const q = new Uint32Array(w);
    const mask = lastWordMask(bits);
    const hist = new Uint32Array(bits + 1), pos = new Uint32Array(bits + 2);
    const keys = new Uint32Array(m);
    const maxWidth = Math.max(...this.widths);
    const { wa, ma, wb, mb } = this.subMasks;
    let candidates = 0, probes = 0, accepted = 0;
    for (let qi = 0; qi < nq; qi++) {
      for (let x = 0; x < w; x++) q[x] = queries[qi * w + x]!;
      q[w - 1]! &= mask;
      const q0 = q[0]!, q1 = w > 1 ? q[1]! : 0, q2 = w > 3 ? q[2]! : 0, q3 = w > 3 ? q[3]! : 0;
      for (let t = 0; t < m; t++) keys[t] = substring(q, w, 0, this.starts[t]!, this.widths[t]!);
      hist.fill(0);
      // tau: current k-th distance bound (items farther are rejected for good); cnt: accepted items within tau.
      let tau = bits, cnt = 0, len = 0;
      let accIds = this.accIds, accD = this.accD;
      search: for (let s = 0; s <= maxWidth; s++) {
        for (let t = 0; t < m; t++) {
          const width = this.widths[t]!;
          if (s <= width) {
            const masks = masksOf(width, s);
            const { offsets, ids, codes } = this.tables[t]!;
            const key = keys[t]!;
            probes += masks.length;
            for (let mi = 0; mi < masks.length; mi++) {
              const b = key ^ masks[mi]!;
              const e = offsets[b + 1]!;
              let j = offsets[b]!;
              candidates += e - j;
              for (; j < e; j++) {
                let d: number;
                if (w === 2) {
                  d = popcount32(codes[2 * j]! ^ q0);
                  if (d > tau) continue;
                  d += popcount32(codes[2 * j + 1]! ^ q1);
                } else if (w === 1) d = popcount32(codes[j]! ^ q0);
                else if (w === 4) {
                  const o = 4 * j;
                  d = popcount32(codes[o]! ^ q0) + popcount32(codes[o + 1]! ^ q1);
                  if (d > tau) continue;
                  d += popcount32(codes[o + 2]! ^ q2) + popcount32(codes[o + 3]! ^ q3);
                } else {
                  d = 0;
                  for (let x = 0, o = j * w; x < w && d <= tau; x++) d += popcount32(codes[o + x]! ^ q[x]!);
                }
                if (d > tau) continue;
                // Seen before iff some table probed earlier holds it: substring distance < s, or = s in a lower table.
                let seen = false;
                for (let u = 0, o = j * w; u < m && !seen; u++) {
                  if (u === t) continue;
                  const a = wa[u]!, b2 = wb[u]!;
                  const du = popcount32((codes[o + a]! ^ q[a]!) & ma[u]!) + popcount32((codes[o + b2]! ^ q[b2]!) & mb[u]!);
                  seen = du < s || (du === s && u < t);
                }
                if (seen) continue;
                const id = ids[j]!;
                if (len === accIds.length) {
                  accIds = this.accIds = grow(accIds, len * 2);
                  accD = this.accD = grow(accD, len * 2);
                }
                accIds[len] = id;
                accD[len++] = d;
                hist[d]!++;
                if (++cnt >= k) while (cnt - hist[tau]! >= k) cnt -= hist[tau--]!;
              }
            }
          }
          // Every unseen item is at distance ≥ m·s + t + 1: done once the k-th accepted lies within m·s + t.
          if (cnt >= k && tau <= m * s + t) break search;
        }
      }
      accepted += len;
      // Order the accepted items within tau by (distance, index): counting sort by distance, then ids.
      pos[0] = 0;
      for (let d = 0; d <= tau; d++) pos[d + 1] = pos[d]! + hist[d]!;
      if (this.tmp.length < cnt) this.tmp = new Uint32Array(Math.max(cnt, 2 * this.tmp.length));
      const tmp = this.tmp;
      for (let i = 0; i < len; i++) {
        const d = accD[i]!;
        if (d <= tau) tmp[pos[d]!++] = accIds[i]!;
      }
      let at = qi * k;
      const end = at + k;
      for (let d = 0, from = 0; d <= tau && at < end; d++) {
        const to = from + hist[d]!;
        if (to > from) {
          const seg = tmp.subarray(from, to).sort();
          const take = Math.min(to - from, end - at);
          indices.set(take === seg.length ? seg : seg.subarray(0, take), at);
          distances.fill(d, at, at + take);
          at += take;
        }
        from = to;
      }
    }
    this.stats = { candidates, probes, accepted };
    return { indices, distances };
  }
}

function grow<T extends Uint32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
