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
import { decodeNpy, decodeNpyStrings, encodeNpy, encodeNpyStrings } from '../src/io/npy.js';
import { encodeIndexFile } from '../src/retrieval/index-file.js';
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

/** `np.load(file)` in python3 numpy: its dtype string and its values as a list. */
function numpyLoad(file: string): { dtype: string; values: unknown[] } {
  const py = 'import json, sys, numpy as np\na = np.load(sys.argv[1], allow_pickle=False)\nprint(json.dumps({"dtype": a.dtype.str, "values": a.tolist()}))';
  const r = spawnSync(PYTHON, ['-c', py, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy could not load ${file} (${PYTHON}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { dtype: string; values: unknown[] };
}

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

  it('string arrays are numpy unicode (<U) arrays that numpy loads as the same strings', () => {
    const strs = ['item-001', '', 'café', '🐦 bird', 'x'.repeat(40)];
    const a = encodeNpyStrings(strs);
    expect((a.length - 5 * 40 * 4) % 64).toBe(0);
    const d = decodeNpyStrings(a, 's.npy');
    expect(d).toEqual({ data: strs, shape: [5], descr: '<U40' });
    expect(() => decodeNpy(a, 's.npy')).toThrow(/s\.npy: dtype <U40 .*decodeNpyStrings/);
    expect(() => decodeNpyStrings(encodeNpy(new Uint8Array(2), [2]), 'u.npy')).toThrow(/u\.npy: dtype \|u1 is not a unicode string array/);
    expect(() => decodeNpyStrings(a.subarray(0, a.length - 4), 's.npy')).toThrow(/s\.npy: shape \[5\] needs 800 data bytes, file has 796 \(truncated/);
    writeFileSync(join(tmp, 'strings.npy'), a);
    expect(numpyLoad(join(tmp, 'strings.npy'))).toEqual({ dtype: '<U40', values: strs });
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

  it('takes ids and labels from a version-2 index file: string ids as a numpy <U array, integer ids as int64', () => {
    const bits = 20, n = 4;
    const c = codes(n, bits, 7, 4);
    const ids = ['img/0001.jpg', 'img/0002.jpg', 'zoë', 'img/0004.jpg'];
    writeFileSync(join(tmp, 'v2.cmhi'), encodeIndexFile({ bits, codes: c, ids, labelNames: ['bird', 'cat', 'dog'], labels: [[0, 2], [], [1], [2]] }));
    const out = join(tmp, 'v2out');
    const r = spawnSync(process.execPath, [main, 'export', '--index', join(tmp, 'v2.cmhi'), '--out', out], { encoding: 'utf8', cwd: root });
    expect(r.status, r.stderr).toBe(0);
    expect(numpyLoad(join(out, 'ids.npy'))).toEqual({ dtype: '<U12', values: ids });
    expect(numpyLoad(join(out, 'labels.npy'))).toEqual({ dtype: '|u1', values: [[1, 0, 1], [0, 0, 0], [0, 1, 0], [0, 0, 1]] });
    expect(Array.from(bytesToPacked(decodeNpy(readFileSync(join(out, 'codes.npy'))).data as Uint8Array, bits))).toEqual(Array.from(c));
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ n, bits, labelNames: ['bird', 'cat', 'dog'], ids: { dtype: 'unicode', from: 'index file' }, labels: { from: 'index file' } });
    // Ids that are all integers (what `encode --data` stores for datasets without ids: row numbers) stay int64.
    writeFileSync(join(tmp, 'v2int.cmhi'), encodeIndexFile({ bits, codes: c, ids: ['17', '0', '-3', '9007199254740993'] }));
    const r2 = spawnSync(process.execPath, [main, 'export', '--index', join(tmp, 'v2int.cmhi'), '--out', join(tmp, 'v2int')], { encoding: 'utf8', cwd: root });
    expect(r2.status, r2.stderr).toBe(0);
    const intIds = decodeNpy(readFileSync(join(tmp, 'v2int', 'ids.npy')));
    expect(intIds.descr).toBe('<i8');
    expect(Array.from(intIds.data as BigInt64Array)).toEqual([17n, 0n, -3n, 9007199254740993n]);
    expect(existsSync(join(tmp, 'v2int', 'labels.npy'))).toBe(false);
  });

  it('refuses --data that disagrees with the ids or label names stored in the index file', () => {
    const ds = loadDefaultDataset();
    const n = ds.splits.retrieval.length;
    const few = join(tmp, 'few.cmhi'), names = join(tmp, 'names.cmhi');
    writeFileSync(few, encodeIndexFile({ bits: 16, codes: codes(3, 16, 1, 3), ids: ['a', 'b', 'c'] }));
    writeFileSync(names, encodeIndexFile({ bits: 16, codes: codes(n, 16, 2, 9), ids: Array.from({ length: n }, (_, i) => `w${i}`), labelNames: ['x', 'y'], labels: Array.from({ length: n }, () => [1]) }));
    const run = (index: string): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [main, 'export', '--index', index, '--data', 'default', '--split', 'retrieval', '--out', join(tmp, 'refused')], { encoding: 'utf8', cwd: root });
    const a = run(few);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/few\.cmhi: holds 3 codes and 3 stored ids, but split 'retrieval' of .* has \d+ rows/);
    const b = run(names);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/names\.cmhi: stores 2 label names \(x, y\), but .* has \d+ \(.*\) — drop --data/);
    expect(existsSync(join(tmp, 'refused'))).toBe(false);
  });
});
