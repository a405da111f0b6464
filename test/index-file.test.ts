/** The .cmhi index file: version 2 with ids/labels/metadata, version 1 files (written by cmhash before v2) still load. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeIndexFile, encodeIndexFile, indexFileId, indexFileLabels, labelLists } from '../src/retrieval/index-file.js';
import { HammingIndex } from '../src/retrieval/hamming-index.js';
import { hammingTopKCpu } from '../src/retrieval/cpu-scan.js';
import { searchIndexFile } from '../src/api/search.js';
import { getRuntime } from './helpers.js';
import { expectDataError as dataError } from './expect-error.js';

/** Written by HammingIndex.save of the version-1 code (main at e32831a): 7 codes of 40 bits. */
const V1 = new Uint8Array(readFileSync(join(__dirname, 'fixtures', 'index-v1.cmhi')));
const V1_CODES = [2654435761, 98, 3668339987, 196, 387276917, 38, 1401181143, 136, 2415085369, 234, 3428989595, 76, 147926525, 174];


describe('index file', () => {
  it('reads a version 1 file: codes, no ids, row numbers as ids', () => {
    const c = decodeIndexFile(V1, 'v1.cmhi');
    expect(c.version).toBe(1);
    expect(c.bits).toBe(40);
    expect(Array.from(c.codes)).toEqual(V1_CODES);
    expect(c.ids).toBeUndefined();
    expect(indexFileId(c, 3)).toBe('3');
    expect(indexFileLabels(c, 3)).toEqual([]);
  });

  it('round-trips codes, ids (any UTF-8), labels and metadata in version 2', () => {
    const codes = Uint32Array.from(V1_CODES);
    const labels = labelLists(Float32Array.from([1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0]), 3);
    expect(labels[0]).toEqual([0, 2]);
    const ids = ['a', 'ünï', 'x,y', '"q"', '7', 'line', 'last'];
    const bytes = encodeIndexFile({ bits: 40, codes, ids, labelNames: ['r', 's', 't'], labels, meta: { modality: 'image' } });
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(2);
    const c = decodeIndexFile(bytes, 'v2.cmhi');
    expect(c.version).toBe(2);
    expect(Array.from(c.codes)).toEqual(V1_CODES);
    expect(c.ids).toEqual(ids);
    expect(indexFileLabels(c, 0)).toEqual(['r', 't']);
    expect(indexFileLabels(c, 1)).toEqual([]);
    expect(c.meta).toEqual({ modality: 'image' });
  });

  it('rejects truncated, foreign, future and inconsistent files with the file named', () => {
    const good = encodeIndexFile({ bits: 40, codes: Uint32Array.from(V1_CODES), ids: V1_CODES.slice(0, 7).map(String) });
    dataError(() => decodeIndexFile(good.subarray(0, good.length - 3), 'cut.cmhi'), /cut\.cmhi: header says 7 codes of 40 bits and \d+ bytes of metadata/);
    dataError(() => decodeIndexFile(V1.subarray(0, 30), 'cut1.cmhi'), /cut1\.cmhi: header says 7 codes of 40 bits \(80 bytes\), the file has 30/);
    const future = good.slice(); new DataView(future.buffer).setUint32(4, 3, true);
    dataError(() => decodeIndexFile(future, 'f.cmhi'), /f\.cmhi: index file version 3 is not supported/);
    dataError(() => decodeIndexFile(new TextEncoder().encode('not an index at all, really'), 't.cmhi'), /t\.cmhi: bad magic/);
    expect(() => encodeIndexFile({ bits: 40, codes: Uint32Array.from(V1_CODES), ids: ['only one'] })).toThrow(/1 ids for 7 codes/);
    expect(() => encodeIndexFile({ bits: 40, codes: Uint32Array.from(V1_CODES), labelNames: ['a'], labels: Array.from({ length: 7 }, () => [1]) })).toThrow(/labels of row 0 are \[1\]/);
  });

  it('HammingIndex loads both versions; searchIndexFile names hits and the GPU ranking equals the CPU scan', async () => {
    const rt = await getRuntime();
    const v1 = HammingIndex.load(rt, V1);
    expect(v1.size).toBe(7);
    expect(Array.from(v1.codes())).toEqual(V1_CODES);
    v1.dispose();
    const n = 300, bits = 24;
    const codes = Uint32Array.from({ length: n }, (_, i) => (Math.imul(i + 11, 2246822519) >>> 8) & 0xffffff);
    const db = decodeIndexFile(encodeIndexFile({ bits, codes, ids: Array.from({ length: n }, (_, i) => `item-${i}`), labelNames: ['even', 'odd'], labels: Array.from({ length: n }, (_, i) => [i % 2]) }));
    const q = codes.slice(40, 43);
    const cpu = await searchIndexFile(db, q, 6);
    const gpu = await searchIndexFile(db, q, 6, { runtime: rt });
    expect(gpu).toEqual(cpu);
    const ref = hammingTopKCpu(q, codes, bits, 6);
    expect(cpu[1]!.map((h) => h.row)).toEqual(Array.from(ref.indices.subarray(6, 12)));
    expect(cpu[0]![0]).toEqual({ row: 40, id: 'item-40', labels: ['even'], distance: 0 });
    expect(cpu[2]!.every((h) => h.id === `item-${h.row}` && h.labels[0] === (h.row % 2 ? 'odd' : 'even'))).toBe(true);
  });
});
