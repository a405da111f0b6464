/**
 * Codes that leave the process: the byte layout shared with FAISS / numpy / Milvus, .npy files, and
 * `cmhash export` round-tripped through Debian's python3-faiss (scripts/setup-peers.sh installs it;
 * .ci/run calls that script): FAISS IndexBinaryFlat over the exported codes must return the same top-k
 * as HammingIndex.search, compared as sets per distance (FAISS orders ties its own way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bytesToPacked, packedToBytes } from '../src/retrieval/code-bytes.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';
import { topKDifference } from '../src/retrieval/compare.js';
import { hammingTopKCpu } from '../src/retrieval/cpu-scan.js';
import { HammingIndex } from '../src/retrieval/hamming-index.js';
import { lastWordMask, wordsFor } from '../src/ops/hashing.js';
import { loadDefaultDataset } from '../src/data/node/packed-file.js';
import { Rng } from '../src/util/rng.js';
import { getRuntime } from './helpers.js';

const root = resolve(__dirname, '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');
const PYTHON = process.env.CMHASH_PYTHON ?? '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does) before this file`);
});

/** Random codes drawn from a small pool (many ties) with random bit noise; padding bits clear. */
function codes(n: number, bits: number, seed: number, pool: number): Uint32Array {
  const r = new Rng(seed), w = wordsFor(bits), mask = lastWordMask(bits);
  const base = Array.from({ length: pool }, () => Array.from({ length: w }, () => r.nextU32()));
  const out = new Uint32Array(n * w);
  for (let i = 0; i < n; i++) {
    const b = base[r.int(pool)]!;
    for (let j = 0; j < w; j++) {
      let v = b[j]!;
      if (r.int(3) === 0) v ^= 1 << r.int(32);
      out[i * w + j] = j === w - 1 ? (v & mask) >>> 0 : v;
    }
  }
  return out;
}

describe('code bytes and .npy', () => {
  it('hash bit j is bit j%8 of byte j/8, padding cleared, and bytes convert back', () => {
    const bits = 44;
    const packed = new Uint32Array([(1 << 0) | (1 << 9) | (1 << 31), (1 << 3) | (1 << 11) | (1 << 12) | (1 << 20)]); // hash bits 44 and 52 are padding
    const b = packedToBytes(packed, bits);
    expect(Array.from(b)).toEqual([0x01, 0x02, 0x00, 0x80, 0x08, 0x08]);
    expect(Array.from(bytesToPacked(b, bits))).toEqual([packed[0]!, (1 << 3) | (1 << 11)]);
    expect(() => bytesToPacked(new Uint8Array([0, 0, 0, 0, 0, 0x20]), bits)).toThrow(/code 0 has bits set past bit 44/);
    for (const nb of [1, 8, 31, 64, 100, 128]) {
      const c = codes(37, nb, nb, 50);
      expect(Array.from(bytesToPacked(packedToBytes(c, nb), nb)), `bits ${nb}`).toEqual(Array.from(c));
    }
  });

  it('.npy files round-trip with their dtype and shape; malformed ones are named', () => {
    const a = encodeNpy(Uint8Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect((a.length - 6) % 64).toBe(0);
    const d = decodeNpy(a, 'a.npy');
    expect(d.shape).toEqual([2, 3]);
    expect(d.descr).toBe('|u1');
    expect(Array.from(d.data as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const ids = decodeNpy(encodeNpy(BigInt64Array.from([5n, -1n]), [2]));
    expect(Array.from(ids.data as BigInt64Array)).toEqual([5n, -1n]);
    expect(() => decodeNpy(a.subarray(0, a.length - 1), 'a.npy')).toThrow(/a\.npy: shape \[2, 3\] needs 6 data bytes, file has 5/);
    expect(() => encodeNpy(new Uint8Array(5), [2, 3])).toThrow(/needs 6 values/);
  });

  it('topKDifference accepts other tie orders and catches real differences', () => {
    const ours = { indices: Uint32Array.from([4, 1, 2]), distances: Uint32Array.from([0, 3, 3]) };
    expect(topKDifference(ours, { indices: [4, 7, 1], distances: [0, 3, 3] }, 1, 3)).toBeNull();
    expect(topKDifference(ours, { indices: [4, 7, 1], distances: [0, 3, 3] }, 1, 3, (_q, i) => ({ 4: 0, 1: 3, 2: 3, 7: 4 })[i]!)).toMatch(/item 7 at distance 3, its distance is 4/);
    expect(topKDifference(ours, { indices: [5, 1, 2], distances: [0, 3, 3] }, 1, 3)).toMatch(/theirs has item 5 at distance 0/);
    expect(topKDifference(ours, { indices: [4, 1, 1], distances: [0, 3, 3] }, 1, 3)).toMatch(/appears twice/);
    expect(topKDifference(ours, { indices: [4, 1, 2], distances: [0, 3, 4] }, 1, 3)).toMatch(/sorted distance 2 is 4/);
  });
});

describe('cmhash export', () => {
  it('round-trips through python3-faiss IndexBinaryFlat with the same top-k, ids and labels', { timeout: 180_000 }, async () => {
    const faiss = spawnSync(PYTHON, ['-c', 'import faiss, numpy'], { encoding: 'utf8' });
    if (faiss.status !== 0) throw new Error(`python3-faiss is not importable from ${PYTHON}: run \`bash scripts/setup-peers.sh\` (${faiss.stderr.trim().split('\n').pop()})`);
    const rt = await getRuntime();
    const ds = loadDefaultDataset();
    const n = ds.splits.retrieval.length;
    for (const bits of [44, 64, 128]) {
      const db = codes(n, bits, bits, 40), q = codes(25, bits, bits + 1, 40);
      const index = HammingIndex.create(rt, bits);
      index.add(db);
      writeFileSync(join(tmp, `db${bits}.cmhi`), index.save());
      const qi = HammingIndex.create(rt, bits);
      qi.add(q);
      writeFileSync(join(tmp, `q${bits}.cmhi`), qi.save());
      qi.dispose();
      const out = join(tmp, `out${bits}`), qout = join(tmp, `qout${bits}`);
      for (const [args, what] of [[['--index', join(tmp, `db${bits}.cmhi`), '--data', 'default', '--split', 'retrieval', '--out', out], 'db'], [['--index', join(tmp, `q${bits}.cmhi`), '--out', qout], 'queries']] as const) {
        const r = spawnSync(process.execPath, [main, 'export', ...args], { encoding: 'utf8', cwd: root });
        expect(r.status, `${what}: ${r.stderr}`).toBe(0);
      }
      const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ n, bits, bytesPerCode: Math.ceil(bits / 8) });
      expect(meta.labelNames).toEqual(ds.labelNames);
      const ids = decodeNpy(readFileSync(join(out, 'ids.npy')));
      expect(Array.from(ids.data as BigInt64Array, Number)).toEqual(Array.from(ds.splits.retrieval));
      const labels = decodeNpy(readFileSync(join(out, 'labels.npy')));
      expect(labels.shape).toEqual([n, ds.numLabels]);
      const row = ds.splits.retrieval[7]!;
      expect(Array.from((labels.data as Uint8Array).subarray(7 * ds.numLabels, 8 * ds.numLabels))).toEqual(Array.from(ds.labels.subarray(row * ds.numLabels, (row + 1) * ds.numLabels)));
      const k = 30;
      const peer = spawnSync(PYTHON, [join(root, 'bench', 'peers', 'faiss_binary.py'), JSON.stringify({ db: join(out, 'codes.npy'), queries: join(qout, 'codes.npy'), k, threads: [1], runs: 1, out })], { encoding: 'utf8' });
      expect(peer.status, peer.stderr).toBe(0);
      const I = decodeNpy(readFileSync(join(out, 'I.npy'))), D = decodeNpy(readFileSync(join(out, 'D.npy')));
      expect(I.shape).toEqual([25, k]);
      const ours = await index.search(q, k);
      expect(Array.from(ours.indices)).toEqual(Array.from(hammingTopKCpu(q, db, bits, k).indices));
      const w = wordsFor(bits);
      const dist = (qq: number, i: number): number => hammingTopKCpu(q.subarray(qq * w, (qq + 1) * w), db.subarray(i * w, (i + 1) * w), bits, 1).distances[0]!;
      expect(topKDifference(ours, { indices: I.data as BigInt64Array, distances: D.data as Int32Array }, 25, k, dist), `bits ${bits}`).toBeNull();
      // Ties really occur at the k-th distance (the pool makes them), so the set comparison is exercised.
      expect(Array.from({ length: 25 }, (_, qq) => ours.distances[qq * k + k - 1] === ours.distances[qq * k + k - 2]).some(Boolean)).toBe(true);
      index.dispose();
    }
  });

  it('names a split that does not match the file', () => {
    const r = spawnSync(process.execPath, [main, 'export', '--index', join(tmp, 'q64.cmhi'), '--data', 'default', '--split', 'retrieval', '--out', join(tmp, 'bad')], { encoding: 'utf8', cwd: root });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/holds 25 codes, but split 'retrieval' of .* has \d+ rows/);
  });
});
