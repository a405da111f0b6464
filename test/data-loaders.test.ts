/** Dataset loaders (Wikipedia, MIRFlickr, packed/default), splits, validation carve, batching with exact resume. */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/runtime/errors.js';
import { writeMat5 } from '../src/data/mat5.js';
import { carveValidation, randomSplit, validateDataset, type Dataset } from '../src/data/dataset.js';
import { BatchSampler } from '../src/data/batcher.js';
import { defaultDatasetDir, parseSplitSpec, loadDataset, loadDefaultDataset, loadMirflickr, loadPackedDataset, loadWikipedia, sharedDataDir } from '../src/data/node/index.js';
import { expectDataError } from './expect-error.js';

const tmp = mkdtempSync(join(tmpdir(), 'cmhash-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dataDir = (() => { try { return sharedDataDir(); } catch { return null; } })();


describe('splits', () => {
  it('randomSplit is seeded, disjoint and train ⊂ retrieval', () => {
    const a = randomSplit(1000, { numQuery: 100, numTrain: 300, seed: 7 });
    const b = randomSplit(1000, { numQuery: 100, numTrain: 300, seed: 7 });
    const c = randomSplit(1000, { numQuery: 100, numTrain: 300, seed: 8 });
    expect(Array.from(a.query)).toEqual(Array.from(b.query));
    expect(Array.from(a.query)).not.toEqual(Array.from(c.query));
    expect(a.query.length + a.retrieval.length).toBe(1000);
    const ret = new Set(a.retrieval);
    for (const q of a.query) expect(ret.has(q)).toBe(false);
    for (const t of a.train) expect(ret.has(t)).toBe(true);
    expect(new Set(a.train).size).toBe(300);
    expect(() => randomSplit(10, { numQuery: 10, numTrain: 1, seed: 0 })).toThrow(DataError);
  });

  it('carveValidation removes val rows from train', () => {
    const train = Uint32Array.from({ length: 200 }, (_, i) => i * 3);
    const { train: t, val } = carveValidation(train, 0.1, 3);
    expect(val.length).toBe(20);
    expect(t.length).toBe(180);
    const s = new Set(t);
    for (const v of val) { expect(s.has(v)).toBe(false); expect(v % 3).toBe(0); }
    expect(carveValidation(train, 25, 3).val.length).toBe(25);
  });
});

describe('BatchSampler', () => {
  it('covers every row once per epoch, reshuffles, and resumes exactly from a saved state', () => {
    const rows = Uint32Array.from({ length: 103 }, (_, i) => i + 1000);
    const run = (s: BatchSampler, epochs: number) => {
      const out: number[][] = [];
      for (let e = 0; e < epochs; e++) {
        s.startEpoch();
        for (let b = s.next(); b; b = s.next()) out.push(Array.from(b));
      }
      return out;
    };
    const a = new BatchSampler(rows, { batchSize: 10, seed: 5 });
    expect(a.batchesPerEpoch).toBe(10);
    const full = run(a, 3);
    expect(full.length).toBe(30);
    const epoch1 = full.slice(0, 10).flat();
    expect(new Set(epoch1).size).toBe(100);
    expect(full.slice(10, 20).flat()).not.toEqual(epoch1);
    // Interrupt in the middle of epoch 2, serialise the state through JSON, resume in a fresh sampler.
    const b = new BatchSampler(rows, { batchSize: 10, seed: 5 });
    const got: number[][] = [];
    b.startEpoch();
    for (let i = 0; i < 10; i++) got.push(Array.from(b.next()!));
    b.startEpoch();
    for (let i = 0; i < 4; i++) got.push(Array.from(b.next()!));
    const state = JSON.parse(JSON.stringify(b.getState()));
    const c = new BatchSampler(rows, { batchSize: 10, seed: 999 });
    c.setState(state);
    for (let x = c.next(); x; x = c.next()) got.push(Array.from(x));
    got.push(...run(c, 1));
    expect(got).toEqual(full);
  });

  it('keeps the last partial batch when asked and rejects a bad batch size', () => {
    const s = new BatchSampler(Uint32Array.from([1, 2, 3, 4, 5]), { batchSize: 2, seed: 1, dropLast: false, shuffle: false });
    s.startEpoch();
    expect([s.next(), s.next(), s.next(), s.next()].map((b) => b && Array.from(b))).toEqual([[1, 2], [3, 4], [5], null]);
    expect(() => new BatchSampler(Uint32Array.from([1]), { batchSize: 0, seed: 1 })).toThrow(DataError);
  });
});

describe('validateDataset', () => {
  const base = (): Dataset => ({
    name: 't', n: 4, imageDim: 2, textDim: 1, numLabels: 2, image: new Float32Array(8).fill(0.5), text: new Float32Array(4).fill(1),
    labels: Float32Array.from([1, 0, 0, 1, 1, 1, 0, 1]), labelNames: ['a', 'b'],
    splits: { query: Uint32Array.from([0]), retrieval: Uint32Array.from([1, 2, 3]), train: Uint32Array.from([1, 2]), val: Uint32Array.from([3]) },
  });
  it('names the field for NaN, wrong length, bad labels and bad splits', () => {
    expect(validateDataset(base()).n).toBe(4);
    const nan = base(); nan.image[5] = NaN;
    expectDataError(() => validateDataset(nan, 'here'), /here: field 'image' has NaN at row 2, column 1/);
    const len = base(); len.text = new Float32Array(3);
    expectDataError(() => validateDataset(len, 'here'), /field 'text' has 3 values, expected 4 rows × 1/);
    const lab = base(); lab.labels[0] = 0.5;
    expectDataError(() => validateDataset(lab), /field 'labels' has 0.5/);
    const sp = base(); sp.splits.query = Uint32Array.from([9]);
    expectDataError(() => validateDataset(sp), /split 'query' has row 9/);
    const ov = base(); ov.splits.val = Uint32Array.from([2]);
    expectDataError(() => validateDataset(ov), /row 2 is in both 'train' and 'val'/);
  });
});

describe.runIf(dataDir !== null)('real datasets', () => {
  const wikiDir = join(dataDir ?? '', 'wikipedia');
  const mirDir = join(dataDir ?? '', 'mirflickr25k');

  it('Wikipedia: 2,866 pairs, 693 queries, 2,173 retrieval, val carved from training', () => {
    const ds = loadWikipedia(wikiDir, { text: 'tfidf' });
    expect([ds.n, ds.imageDim, ds.textDim, ds.numLabels]).toEqual([2866, 128, 1000, 10]);
    expect(ds.splits.query.length).toBe(693);
    expect(ds.splits.retrieval.length).toBe(2173);
    expect(ds.splits.train.length + ds.splits.val.length).toBe(2173);
    expect(ds.splits.val.length).toBe(217);
    // one label per row
    for (let i = 0; i < ds.n; i++) expect(ds.labels.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBe(1);
    const lda = loadWikipedia(wikiDir);
    expect(lda.textDim).toBe(10); // LDA topics are the default text features
  });

  it('MIRFlickr: labels, tags, fixed split, random split, photos', () => {
    const ds = loadMirflickr(mirDir);
    expect([ds.n, ds.imageDim, ds.textDim, ds.numLabels]).toEqual([20015, 0, 1386, 24]);
    expect([ds.splits.query.length, ds.splits.retrieval.length, ds.splits.train.length + ds.splits.val.length]).toEqual([2000, 18015, 5000]);
    expect(ds.labelNames[0]).toBe('animals');
    expect(ds.imageFiles!.filter(Boolean).length).toBe(730);
    expect(ds.imageFiles![0]).toBe('im1.jpg');
    const r = loadMirflickr(mirDir, { split: { seed: 3 } });
    expect(r.splits.query.length).toBe(2000);
    expect(Array.from(r.splits.query)).not.toEqual(Array.from(ds.splits.query));
    // DJSRH's per-label split: 160 + 23·80 = 2,000 queries, 400 + 23·200 = 5,000 training rows, training ⊂ retrieval.
    const p = loadMirflickr(mirDir, { split: { kind: 'per-label', seed: 1 }, valSize: 0 });
    expect([p.splits.query.length, p.splits.retrieval.length, p.splits.train.length]).toEqual([2000, 18015, 5000]);
    const q = new Set(p.splits.query), ret = new Set(p.splits.retrieval);
    for (const t of p.splits.train) { expect(ret.has(t)).toBe(true); expect(q.has(t)).toBe(false); }
    let firstLabelQueries = 0;
    for (const r0 of p.splits.query) if (p.labels[r0 * 24]! > 0) firstLabelQueries++;
    expect(firstLabelQueries).toBeGreaterThanOrEqual(160);
    expect(Array.from(loadMirflickr(mirDir, { split: { kind: 'per-label', seed: 1 }, valSize: 0 }).splits.query)).toEqual(Array.from(p.splits.query));
    expect(() => parseSplitSpec('per-label:x')).toThrow(/expected fixed, random:<seed> or per-label:<seed>/);
    expect(parseSplitSpec('random:4')).toEqual({ kind: 'random', seed: 4 });
  });

  it('the embedded default dataset equals the Wikipedia loader output', () => {
    const d = loadDefaultDataset();
    const w = loadWikipedia(wikiDir);
    expect([d.n, d.imageDim, d.textDim, d.numLabels]).toEqual([w.n, w.imageDim, w.textDim, w.numLabels]);
    const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);
    expect(same(d.image, w.image)).toBe(true);
    expect(same(d.text, w.text)).toBe(true);
    expect(same(d.labels, w.labels)).toBe(true);
    for (const k of ['query', 'retrieval', 'train', 'val'] as const) expect(Array.from(d.splits[k])).toEqual(Array.from(w.splits[k]));
    expect(loadDataset('default', { text: 'tfidf' }).textDim).toBe(1000);
  });

  it('Wikipedia: corrupted copies are rejected naming the file and the field', () => {
    const make = (name: string) => {
      const d = join(tmp, name);
      mkdirSync(d, { recursive: true });
      for (const f of ['raw_features.mat', 'trainset_txt_img_cat.list', 'testset_txt_img_cat.list']) copyFileSync(join(wikiDir, f), join(d, f));
      return d;
    };
    const mat = readFileSync(join(wikiDir, 'raw_features.mat'));
    const trunc = make('w-trunc');
    writeFileSync(join(trunc, 'raw_features.mat'), mat.subarray(0, mat.length >> 1));
    expectDataError(() => loadWikipedia(trunc), /raw_features\.mat/, /truncated|corrupt/);
    const missing = make('w-missing');
    rmSync(join(missing, 'testset_txt_img_cat.list'));
    expectDataError(() => loadWikipedia(missing), /testset_txt_img_cat\.list: cannot read \(file not found\)/);
    const shortList = make('w-short');
    const lines = readFileSync(join(wikiDir, 'trainset_txt_img_cat.list'), 'utf8').trim().split('\n');
    writeFileSync(join(shortList, 'trainset_txt_img_cat.list'), lines.slice(1).join('\n'));
    expectDataError(() => loadWikipedia(shortList), /trainset_txt_img_cat\.list: 2172 lines, expected 2173/);
    const badCat = make('w-badcat');
    writeFileSync(join(badCat, 'trainset_txt_img_cat.list'), [lines[0]!.replace(/\t\d+$/, '\t11'), ...lines.slice(1)].join('\n'));
    expectDataError(() => loadWikipedia(badCat), /trainset_txt_img_cat\.list: line 1/);
    // Wrong dimensions and NaN: small synthetic MAT files with the right variable names.
    const rows = (r: number, c: number, v = 0.1) => new Float64Array(r * c).fill(v);
    const writeMat = (d: string, over: Record<string, { data: Float64Array; rows: number; cols: number }>) => {
      const vars = { I_tr: { data: rows(2173, 128), rows: 2173, cols: 128 }, I_te: { data: rows(693, 128), rows: 693, cols: 128 },
        T_tfidf_tr: { data: rows(2173, 1000), rows: 2173, cols: 1000 }, T_tfidf_te: { data: rows(693, 1000), rows: 693, cols: 1000 }, ...over };
      writeFileSync(join(d, 'raw_features.mat'), writeMat5(Object.entries(vars).map(([name, v]) => ({ name, ...v }))));
    };
    const dims = make('w-dims');
    writeMat(dims, { I_te: { data: rows(693, 127), rows: 693, cols: 127 } });
    expectDataError(() => loadWikipedia(dims, { text: 'tfidf' }), /raw_features\.mat: variable 'I_te' has 127 columns, expected 128/);
    const nan = make('w-nan');
    const bad = rows(693, 1000); bad[5 * 1000 + 7] = NaN;
    writeMat(nan, { T_tfidf_te: { data: bad, rows: 693, cols: 1000 } });
    expectDataError(() => loadWikipedia(nan, { text: 'tfidf' }), /raw_features\.mat: variable 'T_tfidf_te' has NaN at row 5, column 7/);
  });

  it('MIRFlickr: corrupted copies are rejected naming the file and the field', () => {
    const make = (name: string) => {
      const d = join(tmp, name);
      cpSync(mirDir, d, { recursive: true, filter: (src) => !src.includes('/images/') && !src.endsWith('/images') && !src.includes('/raw') });
      return d;
    };
    const lall = readFileSync(join(mirDir, 'mirflickr25k-lall.mat'));
    const t = make('m-trunc');
    writeFileSync(join(t, 'mirflickr25k-lall.mat'), lall.subarray(0, 5000));
    expectDataError(() => loadMirflickr(t), /mirflickr25k-lall\.mat/, /truncated|corrupt/);
    const y = make('m-ydims');
    writeFileSync(join(y, 'mirflickr25k-yall.mat'), writeMat5([{ name: 'YAll', data: new Float64Array(100 * 1386), rows: 100, cols: 1386, className: 'uint8' }]));
    expectDataError(() => loadMirflickr(y), /mirflickr25k-yall\.mat: variable 'YAll' has 100 rows, expected 20015/);
    const l = make('m-lval');
    const L = new Float64Array(20015 * 24); L[3 * 24 + 2] = 3;
    writeFileSync(join(l, 'mirflickr25k-lall.mat'), writeMat5([{ name: 'LAll', data: L, rows: 20015, cols: 24, className: 'uint8' }]));
    expectDataError(() => loadMirflickr(l), /mirflickr25k-lall\.mat: variable 'LAll' has value 3 at row 3, column 2/);
    const s = make('m-split');
    writeFileSync(join(s, 'split', 'query.txt'), '1\n2\nabc\n');
    expectDataError(() => loadMirflickr(s), /query\.txt: line 3/);
    const s2 = make('m-split2');
    writeFileSync(join(s2, 'split', 'train.txt'), '99999\n');
    expectDataError(() => loadMirflickr(s2), /train\.txt: line 1: row index 99999 is out of range/);
    const rowsBad = make('m-rows');
    mkdirSync(join(rowsBad, 'images'), { recursive: true });
    writeFileSync(join(rowsBad, 'images', 'rows.tsv'), 'row_in_LAll_YAll\timage_file\n0\tim1.jpg\n99999\tim2.jpg\n');
    expectDataError(() => loadMirflickr(rowsBad), /rows\.tsv: line 3/);
    const n = make('m-names');
    writeFileSync(join(n, 'label_names.txt'), 'a\nb\n');
    expectDataError(() => loadMirflickr(n), /label_names\.txt: 2 label names, but LAll .* has 24 columns/);
  });
});

describe('packed dataset corruption', () => {
  const make = (name: string) => {
    const d = join(tmp, name);
    cpSync(defaultDatasetDir(), d, { recursive: true });
    return d;
  };
  it('loads a clean copy', () => {
    expect(loadPackedDataset(make('p-ok')).n).toBe(2866);
  });
  it('rejects truncated gzip, wrong byte counts, NaN, a bad manifest and a missing file', () => {
    const t = make('p-trunc');
    const img = readFileSync(join(t, 'image.f32.gz'));
    writeFileSync(join(t, 'image.f32.gz'), img.subarray(0, img.length - 100));
    expectDataError(() => loadPackedDataset(t), /image\.f32\.gz: array 'image' is not a valid gzip stream/);
    const s = make('p-short');
    writeFileSync(join(s, 'text_lda.f32.gz'), gzipSync(new Uint8Array(400)));
    expectDataError(() => loadPackedDataset(s), /text_lda\.f32\.gz: array 'text_lda' has 400 bytes after decompression, the manifest says 114640/);
    const nan = make('p-nan');
    const bytes = new Uint8Array(2866 * 128 * 4); new DataView(bytes.buffer).setFloat32((10 * 128 + 3) * 4, NaN, true);
    writeFileSync(join(nan, 'image.f32.gz'), gzipSync(bytes));
    expectDataError(() => loadPackedDataset(nan), /field 'image' has NaN at row 10, column 3/);
    const m = make('p-manifest');
    const man = JSON.parse(readFileSync(join(m, 'manifest.json'), 'utf8'));
    man.arrays.image.shape = [2866, 129];
    writeFileSync(join(m, 'manifest.json'), JSON.stringify(man));
    expectDataError(() => loadPackedDataset(m), /manifest\.json: field 'arrays\.image\.bytes'/);
    writeFileSync(join(m, 'manifest.json'), '{"format": "cmhash-dataset/1", ');
    expectDataError(() => loadPackedDataset(m), /manifest\.json: not valid JSON/);
    const g = make('p-gone');
    rmSync(join(g, 'labels.u8.gz'));
    expectDataError(() => loadPackedDataset(g), /labels\.u8\.gz: cannot read \(file not found\)/);
  });
});

describe('packed dataset over HTTP (the browser path: fetch + DecompressionStream)', () => {
  it('equals the file loader and reports a missing file with its URL', async () => {
    const { createServer } = await import('node:http');
    const { fetchPackedDataset } = await import('../src/data/packed.js');
    const dir = defaultDatasetDir();
    const server = createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      try {
        const body = readFileSync(join(dir, name));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const a = await fetchPackedDataset(`http://127.0.0.1:${port}/`, { text: 'lda' });
      const b = loadPackedDataset(dir, { text: 'lda' });
      expect([a.n, a.imageDim, a.textDim]).toEqual([b.n, b.imageDim, b.textDim]);
      expect(a.image.every((x, i) => x === b.image[i])).toBe(true);
      expect(a.text.every((x, i) => x === b.text[i])).toBe(true);
      expect(Array.from(a.splits.val)).toEqual(Array.from(b.splits.val));
      await expect(fetchPackedDataset(`http://127.0.0.1:${port}/missing/`)).rejects.toThrow(/missing\/manifest\.json: HTTP 404/);
    } finally {
      server.close();
    }
  });
});
