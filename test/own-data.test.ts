/**
 * The README's "Use your own data" section, run verbatim from a clean folder: its shell lines (through
 * `npx cmhash`, the package's bin) and its JavaScript file are taken from README.md itself, so the
 * section and this test cannot drift. The folder holds only the user's files (written here in the
 * documented formats) and the package as `npm install` lays it out: node_modules/cmhash (a link to this
 * repository, as npm does for a local path) and node_modules/.bin/cmhash. Needs `npm run build` (npm test does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeNpy as writeNpy } from '../src/io/npy.js';
import { loadModel } from '../src/api/node.js';
import { getRuntime } from './helpers.js';
import { decodeIndexFile } from '../src/retrieval/index-file.js';

const root = resolve(__dirname, '..');
const bin = join(root, 'dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'cmhash-own-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Block { lang: string; text: string }

/** The fenced code blocks of one README section, in order. */
function sectionBlocks(readme: string, heading: string): Block[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section '## ${heading}'`);
  const end = readme.indexOf('\n## ', start + 4);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The user's files, in the formats the section documents; returns each id's label names. */
function writeUserFiles(dir: string): Map<string, string[]> {
  const L = ['bird', 'branch', 'dog', 'leash', 'water'];
  const words: Record<string, string> = { bird: 'bird wing feather small', branch: 'branch tree leaf', dog: 'dog bark fur', leash: 'leash walk collar', water: 'water lake blue' };
  const n = 100, d = 16;
  const feats = new Float32Array(n * d);
  const labels = new Map<string, string[]>();
  const caps: string[] = [], lines: string[] = [], ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ls = i % 3 === 0 ? [L[i % 5]!, L[(i + 1) % 5]!] : [L[i % 5]!];
    const id = `photo-${String(i).padStart(3, '0')}`;
    ids.push(id);
    labels.set(id, [...ls].sort());
    lines.push(ls.join(','));
    caps.push(`A picture: ${ls.map((l) => words[l]).join(' and ')} (${i % 7 ? 'outdoors' : 'indoors'})`);
    for (const l of ls) for (let j = 0; j < 3; j++) feats[i * d + L.indexOf(l) * 3 + j] = 1;
    for (let j = 0; j < d; j++) feats[i * d + j] += 0.2 * Math.sin(i * 13 + j * 5);
  }
  writeFileSync(join(dir, 'features.npy'), writeNpy(feats, [n, d]));
  writeFileSync(join(dir, 'captions.txt'), caps.join('\n') + '\n');
  writeFileSync(join(dir, 'labels.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'ids.txt'), ids.join('\n') + '\n');
  return labels;
}

function sh(line: string): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', line], {
    cwd: work, encoding: 'utf8', timeout: 400_000,
    // Offline: npx must find cmhash in node_modules/.bin, never fetch it.
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test does) before this file`);
  // What `npm install <path>` leaves: a link to the package and its bin, executable.
  mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(root, join(work, 'node_modules', 'cmhash'), 'dir');
  symlinkSync(join('..', 'cmhash', 'dist', 'src', 'cli', 'main.js'), join(work, 'node_modules', '.bin', 'cmhash'));
  chmodSync(bin, 0o755);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'my-project', private: true }) + '\n');
});

describe('README: Use your own data', () => {
  it('runs verbatim from a clean folder: pack, train 2 epochs, encode, loadModel, search with ids and labels', () => {
    const blocks = sectionBlocks(readFileSync(join(root, 'README.md'), 'utf8'), 'Use your own data');
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'js', 'sh']);
    const labels = writeUserFiles(work);
    const outputs: { line: string; out: string }[] = [];
    for (const b of blocks) {
      if (b.lang === 'js') {
        const name = /^\/\/ (\S+\.mjs)\n/.exec(b.text)?.[1];
        expect(name, 'the js block starts with // <file>.mjs').toBeTruthy();
        writeFileSync(join(work, name!), b.text);
        continue;
      }
      for (const line of b.text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
        expect(line.startsWith('npx cmhash ') || line.startsWith('node '), line).toBe(true);
        const r = sh(line);
        expect(r.code, `${line}\n${r.err}`).toBe(0);
        outputs.push({ line, out: r.out });
      }
    }
    // Each step left what the section says it leaves.
    expect(JSON.parse(readFileSync(join(work, 'mydata', 'manifest.json'), 'utf8')).format).toBe('cmhash-dataset/2');
    const ck = JSON.parse(readFileSync(join(work, 'runs', 'mine', 'checkpoints', 'best', 'checkpoint.json'), 'utf8'));
    expect(ck.loop.epoch).toBeLessThanOrEqual(2);
    expect(ck.config.textVectorizer.vocabulary).toContain('bird');
    const db = decodeIndexFile(readFileSync(join(work, 'db.cmhi')), 'db.cmhi');
    expect(db.ids!.length).toBe(90); // 10 % of 100 are queries
    db.ids!.forEach((id, i) => expect(db.labelNames!.filter((_, j) => db.labels![i]!.includes(j)), id).toEqual(labels.get(id)));
    const q = decodeIndexFile(readFileSync(join(work, 'new.cmhi')), 'new.cmhi');
    expect(q.ids).toEqual(['new-1', 'new-2']);
    expect(q.codes.length).toBe(2);

    // search --json: ids and labels of real items, distances in order.
    const hits = JSON.parse(readFileSync(join(work, 'hits.json'), 'utf8'));
    expect(hits.queries.map((x: { id: string }) => x.id)).toEqual(['new-1', 'new-2']);
    for (const query of hits.queries) {
      expect(query.results).toHaveLength(5);
      const d = query.results.map((h: { distance: number }) => h.distance);
      expect([...d].sort((a: number, b: number) => a - b)).toEqual(d);
      for (const h of query.results) {
        expect(h.id).toBe(db.ids![h.row]);
        expect(h.labels, h.id).toEqual(labels.get(h.id));
      }
    }
    // The text output names the same items.
    const text = outputs.find((o) => o.line.includes('search') && !o.line.includes('--json'))!.out;
    expect(text).toMatch(/^query new-1/m);
    expect(text).toContain(hits.queries[0].results[0].id);

    // The command-line route the section mentions gives the codes loadModel gave.
    writeFileSync(join(work, 'new.txt'), 'a small bird on a branch\na dog on a leash\n');
    const enc = sh('npx cmhash encode --checkpoint runs/mine/checkpoints/best --modality text --captions new.txt --output cli.cmhi');
    expect(enc.code, enc.err).toBe(0);
    expect(Array.from(decodeIndexFile(readFileSync(join(work, 'cli.cmhi'))).codes)).toEqual(Array.from(q.codes));
  }, 900_000);

  it('loadModel from a served checkpoint URL gives the codes of the folder path; bad input is named', async () => {
    const dir = join(work, 'runs', 'mine', 'checkpoints', 'best');
    expect(existsSync(dir), 'needs the checkpoint of the README run above').toBe(true);
    const server = createServer((req, res) => {
      const f = join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/ck\//, ''));
      if (!existsSync(f)) { res.writeHead(404).end(); return; }
      res.writeHead(200).end(readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const rt = await getRuntime();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ck/`;
      const byUrl = await loadModel(url, { runtime: rt });
      const byPath = await loadModel(join(work, 'runs', 'mine'), { runtime: rt }); // a run folder: its checkpoints/best
      const caps = ['a small bird on a branch', 'a dog on a leash'];
      const a = await byUrl.encodeText(caps), b = await byPath.encodeText(caps);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).toEqual(Array.from(decodeIndexFile(readFileSync(join(work, 'new.cmhi'))).codes));
      expect(byPath.labelNames).toEqual(['bird', 'branch', 'dog', 'leash', 'water']);
      const rows = Array.from({ length: 3 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.sin(i + j)));
      expect((await byPath.encodeImage(rows)).length).toBe(3 * byPath.words);
      await expect(byPath.encodeImage([[1, 2, 3]])).rejects.toThrow(/encodeImage: row 0 has 3 values, the model expects 16/);
      await expect(byPath.encodeText(Float32Array.of(1, NaN))).rejects.toThrow(/encodeText: 2 values is not a whole number of \d+-d rows/);
      await expect(loadModel(join(work, 'mydata'), { runtime: rt })).rejects.toThrow(/mydata: not a checkpoint folder/);
      await expect(loadModel(`${url}missing/`, { runtime: rt })).rejects.toThrow(/missing\/checkpoint\.json: HTTP 404/);
      await byUrl.dispose();
      await byPath.dispose();
    } finally {
      server.close();
    }
  }, 300_000);
});
