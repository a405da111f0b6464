/** MAT v5 reader: synthetic files in every storage form, the real files, and corrupted copies. */
import { describe, expect, it } from 'vitest';
import { deflateSync, inflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { colMajorToRowMajor, readMat5, requireMatrix, writeMat5 } from '../src/data/mat5.js';
import { DataError } from '../src/runtime/errors.js';
import { readMatFile, sharedDataDir } from '../src/data/node/files.js';
import { Rng } from '../src/util/rng.js';

const inflate = (d: Uint8Array) => new Uint8Array(inflateSync(d));
const deflate = (d: Uint8Array) => new Uint8Array(deflateSync(d));
const read = (bytes: Uint8Array, only?: string[]) => readMat5(bytes, { file: 'x.mat', inflate, only });

function matrix(rows: number, cols: number, seed: number, int = false): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: rows * cols }, () => (int ? r.int(256) : r.uniform(-3, 3)));
}

describe('mat5 reader', () => {
  it('column-major to row-major, 2-D and 3-D', () => {
    // MATLAB [1 2 3; 4 5 6] is stored 1 4 2 5 3 6.
    expect(Array.from(colMajorToRowMajor([1, 4, 2, 5, 3, 6], [2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
    // 2×2×2: element (i,j,k) stored at i + 2j + 4k; row-major index 4i + 2j + k.
    const src = Array.from({ length: 8 }, (_, s) => s);
    const out = colMajorToRowMajor(src, [2, 2, 2]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) expect(out[4 * i + 2 * j + k]).toBe(i + 2 * j + 4 * k);
  });

  for (const [label, opts] of [
    ['uncompressed LE', {}],
    ['compressed LE', { deflate }],
    ['uncompressed BE', { bigEndian: true }],
    ['compressed BE', { deflate, bigEndian: true }],
  ] as const) {
    it(`round trip of double, single and uint8 matrices (${label}), short and long names`, () => {
      const a = matrix(17, 5, 1), b = matrix(3, 255, 2), c = matrix(9, 4, 3, true);
      const bytes = writeMat5([
        { name: 'A', data: a, rows: 17, cols: 5 },
        { name: 'single_var', data: b, rows: 3, cols: 255, className: 'single' },
        { name: 'u8', data: c, rows: 9, cols: 4, className: 'uint8' },
      ], opts);
      const vars = read(bytes);
      expect([...vars.keys()]).toEqual(['A', 'single_var', 'u8']);
      expect(vars.get('A')!.dims).toEqual([17, 5]);
      expect(vars.get('A')!.className).toBe('double');
      expect(Array.from(vars.get('A')!.data)).toEqual(Array.from(Float32Array.from(a)));
      expect(vars.get('single_var')!.className).toBe('single');
      expect(Array.from(vars.get('single_var')!.data)).toEqual(Array.from(Float32Array.from(b)));
      expect(vars.get('u8')!.className).toBe('uint8');
      expect(Array.from(vars.get('u8')!.data)).toEqual(Array.from(c));
      // `only` skips other variables.
      expect([...read(bytes, ['u8']).keys()]).toEqual(['u8']);
    });
  }

  it('requireMatrix checks presence, shape, integer range and NaN with file and field in the message', () => {
    const bytes = writeMat5([{ name: 'M', data: [1, 2, Number.NaN, 4, 5, 6], rows: 2, cols: 3 }, { name: 'L', data: [0, 1, 2, 1], rows: 2, cols: 2 }]);
    const vars = read(bytes);
    expect(() => requireMatrix(vars, 'x.mat', 'Q')).toThrow(/x\.mat: variable 'Q' is missing/);
    expect(() => requireMatrix(vars, 'x.mat', 'M', { rows: 3 })).toThrow(/x\.mat: variable 'M' has 2 rows, expected 3/);
    expect(() => requireMatrix(vars, 'x.mat', 'L', { cols: 3 })).toThrow(/'L' has 2 columns, expected 3/);
    expect(() => requireMatrix(vars, 'x.mat', 'M')).toThrow(/x\.mat: variable 'M' has NaN at row 0, column 2/);
    expect(() => requireMatrix(vars, 'x.mat', 'L', { integer: true, min: 0, max: 1 })).toThrow(/'L' has value 2 at row 1, column 0/);
  });

  it('rejects corrupted input with a DataError naming the file', () => {
    const good = writeMat5([{ name: 'A', data: matrix(8, 8, 4), rows: 8, cols: 8 }], { deflate });
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /x\.mat: not a MAT v5 file \(only 0 bytes/],
      ['text file', new TextEncoder().encode('hello '.repeat(40)), /endian indicator/],
      ['truncated in the element', good.subarray(0, good.length - 20), /truncated/],
      ['truncated after the header', good.subarray(0, 131), /truncated/],
      ['corrupt zlib', (() => { const c = good.slice(); for (let i = 140; i < 170; i++) c[i] ^= 0x5a; return c; })(), /zlib stream is corrupt/],
      ['bad version', (() => { const c = good.slice(); c[124] = 7; return c; })(), /unsupported MAT version/],
    ];
    for (const [what, bytes, re] of cases) {
      let err: unknown;
      try { read(bytes); } catch (e) { err = e; }
      expect(err, what).toBeInstanceOf(DataError);
      expect((err as Error).message, what).toMatch(re);
    }
    // Dimensions that do not match the data.
    const raw = writeMat5([{ name: 'A', data: matrix(4, 4, 5), rows: 4, cols: 4 }]);
    const dv = new DataView(raw.buffer);
    dv.setInt32(128 + 8 + 16 + 8 + 4, 5, true); // cols 4 → 5
    expect(() => read(raw)).toThrow(/variable 'A': dimensions \[4, 5\] need 20 values, the data holds 16/);
  });

  const dataDir = (() => { try { return sharedDataDir(); } catch { return null; } })();
  it.runIf(dataDir !== null)('reads the real MIRFlickr LAll (double class stored as miUINT8) equal to the text copy', () => {
    const vars = readMatFile(`${dataDir}/mirflickr25k/mirflickr25k-lall.mat`);
    const L = requireMatrix(vars, 'lall', 'LAll', { rows: 20015, cols: 24 });
    const txt = readFileSync(`${dataDir}/mirflickr25k/raw/all_labels.txt`, 'utf8').trim().split('\n');
    expect(txt.length).toBe(20015);
    for (const row of [0, 1, 2, 777, 20014]) expect(Array.from(L.data.subarray(row * 24, row * 24 + 24))).toEqual(txt[row]!.trim().split(/\s+/).map(Number));
  });

  it.runIf(dataDir !== null && existsSync(`${dataDir}/wikipedia/raw_features.mat`))('reads the real Wikipedia features (values checked against scipy.io.loadmat)', () => {
    const vars = readMatFile(`${dataDir}/wikipedia/raw_features.mat`, ['I_tr', 'T_tfidf_tr']);
    const I = requireMatrix(vars, 'wiki', 'I_tr', { rows: 2173, cols: 128 });
    // scipy: I_tr[0,0], I_tr[0,1], I_tr[1,0], I_tr[-1,-1]
    expect(I.data[0]).toBe(Math.fround(0.03732303902506828));
    expect(I.data[1]).toBe(Math.fround(0.0038610037881881));
    expect(I.data[128]).toBe(Math.fround(0.020370369777083397));
    expect(I.data[I.data.length - 1]).toBe(Math.fround(0.0038610037881881));
    const T = requireMatrix(vars, 'wiki', 'T_tfidf_tr', { rows: 2173, cols: 1000 });
    expect(T.data[1000]).toBe(Math.fround(0.02705));
  });
});
