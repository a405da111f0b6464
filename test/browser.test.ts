/**
 * The library in a real browser: Debian's chromium, headless, driven by playwright-core, WebGPU on
 * SwiftShader. Builds the browser bundle exactly as `npm run build` does, checks it is free of Node
 * built-ins, serves it from 127.0.0.1 (a secure context: navigator.gpu exists) and runs the kernel
 * suite (test/browser/kernel-suite.ts) inside the page against the float64 CPU references.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { buildLibrary, buildPageBundle, nodeImportsIn, ROOT } from '../scripts/build-browser.mjs';
import { serveStatic } from '../scripts/static-server.mjs';
import { resolveAll } from '../scripts/kernel-sources.mjs';
import { collectPageErrors, launchChromium } from './browser/chromium.js';
import { CONTROLS, FAMILIES } from './browser/kernel-suite.js';
import type { SuiteReport } from './browser/kernel-page.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const SUITE_TIMEOUT = 240_000;

let dir: string;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let libraryFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmhash-browser-'));
  libraryFile = await buildLibrary(dir);
  await buildPageBundle(join(ROOT, 'test', 'browser', 'kernel-page.ts'), join(dir, 'kernel-page.js'), ['src/ops/cpu']);
  copyFileSync(join(ROOT, 'test', 'browser', 'kernel-page.html'), join(dir, 'kernel-page.html'));
  server = await serveStatic({ '/': dir });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every way a suite report can be wrong, as readable lines; empty when the suite passed. */
function suiteFailures(rep: SuiteReport): string[] {
  const out: string[] = [];
  if (rep.fatal) out.push(`fatal: ${rep.fatal}`);
  if (!rep.done) out.push('suite did not finish');
  for (const c of rep.cases) {
    const what = `${c.family}/${c.name}`;
    if (c.control) {
      if (c.ok) out.push(`negative control ${what} passed: the harness cannot see that failure`);
    } else if (!c.ok) {
      out.push(`${what}: ${c.error ?? c.checks.filter((x) => !x.ok).map((x) => `${x.label}: ${x.reason}`).join('; ')}`);
    }
  }
  return out;
}

describe('browser bundle', () => {
  it('contains no Node built-ins and the checker finds them when present', () => {
    expect(nodeImportsIn(readFileSync(libraryFile, 'utf8'))).toEqual([]);
    const bad = 'import { readFileSync } from "node:fs";\nimport p from "path";\nconst o = require("os");\nawait import("node:crypto");\nimport "webgpu";';
    expect(nodeImportsIn(bad)).toEqual(['node:crypto', 'node:fs', 'os', 'path']);
  });

  it('embeds every kernel source and exports the browser runtime', async () => {
    const lib = await import(pathToFileURL(libraryFile).href);
    // Every kernel file (a .wgsl with an entry point; preludes are only included), with its includes resolved.
    const kernels = (await resolveAll(ROOT)) as Record<string, { source: string }>;
    const wgsl = readdirSync(join(ROOT, 'kernels')).filter((f) => f.endsWith('.wgsl') && /@compute\b/.test(readFileSync(join(ROOT, 'kernels', f), 'utf8')));
    expect(Object.keys(lib.KERNEL_SOURCES).sort()).toEqual(wgsl.map((f) => f.replace(/\.wgsl$/, '')).sort());
    for (const [name, k] of Object.entries(kernels)) expect(lib.KERNEL_SOURCES[name]).toBe(k.source);
    for (const src of Object.values(lib.KERNEL_SOURCES) as string[]) expect(src).not.toMatch(/^\s*\/\/#include\s/m);
    expect(typeof lib.createBrowserRuntime).toBe('function');
    expect(lib.createNodeRuntime).toBeUndefined();
  });
});

describe('kernels in chromium (WebGPU, poisoned buffers) vs float64 CPU references', () => {
  let report: SuiteReport;
  let pageErrors: string[];

  beforeAll(async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    pageErrors = collectPageErrors(page);
    await page.goto(`${server.url}kernel-page.html`);
    try {
      await page.waitForFunction(() => window.__kernelSuite?.done === true, null, { timeout: SUITE_TIMEOUT, polling: 250 });
    } catch (e) {
      const partial = await page.evaluate(() => window.__kernelSuite);
      throw new Error(`kernel suite did not finish: ${partial?.cases.length ?? 0} cases done, stuck in ${partial?.running ?? '(not started)'}; ${(e as Error).message}`);
    }
    report = (await page.evaluate(() => window.__kernelSuite))!;
    const checks = report.cases.reduce((n, c) => n + c.checks.length, 0);
    console.log(`kernel suite in chromium on ${report.adapter?.vendor}/${report.adapter?.architecture}: ${report.cases.length} cases, ${checks} checks`);
    await page.screenshot({ path: join(ARTIFACTS, 'kernel-suite.png'), fullPage: true });
    await page.close();
  }, SUITE_TIMEOUT + 30_000);

  it('runs on a WebGPU adapter in the page without errors', () => {
    expect(report.fatal).toBeUndefined();
    expect(report.adapter?.backend).toBe('browser');
    expect(report.adapter?.vendor).not.toBe('');
    expect(pageErrors).toEqual([]);
  });

  it('covers every kernel family with checks', () => {
    for (const fam of FAMILIES) {
      const cases = report.cases.filter((c) => c.family === fam.family);
      expect(cases.map((c) => c.name), fam.family).toEqual(fam.cases.map((c) => c.name));
      for (const c of cases) expect(c.checks.length + (c.error ? 1 : 0), `${fam.family}/${c.name}`).toBeGreaterThan(0);
    }
  });

  it('dispatches every kernel the bundle embeds (a new kernel needs a family in test/browser/kernel-suite.ts)', () => {
    // Kernels, not preludes (a .wgsl without @compute is only ever included).
    const wgsl = readdirSync(join(ROOT, 'kernels'))
      .filter((f) => f.endsWith('.wgsl') && /@compute\b/.test(readFileSync(join(ROOT, 'kernels', f), 'utf8')))
      .map((f) => f.replace(/\.wgsl$/, '')).sort();
    expect(report.kernels).toEqual(wgsl);
    expect(wgsl.filter((k) => !report.kernelsUsed.includes(k)), 'kernels without a browser check').toEqual([]);
  });

  it('every kernel result matches its reference', () => {
    expect(suiteFailures(report)).toEqual([]);
  });

  it('negative controls fail: wrong value, unwritten (NaN-poisoned) output, wrong shape, thrown error', () => {
    const controls = report.cases.filter((c) => c.control);
    expect(controls.map((c) => c.name)).toEqual(CONTROLS.cases.map((c) => c.name));
    const by = Object.fromEntries(controls.map((c) => [c.name, c]));
    for (const c of controls) expect(c.ok, c.name).toBe(false);
    expect(by['perturbed result']!.checks[0]!.index).toBe(5);
    expect(by['unwritten output']!.checks[0]!.got).toBeNaN();
    expect(by['wrong shape']!.checks[0]!.reason).toMatch(/shape \[3\], expected \[3, 1\]/);
    expect(by['thrown error']!.error).toMatch(/ShapeError: add: cannot broadcast/);
    // The same assertion that passes the real suite rejects each control once it is not marked as one.
    const asReal: SuiteReport = { ...report, cases: controls.map((c) => ({ ...c, control: false })) };
    expect(suiteFailures(asReal)).toHaveLength(controls.length);
  });
});
