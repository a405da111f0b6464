/**
 * The demo page end to end in Debian's chromium: train a model briefly with `cmhash train`, export it
 * with `cmhash export-demo`, serve the demo, load it, run queries in both directions and check what the
 * page shows against the exported files (top-k recomputed on the CPU, labels, AP); then the error states:
 * no WebGPU, malformed and missing files, and the pick-a-folder path. Screenshot: test-artifacts/demo.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildDemo, ROOT } from '../scripts/build-browser.mjs';
import { serveStatic } from '../scripts/static-server.mjs';
import { collectPageErrors, launchChromium } from './browser/chromium.js';
import { trainCommand } from '../src/cli/train.js';
import { exportDemoCommand } from '../src/cli/export-demo.js';
import { listModels } from '../src/models/registry.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { hammingTopKCpu } from '../src/retrieval/cpu-scan.js';
import { wordsFor } from '../src/ops/hashing.js';
import { decodeIndexFile } from '../src/retrieval/index-file.js';
import { evaluateRetrieval } from '../src/retrieval/metrics.js';
import { DEMO_FILES, parseDemoManifest, type DemoManifest } from '../src/demo/format.js';
import type { DemoStatus } from '../src/demo/main.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const QUERIES = 40;
const K = 10;

let dir: string;
let exportDir: string;
/** The export without its query set (a folder a person might pick by mistake). */
let partialDir: string;
let manifest: DemoManifest;
let server: { url: string; close(): Promise<void> };
let browser: Browser;

/** Codes of a HammingIndex file (24-byte header: magic, version, bits, words, n as two u32 halves). */
function indexCodes(file: string): { bits: number; n: number; codes: Uint32Array } {
  // Through the library's reader: the index file format is versioned (docs/index-format.md).
  const c = decodeIndexFile(new Uint8Array(readFileSync(file)), file);
  return { bits: c.bits, n: c.codes.length / wordsFor(c.bits), codes: c.codes };
}

function tensors(file: string) {
  return decodeSafetensors(new Uint8Array(readFileSync(join(exportDir, file))), file).tensors;
}

/** Mark the published state as stale before an action, so waitFor sees the action's outcome, not the previous one. */
async function stale(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.__cmhashDemo!.state = 'stale' as DemoStatus['state'];
  });
}

async function waitFor(page: Page, states: DemoStatus['state'][]): Promise<DemoStatus> {
  await page.waitForFunction((s) => s.some((x) => x === window.__cmhashDemo?.state), states, { timeout: 120_000, polling: 100 });
  return (await page.evaluate(() => window.__cmhashDemo))!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmhash-demo-'));
  // A trained model: one short epoch of the fastest model in this build, through the real CLI commands.
  const names = (await listModels()).map((m) => m.name);
  const model = names.includes('djsrh') ? 'djsrh' : names[0];
  if (!model) throw new Error('no model in this build: the demo needs one (src/models/<name>)');
  const run = join(dir, 'run');
  expect(await trainCommand(['--model', model, '--bits', '24', '--epochs', '1', '--eval-every', '0', '--progress', 'lines', '--out', run])).toBe(0);
  exportDir = join(dir, 'export');
  expect(await exportDemoCommand(['--checkpoint', join(run, 'checkpoints', 'last'), '--out', exportDir, '--queries', String(QUERIES)])).toBe(0);
  manifest = parseDemoManifest(readFileSync(join(exportDir, 'demo.json'), 'utf8'));

  // Broken copies of the export: a truncated index file, a manifest of another format, a folder without files.
  const bad = join(dir, 'bad'), badManifest = join(dir, 'bad-manifest');
  for (const d of [bad, badManifest]) {
    mkdirSync(d);
    for (const f of readdirSync(exportDir)) copyFileSync(join(exportDir, f), join(d, f));
  }
  const idx = readFileSync(join(bad, DEMO_FILES.index.text));
  writeFileSync(join(bad, DEMO_FILES.index.text), idx.subarray(0, idx.length - 8));
  writeFileSync(join(badManifest, 'demo.json'), JSON.stringify({ ...manifest, format: 'something-else/2' }));
  mkdirSync(join(dir, 'empty'));
  partialDir = join(dir, 'partial');
  mkdirSync(partialDir);
  for (const f of readdirSync(exportDir)) if (f !== DEMO_FILES.queries) copyFileSync(join(exportDir, f), join(partialDir, f));

  const site = await buildDemo(join(dir, 'site'));
  server = await serveStatic({ '/': site, '/data/': exportDir, '/bad/': bad, '/bad-manifest/': badManifest, '/empty/': join(dir, 'empty') });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('demo page (chromium, WebGPU)', () => {
  it('loads the export, encodes queries on the GPU, searches the index and shows results, labels, distances and the PR curve', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = collectPageErrors(page);
    await page.goto(server.url);
    const ready = await waitFor(page, ['ready', 'error']);
    expect(ready.error).toBeUndefined();
    expect(ready.state).toBe('ready');
    expect(ready.adapter?.backend).toBe('browser');
    expect(await page.textContent('#adapter span')).toContain(ready.adapter!.vendor);
    expect(await page.textContent('#model-info')).toContain(`${manifest.model.name} · ${manifest.model.bits}-bit codes`);
    expect(await page.locator('#query-item option').count()).toBe(QUERIES);
    // A visitor's explanation, and a first query chosen by the export's stated rule (median AP), shown with its labels.
    expect(await page.textContent('#about')).toMatch(/Hamming distance[\s\S]*median average precision/);
    const fq = manifest.firstQuery!;
    expect(fq.rule).toMatch(/median average precision/);
    expect(await page.inputValue('#query-item')).toBe(String(fq.image.query));
    const own = await page.textContent('#query-own');
    expect(own).toContain(`the image of test item #${fq.image.query}`);
    expect(own).toMatch(/first query by the export's rule/);
    await page.selectOption('#direction', 'text');
    expect(await page.inputValue('#query-item')).toBe(String(fq.text.query));
    expect(await page.textContent('#query-own')).toContain(`the text of test item #${fq.text.query}`);

    const q = tensors(DEMO_FILES.queries), db = tensors(DEMO_FILES.database);
    const qLabels = q.get('labels')!.data as Uint8Array, dbLabels = db.get('labels')!.data as Uint8Array;
    const c = manifest.dataset.labelNames.length;
    for (const [modality, query] of [['image', 7], ['text', 31]] as const) {
      await page.selectOption('#direction', modality);
      await page.selectOption('#query-item', String(query));
      await page.fill('#topk', String(K));
      await stale(page);
      await page.click('#search');
      const st = await waitFor(page, ['results', 'error']);
      expect(st.error, 'page error').toBeUndefined();
      const last = st.last!;
      expect([last.modality, last.query, last.k]).toEqual([modality, query, K]);
      // The page's GPU encoding reproduces the CLI's code of this query.
      expect(last.codeDiff).toBe(0);
      expect(last.code).toEqual(last.cliCode);
      const words = wordsFor(manifest.model.bits);
      expect(last.cliCode).toEqual(Array.from(indexCodes(join(exportDir, DEMO_FILES.queryCodes[modality])).codes.subarray(query * words, (query + 1) * words)));
      // Top-k from the GPU index equals the plain CPU scan of the exported database codes.
      const dbIndex = indexCodes(join(exportDir, DEMO_FILES.index[modality === 'image' ? 'text' : 'image']));
      const want = hammingTopKCpu(Uint32Array.from(last.code), dbIndex.codes, dbIndex.bits, K);
      expect(last.indices).toEqual(Array.from(want.indices));
      expect(last.distances).toEqual(Array.from(want.distances));
      // Relevance from the exported labels; AP from the CPU ranking.
      const rel = last.indices.map((i) => Array.from({ length: c }, (_, l) => qLabels[query * c + l]! && dbLabels[i * c + l]!).some(Boolean));
      expect(last.relevant).toEqual(rel);
      const m = await evaluateRetrieval({ queryCodes: Uint32Array.from(last.code), dbCodes: dbIndex.codes, bits: dbIndex.bits, queryLabels: qLabels.subarray(query * c, (query + 1) * c), dbLabels, numLabels: c });
      expect(last.mapAll).toBeCloseTo(m.mapAll, 10);
      // What a person sees: one row per result with its labels and distance, the curve, the summary.
      const rows = page.locator('#results-table tbody tr');
      expect(await rows.count()).toBe(K);
      for (let i = 0; i < K; i++) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        expect(cells[0]).toBe(String(i + 1));
        expect(cells[1]).toContain(`#${last.indices[i]}`);
        expect(cells[3]).toBe(String(last.distances[i]));
        const names = manifest.dataset.labelNames.filter((_, l) => dbLabels[last.indices[i]! * c + l]);
        for (const n of names) expect(cells[2]).toContain(n);
      }
      expect(await page.locator('#pr-svg svg').count()).toBe(1);
      expect(await page.textContent('#pr-svg')).toContain('Precision–recall by Hamming radius');
      expect(await page.textContent('#results-summary')).toContain(`top ${K} of ${manifest.counts.database}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says clearly when the browser has no WebGPU', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    const page = await context.newPage();
    await page.goto(server.url);
    const st = await waitFor(page, ['error', 'ready']);
    expect(st.state).toBe('error');
    expect(await page.isVisible('#error')).toBe(true);
    expect(await page.textContent('#error-title')).toBe('WebGPU is not available in this browser');
    expect(await page.textContent('#error-hint')).toMatch(/secure context/);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-no-webgpu.png') });
    await context.close();
  });

  it('names the file and the problem when an export file is malformed or missing', async () => {
    const page = await browser.newPage();
    const cases: [string, RegExp][] = [
      ['bad/', new RegExp(`${DEMO_FILES.index.text.replace('.', '\\.')}: .*header says \\d+ codes`)],
      ['bad-manifest/', /demo\.json: field 'format' is "something-else\/2"/],
      ['empty/', /demo\.json: the server answered 404/],
    ];
    for (const [data, message] of cases) {
      await page.goto(`${server.url}?data=${data}`);
      const st = await waitFor(page, ['error', 'ready']);
      expect(st.state, data).toBe('error');
      expect(await page.textContent('#error-title')).toBe('Could not load the demo files');
      expect(await page.textContent('#error-message')).toMatch(message);
      expect(await page.isVisible('#query')).toBe(false);
    }
    await page.goto(`${server.url}?data=bad/`);
    await waitFor(page, ['error']);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-bad-file.png') });
    await page.close();
  });

  it('loads an export folder the user picks, and names a file missing from it', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?data=empty/`);
    await waitFor(page, ['error']);
    const files = readdirSync(exportDir);
    await stale(page);
    await page.setInputFiles('#open-folder', partialDir);
    let st = await waitFor(page, ['error', 'ready']);
    expect(st.state).toBe('error');
    expect(await page.textContent('#error-message')).toContain(`${DEMO_FILES.queries}: not among the selected files`);
    await stale(page);
    await page.setInputFiles('#open-folder', exportDir);
    st = await waitFor(page, ['error', 'ready']);
    expect(st.error).toBeUndefined();
    expect(st.source).toBe(`${files.length} selected files`);
    await stale(page);
    await page.click('#random');
    st = await waitFor(page, ['results', 'error']);
    expect(st.last?.indices).toHaveLength(K);
    await page.close();
  });
});
