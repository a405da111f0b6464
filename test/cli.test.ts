/** The cmhash CLI end to end on the embedded dataset (spawns node dist/src/cli/main.js; `npm test` builds dist first). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeMat5 } from '../src/data/mat5.js';
import { loadDefaultDataset } from '../src/data/node/packed-file.js';
import { sharedDataDir } from '../src/data/node/files.js';
import { decodeIndexFile } from '../src/retrieval/index-file.js';

const root = resolve(__dirname, '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');
const plugin = join(root, 'test', 'fixtures', 'tiny-plugin.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() }, timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const TRAIN = ['--plugin', plugin, '--model', 'tiny', '--bits', '32', '--data', 'default', '--text', 'lda', '--lr', '0.5', '--batch', '64', '--seed', '4', '--progress', 'lines'];

beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does) before this file`);
});

describe('cmhash CLI', () => {
  it('--help works for every command', () => {
    for (const c of ['train', 'eval', 'encode', 'search', 'bench', 'doctor']) {
      const r = cli(c, '--help');
      expect(r.code, `${c}: ${r.err}`).toBe(0);
      expect(r.out.length, c).toBeGreaterThan(50);
    }
    const top = cli('--help');
    expect(top.code).toBe(0);
    for (const c of ['train', 'eval', 'encode', 'search', 'bench', 'doctor']) expect(top.out).toContain(c);
  });

  it('train defaults are the convergence protocol and each model\'s own batch (so `train --model X` alone reproduces the tables)', () => {
    const help = cli('train', '--help').out;
    expect(help).toMatch(/--epochs <n> +epoch cap \(default 200;/);
    expect(help).toMatch(/--patience <n> .*\(default 10\)/);
    const list = cli('train', '--list-models');
    expect(list.code).toBe(0);
    for (const m of ['dcmh', 'ssah', 'hfah', 'udsph']) expect(list.out).toMatch(new RegExp(`^${m} +supervised +batch 128 `, 'm'));
    for (const m of ['djsrh', 'jsghca', 'umha']) expect(list.out).toMatch(new RegExp(`^${m} +unsupervised +batch 32 `, 'm'));
  });

  it('bad usage exits 2 with the command help; unknown models and data are clear errors', () => {
    const bad = cli('train', '--bits', 'x');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--bits must be an integer/);
    expect(cli('train', '--nope').err).toMatch(/Unknown option '--nope'/);
    const unk = cli('train', '--model', 'no-such-model');
    expect(unk.code).toBe(1);
    expect(unk.err).toMatch(/unknown model 'no-such-model'/);
    const data = cli('train', ...TRAIN, '--data', join(tmp, 'nowhere'));
    expect(data.code).toBe(1);
    expect(data.err).toMatch(/not 'default', 'wikipedia', 'mirflickr' or an existing folder/);
    expect(cli('nonsense').code).toBe(2);
  });

  it('doctor runs the self-test', () => {
    const r = cli('doctor');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/self-test: ok/);
  });

  it('train → results, plots, checkpoints, log; resume equals an uninterrupted run; eval; encode; search', () => {
    const full = join(tmp, 'full');
    const r = cli('train', ...TRAIN, '--epochs', '2', '--out', full);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/image→text\s+0\.\d{4}/);
    for (const f of ['results.json', 'pr.svg', 'patk.svg', 'log.jsonl', 'checkpoints/last/model.safetensors', 'checkpoints/last/state.safetensors', 'checkpoints/last/checkpoint.json', 'checkpoints/best/model.safetensors']) {
      expect(existsSync(join(full, f)), f).toBe(true);
    }
    const results = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8'));
    expect(results.i2t.mapAll).toBeGreaterThan(0);
    expect(results.t2i.mapAtK['50']).toBeGreaterThan(0);
    expect(results.randomCodes.i2t.mapAll).toBeGreaterThan(0);
    expect(readFileSync(join(full, 'pr.svg'), 'utf8')).toMatch(/^<svg/);
    const events = readFileSync(join(full, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
    expect(events).toEqual(['start', 'val', 'epoch', 'val', 'epoch', 'test']);

    // One epoch, then --resume to two: the final weights are byte-identical to the uninterrupted run.
    const part = join(tmp, 'part');
    expect(cli('train', ...TRAIN, '--epochs', '1', '--out', part).code).toBe(0);
    const res = cli('train', '--plugin', plugin, '--resume', join(part, 'checkpoints', 'last'), '--epochs', '2', '--progress', 'lines');
    expect(res.code, res.err).toBe(0);
    const a = readFileSync(join(full, 'checkpoints', 'last', 'model.safetensors'));
    const b = readFileSync(join(part, 'checkpoints', 'last', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(readFileSync(join(full, 'checkpoints', 'last', 'state.safetensors')), readFileSync(join(part, 'checkpoints', 'last', 'state.safetensors')))).toBe(0);
    expect(cli('train', '--plugin', plugin, '--resume', join(part, 'checkpoints', 'last'), '--bits', '16').err).toMatch(/--bits cannot change on --resume/);

    const ev = cli('eval', '--plugin', plugin, '--checkpoint', join(full, 'checkpoints', 'best'), '--out', join(tmp, 'eval'));
    expect(ev.code, ev.err).toBe(0);
    const evr = JSON.parse(readFileSync(join(tmp, 'eval', 'results.json'), 'utf8'));
    expect(evr.i2t.mapAll).toBe(results.i2t.mapAll); // best weights, same protocol
    expect(existsSync(join(tmp, 'eval', 'patk.svg'))).toBe(true);

    const ck = join(full, 'checkpoints', 'best');
    const db = join(tmp, 'db.cmhi'), q = join(tmp, 'q.cmhi');
    expect(cli('encode', '--plugin', plugin, '--checkpoint', ck, '--modality', 'image', '--data', 'default', '--split', 'retrieval', '--output', db).code).toBe(0);
    expect(cli('encode', '--plugin', plugin, '--checkpoint', ck, '--modality', 'text', '--data', 'default', '--split', 'query', '--output', q).code).toBe(0);
    const dbf = decodeIndexFile(readFileSync(db));
    expect(dbf.codes.length).toBe(2173);
    expect(dbf.ids![0]).toBe('0'); // the default dataset has no ids: row numbers
    expect(dbf.labelNames![0]).toBe('art');
    const gpu = cli('search', '--index', db, '--queries', q, '--rows', '0,7', '--k', '5', '--json');
    expect(gpu.code, gpu.err).toBe(0);
    const sg = JSON.parse(gpu.out);
    expect(sg.queries.map((x: { query: number }) => x.query)).toEqual([0, 7]);
    expect(sg.queries[0].results.length).toBe(5);
    // ids and labels come from the files: row numbers of the default dataset, one Wikipedia category each.
    expect(sg.queries[0].labels).toHaveLength(1);
    for (const h of sg.queries[0].results) expect([h.id, h.labels.length]).toEqual([String(h.row), 1]);
    const d = sg.queries[0].results.map((x: { distance: number }) => x.distance);
    expect([...d].sort((x: number, y: number) => x - y)).toEqual(d);
    const cpu = JSON.parse(cli('search', '--index', db, '--queries', q, '--rows', '0,7', '--k', '5', '--json', '--cpu').out);
    expect(cpu).toEqual(sg);
    for (const extra of [['--multi-index', 'on'], ['--multi-index', 'auto'], ['--multi-index', 'on', '--cpu']]) {
      const mi = cli('search', '--index', db, '--queries', q, '--rows', '0,7', '--k', '5', '--json', ...extra);
      expect(mi.code, `${extra.join(' ')}: ${mi.err}`).toBe(0);
      expect(JSON.parse(mi.out), extra.join(' ')).toEqual(sg);
    }
    expect(cli('search', '--index', db, '--queries', q, '--multi-index', 'auto', '--cpu').err).toMatch(/--multi-index auto compares with the GPU scan/);

    // encode from a features file (MAT v5): the first 5 retrieval rows give the first 5 codes of db.cmhi.
    const ds = loadDefaultDataset({ text: 'lda' });
    const rows = Array.from(ds.splits.retrieval.subarray(0, 5));
    const feats = rows.flatMap((r) => Array.from(ds.image.subarray(r * 128, r * 128 + 128)));
    writeFileSync(join(tmp, 'f.mat'), writeMat5([{ name: 'X', data: feats, rows: 5, cols: 128, className: 'single' }]));
    const fm = cli('encode', '--plugin', plugin, '--checkpoint', ck, '--modality', 'image', '--input', join(tmp, 'f.mat'), '--output', join(tmp, 'f.cmhi'));
    expect(fm.code, fm.err).toBe(0);
    expect(Array.from(decodeIndexFile(readFileSync(join(tmp, 'f.cmhi'))).codes)).toEqual(Array.from(dbf.codes.subarray(0, 5)));
    const wrongDim = cli('encode', '--plugin', plugin, '--checkpoint', ck, '--modality', 'text', '--input', join(tmp, 'f.mat'), '--output', join(tmp, 'g.cmhi'));
    expect(wrongDim.err).toMatch(/text features have 128 columns, the model expects 10/);

    // A corrupted index file.
    const bad = join(tmp, 'bad.cmhi');
    writeFileSync(bad, readFileSync(db).subarray(0, 100));
    const sb = cli('search', '--index', bad, '--queries', q);
    expect(sb.code).toBe(1);
    expect(sb.err).toMatch(/bad\.cmhi: header says 2173 codes/);
  });

  const hasPhotos = (() => { try { return existsSync(join(sharedDataDir(), 'mirflickr25k', 'images', 'rows.tsv')); } catch { return false; } })();
  it.runIf(hasPhotos)('train --raw-images on the MIRFlickr photos, then eval and encode with the same image path', () => {
    const out = join(tmp, 'raw');
    const r = cli('train', '--plugin', plugin, '--model', 'tiny', '--bits', '16', '--data', 'mirflickr', '--raw-images', '8', '--photo-queries', '30', '--epochs', '1', '--seed', '2', '--out', out, '--progress', 'lines');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/mirflickr25k-photos \(630 training pairs, 70 validation, 30 queries\)/);
    const ck = JSON.parse(readFileSync(join(out, 'checkpoints', 'last', 'checkpoint.json'), 'utf8'));
    expect(ck.dims.imageShape).toEqual([3, 8, 8]);
    const ev = cli('eval', '--plugin', plugin, '--checkpoint', join(out, 'checkpoints', 'last'), '--out', join(out, 'eval'));
    expect(ev.code, ev.err).toBe(0);
    const a = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(out, 'eval', 'results.json'), 'utf8'));
    expect(b.i2t.mapAll).toBe(a.i2t.mapAll);
    expect(b.queries).toBe(30);
    const enc = cli('encode', '--plugin', plugin, '--checkpoint', join(out, 'checkpoints', 'last'), '--modality', 'image', '--data', 'mirflickr', '--split', 'query', '--output', join(out, 'q.cmhi'));
    expect(enc.code, enc.err).toBe(0);
    expect(decodeIndexFile(readFileSync(join(out, 'q.cmhi'))).codes.length).toBe(30);
  });
});
