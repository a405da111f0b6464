/** A user's own files → a packed dataset: .npy/.csv readers, labels, the caption vectorizer, `packDataset` and manifest v2 (no GPU). */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { encodeNpy as writeNpy, readNpy } from '../src/io/npy.js';
import { csvMatrix, parseCsv } from '../src/data/csv.js';
import { labelsFromNames, looksLikeMultiHot, multiHotFrom } from '../src/data/labels.js';
import { fitTextVectorizer, tokenize, vectorizeText } from '../src/data/text-vectorizer.js';
import { writeMat5 } from '../src/data/mat5.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { loadDataset, loadDefaultDataset, loadPackedDataset, packDataset, readMatrixFile } from '../src/data/node/index.js';
import { datasetFor } from '../src/cli/common.js';
import { expectDataError as dataError } from './expect-error.js';

const tmp = mkdtempSync(join(tmpdir(), 'cmhash-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


/** A .npy file written by hand (any descr / order), as numpy lays it out. */
function npyBytes(descr: string, shape: string, fortran: boolean, body: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  h = h.padEnd(Math.ceil((pre + h.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, h.length, true); else v.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(body, pre + h.length);
  return out;
}

describe('.npy reader', () => {
  it('reads float32 C order as written, and float64 big-endian Fortran order, int and bool', () => {
    const a = Float32Array.from({ length: 15 }, (_, i) => i * 0.5 - 3);
    const r = readNpy(writeNpy(a, [5, 3]), 'a.npy');
    expect(r.shape).toEqual([5, 3]);
    expect(Array.from(r.data)).toEqual(Array.from(a));
    // [[1, 2, 3], [4, 5, 6]] stored column-major as big-endian float64: 1 4 2 5 3 6.
    const body = new Uint8Array(48);
    [1, 4, 2, 5, 3, 6].forEach((x, i) => new DataView(body.buffer).setFloat64(i * 8, x, false));
    const f = readNpy(npyBytes('>f8', '(2, 3)', true, body), 'f.npy');
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const i8 = readNpy(npyBytes('<i8', '(3,)', false, new Uint8Array(new BigInt64Array([-2n, 0n, 7n]).buffer), 2), 'i.npy');
    expect(i8.shape).toEqual([3]);
    expect(Array.from(i8.data)).toEqual([-2, 0, 7]);
    expect(Array.from(readNpy(npyBytes('|b1', '(2, 2)', false, Uint8Array.of(1, 0, 0, 1)), 'b.npy').data)).toEqual([1, 0, 0, 1]);
  });

  it('refuses what it cannot read with the file named', () => {
    const good = writeNpy(new Float32Array(6), [2, 3]);
    dataError(() => readNpy(good.subarray(0, good.length - 4), 'cut.npy'), /cut\.npy/, /truncated/);
    dataError(() => readNpy(npyBytes('|O', '(2,)', false, new Uint8Array(16)), 'o.npy'), /o\.npy/, /pickle/);
    dataError(() => readNpy(npyBytes('<f4', '(1, 1, 2)', false, new Uint8Array(8)), 'r3.npy'), /shape \(1, 1, 2\)/);
    dataError(() => readNpy(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 'x.npy'), /not a \.npy file/);
  });
});

describe('CSV', () => {
  it('parses quotes, doubled quotes, embedded commas/newlines and CRLF, with line numbers', () => {
    const r = parseCsv('a,"b,c"\r\n"say ""hi""",2\n\n"multi\nline",3\n', 'f.csv');
    expect(r.map((x) => x.fields)).toEqual([['a', 'b,c'], ['say "hi"', '2'], ['multi\nline', '3']]);
    expect(r.map((x) => x.line)).toEqual([1, 2, 4]);
    dataError(() => parseCsv('a,"open\n', 'q.csv'), /q\.csv: line 1/, /not closed/);
  });

  it('reads a matrix with an optional header and names the bad cell', () => {
    const m = csvMatrix('x,y\n1,2\n3,4.5\n', 'm.csv');
    expect(m.header).toEqual(['x', 'y']);
    expect([m.rows, m.cols, ...m.data]).toEqual([2, 2, 1, 2, 3, 4.5]);
    dataError(() => csvMatrix('x,y\n1,2\n3,oops\n', 'm.csv'), /m\.csv: line 3, column 2 \('y'\)/, /"oops" is not a finite number/);
    dataError(() => csvMatrix('1,2\n3\n', 'w.csv'), /line 2 has 1 fields, expected 2/);
  });
});

describe('labels', () => {
  it('names per line: any label set, several per item, empty line = none, sorted columns', () => {
    const l = labelsFromNames('sky|sea\n\n"a, b";sky\nsea,sky,sea\n', 'l.csv');
    expect(l.names).toEqual(['a, b', 'sea', 'sky']);
    expect(l.rows).toBe(4);
    expect(Array.from(l.labels)).toEqual([0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1]);
  });

  it('tells a 0/1 matrix from names, and rejects values other than 0 and 1 by row and column', () => {
    expect(looksLikeMultiHot('cat,dog\n1,0\n0,1\n', 'h.csv')).toBe(true);
    expect(looksLikeMultiHot('1,0\n0,1\n', 'h.csv')).toBe(true);
    expect(looksLikeMultiHot('cat,dog\ndog\n', 'h.csv')).toBe(false);
    dataError(() => multiHotFrom([0, 1, 2, 0], 2, 2, 'm.npy'), /m\.npy: label value 2 at row 1, column 0/);
  });
});

describe('caption vectorizer', () => {
  it('tokenizes Unicode words, lower case, keeps inner apostrophes, drops stop words', () => {
    expect(tokenize('Café NAÏVE, don\'t — 3 élèves!', new Set(['3']))).toEqual(['café', 'naïve', "don't", 'élèves']);
  });

  it('fits on the training rows only; tf-idf matches a float64 reference', () => {
    const caps = ['red bird red', 'blue bird', 'red fish', 'zebra zebra only in a query'];
    const spec = fitTextVectorizer(caps, [0, 1, 2], { minCount: 1, stopWords: 'none' });
    expect(spec.vocabulary).toEqual(['bird', 'red', 'blue', 'fish']); // df 2, 2, 1, 1; ties alphabetical
    expect(spec.vocabulary).not.toContain('zebra');
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    const x = vectorizeText(spec, ['red bird red', 'zebra']);
    const raw = [idf(2), 2 * idf(2), 0, 0];
    const norm = Math.hypot(...raw);
    for (let j = 0; j < 4; j++) expect(x[j]).toBeCloseTo(raw[j]! / norm, 6);
    expect(Array.from(x.subarray(4))).toEqual([0, 0, 0, 0]); // unknown words only: a zero row
    const mc = fitTextVectorizer(caps, [0, 1, 2], { minCount: 2, maxVocab: 1, weighting: 'bow', stopWords: 'none' });
    expect(mc.vocabulary).toEqual(['bird']);
    expect(Array.from(vectorizeText(mc, ['bird bird red']))).toEqual([2]);
    dataError(() => fitTextVectorizer(caps, [0, 1, 2], { minCount: 5 }), /no word occurs in 5 or more of the 3 training captions/);
  });
});

/** Files for a small dataset of n items, written under `dir`. */
function userFiles(dir: string, n: number): { names: string[][]; caps: string[]; img: Float32Array } {
  mkdirSync(dir, { recursive: true });
  const L = ['bird', 'cat', 'tree'];
  const names: string[][] = [], caps: string[] = [];
  const img = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const ls = i % 5 === 0 ? [L[i % 3]!, L[(i + 1) % 3]!] : [L[i % 3]!];
    names.push(ls);
    caps.push(`A ${ls.join(' and a ')} number${i}`);
    for (let j = 0; j < 4; j++) img[i * 4 + j] = Math.sin(i * 7 + j);
  }
  writeFileSync(join(dir, 'img.npy'), writeNpy(img, [n, 4]));
  writeFileSync(join(dir, 'labels.csv'), names.map((l) => l.join(',')).join('\n') + '\n');
  writeFileSync(join(dir, 'captions.txt'), caps.join('\n') + '\n');
  writeFileSync(join(dir, 'ids.txt'), Array.from({ length: n }, (_, i) => `id-${i}`).join('\n') + '\n');
  return { names, caps, img };
}

describe('packDataset', () => {
  const src = join(tmp, 'src');
  const n = 40;
  const files = userFiles(src, n);

  it('packs features, named labels, captions and ids; the folder loads back as written (manifest v2)', () => {
    const out = join(tmp, 'ds');
    const r = packDataset({
      out, imageFeatures: { file: join(src, 'img.npy') }, captions: join(src, 'captions.txt'), labels: { file: join(src, 'labels.csv') },
      ids: join(src, 'ids.txt'), split: 'random:3', querySize: 8, text: { minCount: 1 },
    });
    expect(r.splits).toEqual({ query: 8, retrieval: 32, train: 32 });
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.format).toBe('cmhash-dataset/2');
    expect(m.ids).toBe('ids.txt');
    expect(m.vectorizers).toEqual({ tfidf: 'vectorizer_tfidf.json' });
    const ds = loadDataset(out, { valSize: 0 });
    expect(ds.labelNames).toEqual(['bird', 'cat', 'tree']);
    expect(ds.ids![17]).toBe('id-17');
    expect(Array.from(ds.image)).toEqual(Array.from(files.img));
    for (let i = 0; i < n; i++) {
      const got = ds.labelNames.filter((_, j) => ds.labels[i * 3 + j] === 1);
      expect(got, `row ${i}`).toEqual([...files.names[i]!].sort());
    }
    // The vocabulary saw the training captions only: the numbered word of a query row is not in it.
    const q = ds.splits.query[0]!;
    expect(ds.textVectorizer!.vocabulary).not.toContain(`number${q}`);
    expect(ds.textVectorizer!.vocabulary).toContain(`number${ds.splits.train[0]}`);
    expect(Array.from(ds.text.subarray(q * ds.textDim, (q + 1) * ds.textDim))).toEqual(Array.from(vectorizeText(ds.textVectorizer!, [files.caps[q]!])));
    // Same files, same seed: the same folder; a different seed: a different split.
    const again = packDataset({ out: join(tmp, 'ds2'), imageFeatures: { file: join(src, 'img.npy') }, captions: join(src, 'captions.txt'), labels: { file: join(src, 'labels.csv') }, ids: join(src, 'ids.txt'), split: 'random:3', querySize: 8, text: { minCount: 1 } });
    expect(readFileSync(join(tmp, 'ds2', 'split_query.u32.gz'))).toEqual(readFileSync(join(out, 'split_query.u32.gz')));
    expect(again.vocabulary).toBe(r.vocabulary);
  });

  it('takes a split column, three index files, a 0/1 label matrix with names, CSV/MAT/safetensors features', () => {
    const col = Array.from({ length: n }, (_, i) => (i < 5 ? 'query' : i < 30 ? 'train' : 'retrieval'));
    writeFileSync(join(src, 'split.txt'), col.join('\n') + '\n');
    writeFileSync(join(src, 'text.csv'), 'f1,f2\n' + Array.from({ length: n }, (_, i) => `${i},${-i}`).join('\n') + '\n');
    writeFileSync(join(src, 'multi.csv'), 'x,y\n' + Array.from({ length: n }, (_, i) => `${i % 2},${1 - (i % 2)}`).join('\n') + '\n');
    const a = packDataset({ out: join(tmp, 'col'), imageFeatures: { file: join(src, 'img.npy') }, textFeatures: { file: join(src, 'text.csv') }, labels: { file: join(src, 'multi.csv') }, split: join(src, 'split.txt') });
    expect(a.splits).toEqual({ query: 5, retrieval: 35, train: 25 });
    expect(a.labelNames).toEqual(['x', 'y']);
    const ds = loadPackedDataset(join(tmp, 'col'), { valSize: 0 });
    expect(ds.text[2 * 2 + 1]).toBe(-2);
    expect(ds.ids).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    expect(ds.textVectorizer).toBeUndefined();

    writeFileSync(join(src, 'q.txt'), '0\n1\n');
    writeFileSync(join(src, 'r.txt'), Array.from({ length: n - 2 }, (_, i) => i + 2).join('\n'));
    writeFileSync(join(src, 't.txt'), '2\n3\n4\n5\n6\n7\n');
    writeFileSync(join(src, 'img.mat'), writeMat5([{ name: 'X', data: Array.from(files.img), rows: n, cols: 4, className: 'single' }]));
    writeFileSync(join(src, 'lab.safetensors'), encodeSafetensors(new Map([['L', { shape: [n, 2], data: Uint8Array.from({ length: 2 * n }, (_, i) => (i % 2)) }]])));
    writeFileSync(join(src, 'names.txt'), 'left\nright\n');
    const b = packDataset({ out: join(tmp, 'files'), imageFeatures: { file: join(src, 'img.mat') }, textFeatures: { file: join(src, 'text.csv') }, labels: { file: join(src, 'lab.safetensors') }, labelNames: join(src, 'names.txt'), split: `${join(src, 'q.txt')},${join(src, 'r.txt')},${join(src, 't.txt')}` });
    expect(b.splits).toEqual({ query: 2, retrieval: n - 2, train: 6 });
    expect(b.labelNames).toEqual(['left', 'right']);
    expect(Array.from(readMatrixFile(join(src, 'img.mat')).data)).toEqual(Array.from(files.img));
  });

  it('copies JPEG photos found by id into the folder for the raw-image path', () => {
    const photos = join(src, 'photos');
    mkdirSync(photos, { recursive: true });
    const jpg = jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 200), width: 8, height: 8 }, 90).data;
    for (const i of [0, 3, 9]) writeFileSync(join(photos, `id-${i}.jpg`), jpg);
    const r = packDataset({ out: join(tmp, 'photos'), images: photos, ids: join(src, 'ids.txt'), captions: join(src, 'captions.txt'), labels: { file: join(src, 'labels.csv') }, text: { minCount: 1 } });
    expect(r.photos).toBe(3);
    expect(r.imageDim).toBe(0);
    const ds = loadPackedDataset(join(tmp, 'photos'));
    expect(ds.imageFiles![3]).toBe('id-3.jpg');
    expect(ds.imageFiles![4]).toBe('');
    expect(existsSync(join(ds.imageRoot!, 'id-9.jpg'))).toBe(true);
  });

  it('--raw-images keeps the split of a dataset with a photo for every row; --photo-queries re-splits it', () => {
    const photos = join(src, 'all-photos');
    mkdirSync(photos, { recursive: true });
    const jpg = jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 120), width: 8, height: 8 }, 90).data;
    for (let i = 0; i < n; i++) writeFileSync(join(photos, `id-${i}.jpg`), jpg);
    writeFileSync(join(src, 'photo-split.txt'), Array.from({ length: n }, (_, i) => (i < 5 ? 'query' : i < 12 ? 'retrieval' : 'train')).join('\n'));
    const folder = join(tmp, 'all-photos');
    packDataset({ out: folder, images: photos, ids: join(src, 'ids.txt'), captions: join(src, 'captions.txt'), labels: { file: join(src, 'labels.csv') }, text: { minCount: 1 }, split: join(src, 'photo-split.txt') });
    const kept = datasetFor({ data: folder, rawImages: 32, seed: 3 });
    expect(Array.from(kept.splits.query)).toEqual([0, 1, 2, 3, 4]);
    expect(kept.imageFiles!.every((f) => f)).toBe(true);
    const resplit = datasetFor({ data: folder, rawImages: 32, seed: 3, photoQueries: 7 });
    expect(resplit.splits.query.length).toBe(7);
  });

  it('bad input: clear errors naming the file, the row and the field', () => {
    const base = { imageFeatures: { file: join(src, 'img.npy') }, captions: join(src, 'captions.txt'), labels: { file: join(src, 'labels.csv') }, text: { minCount: 1 } };
    writeFileSync(join(src, 'short.txt'), 'x\ny\n');
    dataError(() => packDataset({ ...base, out: join(tmp, 'e1'), captions: join(src, 'short.txt') }), /short\.txt: 2 rows, but .*img\.npy has 40/);
    writeFileSync(join(src, 'dup.txt'), Array.from({ length: n }, (_, i) => (i === 7 ? 'id-2' : `id-${i}`)).join('\n'));
    dataError(() => packDataset({ ...base, out: join(tmp, 'e2'), ids: join(src, 'dup.txt') }), /dup\.txt: line 8 repeats the id "id-2" of line 3/);
    writeFileSync(join(src, 'badsplit.txt'), Array.from({ length: n }, (_, i) => (i === 4 ? 'tset' : 'train')).join('\n'));
    dataError(() => packDataset({ ...base, out: join(tmp, 'e3'), split: join(src, 'badsplit.txt') }), /badsplit\.txt: line 5 is "tset", expected query, retrieval or train/);
    const nan = new Float32Array(n * 4); nan[9] = NaN;
    writeFileSync(join(src, 'nan.npy'), writeNpy(nan, [n, 4]));
    dataError(() => packDataset({ ...base, out: join(tmp, 'e4'), imageFeatures: { file: join(src, 'nan.npy') } }), /nan\.npy has NaN at row 2, column 1/);
    writeFileSync(join(src, 'two.csv'), Array.from({ length: n }, (_, i) => (i === 3 ? '0,2' : '0,1')).join('\n'));
    dataError(() => packDataset({ ...base, out: join(tmp, 'e5'), labels: { file: join(src, 'two.csv'), format: 'matrix' } }), /two\.csv: label value 2 at row 3, column 1/);
    dataError(() => packDataset({ ...base, out: join(tmp, 'e6'), imageFeatures: { file: join(src, 'captions.txt') } }), /captions\.txt: unsupported file type '\.txt'/);
    packDataset({ ...base, out: join(tmp, 'e7') });
    dataError(() => packDataset({ ...base, out: join(tmp, 'e7') }), /exists and is not empty/);
  });

  it('version 1 manifests (the embedded dataset) still load; v2-only fields under v1 are refused', () => {
    expect(loadDefaultDataset().n).toBe(2866);
    const dir = join(tmp, 'ds');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, format: 'cmhash-dataset/1' }));
    dataError(() => loadPackedDataset(dir), /field 'ids' needs format "cmhash-dataset\/2"/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, vectorizers: { lda: 'x.json' } }));
    dataError(() => loadPackedDataset(dir), /field 'vectorizers\.lda' names text variant "lda"/);
    writeFileSync(join(dir, 'ids.txt'), 'a\nb\n');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    dataError(() => loadPackedDataset(dir), /ids\.txt: 2 lines, expected one per row \(40\)/);
  });
});
