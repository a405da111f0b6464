import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { hammingDistances, lastWordMask, packBits, unpackBits, wordsFor } from '../src/ops/hashing.js';
import { hammingCpu, packBitsCpu, topKCpu, unpackBitsCpu } from '../src/ops/cpu/hashing.js';
import { hammingRadiusCpu, hammingTopKCpu } from '../src/retrieval/cpu-scan.js';
import { HammingIndex } from '../src/retrieval/hamming-index.js';
import { DataError, ShapeError } from '../src/runtime/errors.js';
import { Rng } from '../src/util/rng.js';
import { getRuntime, ODD_SIZES, randomData } from './helpers.js';

/** Random packed codes; `garbage` sets the padding bits past `bits` too (kernels must ignore them). */
function randomCodes(n: number, bits: number, seed: number, opts: { garbage?: boolean; distinct?: number } = {}): Uint32Array {
  const r = new Rng(seed);
  const w = wordsFor(bits), mask = lastWordMask(bits);
  const out = new Uint32Array(n * w);
  // `distinct` draws from a small pool of codes so that many items tie at the same distance.
  const pool = opts.distinct ? Array.from({ length: opts.distinct }, () => Array.from({ length: w }, () => r.nextU32())) : null;
  for (let i = 0; i < n; i++) {
    const src = pool ? pool[r.int(pool.length)]! : null;
    for (let j = 0; j < w; j++) {
      let v = src ? src[j]! : r.nextU32();
      if (j === w - 1 && !opts.garbage) v = (v & mask) >>> 0;
      out[i * w + j] = v;
    }
  }
  return out;
}

const BITS = [1, 16, 31, 32, 33, 64, 100, 128];

describe('sign + bit-packing', () => {
  it('packBits equals the CPU reference on odd sizes, zeros map to set bits', async () => {
    const rt = await getRuntime();
    for (const k of BITS) {
      for (const n of ODD_SIZES) {
        const x = randomData(n * k, n + k, -1, 1);
        for (let i = 0; i < x.length; i += 7) x[i] = 0; // sign(0) -> +1
        const got = await packBits(fromArray(rt, x, [n, k])).read();
        expect(got.length).toBe(n * wordsFor(k));
        expect(Array.from(got), `k=${k} n=${n}`).toEqual(Array.from(packBitsCpu(x, n, k)));
      }
    }
  });

  it('a hand-made code packs to the documented layout', async () => {
    const rt = await getRuntime();
    // 34 bits: bits 0, 2, 33 and the zero at 5 are >= 0 -> word0 = 0b100101 = 37, word1 = 0b10 = 2.
    const code = Array.from({ length: 34 }, () => -1);
    code[0] = 1; code[2] = 0.5; code[5] = 0; code[33] = 2;
    expect(Array.from(await packBits(fromArray(rt, code, [1, 34])).read())).toEqual([37, 2]);
  });

  it('unpackBits inverts packBits', async () => {
    const rt = await getRuntime();
    for (const k of BITS) {
      const n = 17;
      const packed = randomCodes(n, k, k);
      const got = await unpackBits(fromArray(rt, packed, [n, wordsFor(k)], 'u32'), k).read();
      expect(Array.from(got)).toEqual(Array.from(unpackBitsCpu(packed, n, k)));
      const again = await packBits(unpackBits(fromArray(rt, packed, [n, wordsFor(k)], 'u32'), k)).read();
      expect(Array.from(again)).toEqual(Array.from(packed));
    }
  });

  it('rejects bad shapes with the argument named', async () => {
    const rt = await getRuntime();
    expect(() => packBits(fromArray(rt, randomData(129 * 2, 1), [2, 129]))).toThrow(/packBits.*\[2, 129\].*1\.\.128/);
    expect(() => unpackBits(fromArray(rt, [1, 2], [1, 2], 'u32'), 16)).toThrow(ShapeError);
  });
});

describe('Hamming distances', () => {
  it('equal a bit-by-bit count exactly, ignoring padding bits', async () => {
    const rt = await getRuntime();
    for (const bits of BITS) {
      const nq = 17, n = 255, w = wordsFor(bits);
      const q = randomCodes(nq, bits, bits * 3, { garbage: true });
      const db = randomCodes(n, bits, bits * 5, { garbage: true });
      const got = await hammingDistances(fromArray(rt, q, [nq, w], 'u32'), fromArray(rt, db, [n, w], 'u32'), bits).read();
      const want = Array.from({ length: nq * n }, (_, o) => hammingCpu(q, Math.floor(o / n), db, o % n, bits));
      expect(Array.from(got), `bits=${bits}`).toEqual(want);
    }
  });

  it('the TypeScript counting scan equals the sort-based reference', () => {
    for (const bits of [8, 32, 64, 96, 128]) {
      const q = randomCodes(9, bits, 1 + bits, { garbage: true });
      const db = randomCodes(300, bits, 2 + bits, { distinct: 40 });
      for (const k of [1, 7, 300]) {
        const got = hammingTopKCpu(q, db, bits, k);
        const want = topKCpu(q, 9, db, 300, bits, k);
        expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
        expect(Array.from(got.distances)).toEqual(Array.from(want.distances));
      }
    }
  });
});

describe('HammingIndex', () => {
  it('top-k equals the CPU reference exactly, ties by ascending index', async () => {
    const rt = await getRuntime();
    for (const bits of [7, 32, 64, 100, 128]) {
      for (const n of [1, 17, 1023]) {
        const db = randomCodes(n, bits, n + bits, { distinct: Math.max(1, n >> 3), garbage: true });
        const q = randomCodes(33, bits, 7 * bits + n, { garbage: true });
        const index = HammingIndex.create(rt, bits, { blockSize: 64, chunkItems: 4096 });
        index.add(db);
        expect(index.size).toBe(n);
        for (const k of [...new Set([1, Math.min(17, n), n])]) {
          const got = await index.search(q, k);
          const want = topKCpu(q, 33, db, n, bits, k);
          expect(Array.from(got.indices), `bits=${bits} n=${n} k=${k}`).toEqual(Array.from(want.indices));
          expect(Array.from(got.distances), `bits=${bits} n=${n} k=${k}`).toEqual(Array.from(want.distances));
        }
        index.dispose();
      }
    }
  });

  it('chunks the database across buffers and batches queries, with tensor and array adds', async () => {
    const rt = await getRuntime();
    const bits = 64, w = 2;
    const parts = [randomCodes(37, bits, 1, { distinct: 20 }), randomCodes(1, bits, 2), randomCodes(90, bits, 3, { distinct: 9 }), randomCodes(127, bits, 4)];
    const index = HammingIndex.create(rt, bits, { blockSize: 8, chunkItems: 30, maxQueryBatch: 5 });
    parts.forEach((p, i) => {
      if (i % 2 === 1) {
        const t = fromArray(rt, p, [p.length / w, w], 'u32');
        index.add(t);
        t.dispose();
      } else index.add(p);
    });
    const db = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) { db.set(p, at); at += p.length; }
    const n = db.length / w;
    expect(index.size).toBe(n);
    expect(index.chunkCount).toBe(Math.ceil(n / 30));
    const q = randomCodes(17, bits, 99);
    for (const k of [1, 40, n]) {
      const got = await index.search(q, k);
      const want = topKCpu(q, 17, db, n, bits, k);
      expect(Array.from(got.indices), `k=${k}`).toEqual(Array.from(want.indices));
      expect(Array.from(got.distances), `k=${k}`).toEqual(Array.from(want.distances));
    }
    for (const r of [0, 20, 30, 64, 500]) {
      const got = await index.searchRadius(q, r);
      const want = hammingRadiusCpu(q, db, bits, r);
      expect(Array.from(got.offsets), `r=${r}`).toEqual(Array.from(want.offsets));
      expect(Array.from(got.indices), `r=${r}`).toEqual(Array.from(want.indices));
      expect(Array.from(got.distances), `r=${r}`).toEqual(Array.from(want.distances));
    }
    await index.settled();
    const copy = HammingIndex.load(rt, index.save(), { blockSize: 5, chunkItems: 64 });
    expect(copy.size).toBe(n);
    expect(Array.from(copy.codes())).toEqual(Array.from(db));
    const again = await copy.search(q, 40);
    expect(Array.from(again.indices)).toEqual(Array.from(topKCpu(q, 17, db, n, bits, 40).indices));
    index.dispose();
    copy.dispose();
  });

  it('one-scan top-k equals the CPU reference across chunks, blocks, ties and list overflows', { timeout: 120_000 }, async () => {
    const rt = await getRuntime();
    for (const bits of [7, 64, 100, 128]) {
      for (const n of [1, 1023, 20001]) {
        const db = randomCodes(n, bits, 3 * n + bits, { distinct: Math.max(1, n >> 4), garbage: true });
        const q = randomCodes(33, bits, 5 * bits + n, { garbage: true });
        for (const [opts, what] of [
          [{ chunkItems: 9000, sampleItems: 300 }, 'chunks'],
          [{ sampleItems: 50, candidatesPerBlock: 3 }, 'tiny lists'], // few overflowed queries: redone on the CPU
          ...(n === 20001 ? [[{ sampleItems: 50, candidatesPerBlock: 3, cpuRedoPairs: 0 }, 'tiny lists, GPU redo'] as const] : []),
        ] as const) {
          const index = HammingIndex.create(rt, bits, { strategy: 'one-scan', ...opts });
          index.add(db);
          for (const k of [...new Set([1, Math.min(17, n), Math.min(120, n), n])]) {
            const got = await index.search(q, k);
            const want = topKCpu(q, 33, db, n, bits, k);
            const tag = `${what} bits=${bits} n=${n} k=${k} overflowed=${index.lastOverflowed}`;
            expect(index.lastStrategy, tag).toBe('one-scan');
            expect(Array.from(got.indices), tag).toEqual(Array.from(want.indices));
            expect(Array.from(got.distances), tag).toEqual(Array.from(want.distances));
            if (what !== 'chunks' && n === 20001 && k === 17) expect(index.lastOverflowed, tag).toBeGreaterThan(0);
            expect(index.lastRedo, tag).toBe(index.lastOverflowed === 0 ? null : what === 'tiny lists, GPU redo' ? 'two-pass' : 'cpu');
          }
          index.dispose();
        }
      }
    }
  });

  it('auto picks one-scan for large databases, two-pass for small ones or large k', async () => {
    const rt = await getRuntime();
    const n = 4 * 4096 + 5, bits = 32;
    const db = randomCodes(n, bits, 77);
    const q = randomCodes(130, bits, 78);
    const index = HammingIndex.create(rt, bits, { sampleItems: 4096 });
    index.add(db);
    for (const [k, path] of [[100, 'one-scan'], [1000, 'two-pass']] as const) {
      const got = await index.search(q, k);
      expect(index.lastStrategy).toBe(path);
      expect(Array.from(got.indices)).toEqual(Array.from(topKCpu(q, 130, db, n, bits, k).indices));
    }
    const small = HammingIndex.create(rt, bits);
    small.add(db);
    await small.search(q, 10);
    expect(small.lastStrategy).toBe('two-pass');
    expect(() => HammingIndex.create(rt, bits, { strategy: 'fast' as never })).toThrow(/strategy must be/);
    index.dispose();
    small.dispose();
  });

  it('radius search equals the CPU reference on random data', async () => {
    const rt = await getRuntime();
    for (const bits of [16, 33, 128]) {
      const db = randomCodes(1023, bits, bits, { distinct: 300 });
      const q = randomCodes(20, bits, bits + 1);
      const index = HammingIndex.create(rt, bits);
      index.add(db);
      for (const r of [0, Math.floor(bits / 3), Math.floor(bits / 2)]) {
        const got = await index.searchRadius(q, r);
        const want = hammingRadiusCpu(q, db, bits, r);
        expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets));
        expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
        expect(Array.from(got.distances)).toEqual(Array.from(want.distances));
      }
      index.dispose();
    }
  });

  it('saves a compact file and rejects malformed ones', async () => {
    const rt = await getRuntime();
    const db = randomCodes(100, 48, 5);
    const index = HammingIndex.create(rt, 48);
    index.add(db);
    const bytes = index.save();
    expect(bytes.byteLength).toBe(32 + 100 * 2 * 4); // v2 header, codes, no metadata block
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('CMHI');
    expect(Array.from(HammingIndex.load(rt, bytes).codes())).toEqual(Array.from(db));
    expect(() => HammingIndex.load(rt, bytes.subarray(0, bytes.length - 4))).toThrow(/header says 100 codes of 48 bits/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => HammingIndex.load(rt, bad)).toThrow(DataError);
    index.dispose();
  });

  it('rejects bad arguments with clear errors', async () => {
    const rt = await getRuntime();
    const index = HammingIndex.create(rt, 64);
    await expect(index.search(new Uint32Array(2), 1)).rejects.toThrow(/empty/);
    index.add(randomCodes(10, 64, 1));
    expect(() => index.add(new Uint32Array(3))).toThrow(/3 words, not a multiple of 2/);
    await expect(index.search(new Uint32Array(2), 11)).rejects.toThrow(/k must be an integer in 1\.\.10/);
    await expect(index.search(new Uint32Array(3), 1)).rejects.toThrow(/queries has 3 words/);
    expect(() => HammingIndex.create(rt, 200)).toThrow(/bits must be an integer in 1\.\.128/);
    expect(() => HammingIndex.create(rt, 64, { chunkItems: 0 })).toThrow(/chunkItems must be an integer in 1\.\./);
    index.dispose();
  });

  it('10 million 64-bit codes across several chunks', { timeout: 120_000 }, async () => {
    const rt = await getRuntime();
    const n = 10_000_000, bits = 64;
    const db = new Uint32Array(n * 2);
    const r = new Rng(10);
    for (let i = 0; i < db.length; i++) db[i] = r.nextU32();
    const q = randomCodes(4, bits, 11);
    const index = HammingIndex.create(rt, bits, { chunkItems: 4096 * 1024 });
    for (let i = 0; i < n; i += 1_000_000) index.add(db.subarray(i * 2, (i + 1_000_000) * 2));
    expect(index.chunkCount).toBe(3);
    const got = await index.search(q, 100);
    const want = hammingTopKCpu(q, db, bits, 100);
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
    expect(Array.from(got.distances)).toEqual(Array.from(want.distances));
    index.dispose();
  });
});
