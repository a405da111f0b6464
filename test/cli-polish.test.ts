/**
 * CLI polish, checked on a child process's stdout/stderr: no Dawn limit warnings, --version, --quiet,
 * the overall ETA in the progress lines, and the checkpoint/result paths at the end of train and eval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatDuration, runEta } from '../src/train/node/progress.js';

const root = resolve(__dirname, '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');
const plugin = join(root, 'test', 'fixtures', 'tiny-plugin.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-polish-'));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does) before this file`);
});

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: tmp, encoding: 'utf8', env, timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const WARNING = /artificially reduced/;
const TRAIN = ['--plugin', plugin, '--model', 'tiny', '--bits', '16', '--data', 'default', '--lr', '0.5', '--batch', '64', '--seed', '3', '--progress', 'lines'];

/**
 * A child that creates a runtime with the given options and prints a marker line on stderr itself.
 * Its stderr is a real pipe (`2>&1 | cat`): Node's own child pipes are sockets, which the library
 * cannot reopen (the CLI relays those through a child instead; tested below).
 */
function runtimeChild(opts: string): { code: number; out: string } {
  const file = join(tmp, `rt-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `import { createNodeRuntime } from ${JSON.stringify(join(root, 'dist', 'src', 'node.js'))};
const rt = await createNodeRuntime(${opts});
process.stderr.write('marker: still printed\\n');
await rt.destroy();
`);
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${file}" 2>&1 | cat`], { cwd: tmp, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('CLI polish', () => {
  it('no Dawn limit warnings on stdout or stderr (pipe, and a file shared by 2>&1); other stderr output kept', () => {
    const unfiltered = runtimeChild('{ showDawnLimitWarnings: true }');
    expect(unfiltered.code, unfiltered.out).toBe(0);
    const filtered = runtimeChild('{}');
    expect(filtered.code, filtered.out).toBe(0);
    expect(filtered.out).not.toMatch(WARNING);
    expect(filtered.out).toMatch(/marker: still printed/);
    // Negative control: on lavapipe Dawn does print them, so the filter is what removes them.
    const doc = cli('doctor'); // stderr is a socket here: the CLI's relay path
    if (/llvmpipe|lavapipe/i.test(doc.out)) expect(unfiltered.out).toMatch(WARNING);
    expect(doc.code, doc.err).toBe(0);
    expect(doc.out + doc.err).not.toMatch(WARNING);
    const log = join(tmp, 'doctor.log');
    const sh = spawnSync('sh', ['-c', `"${process.execPath}" "${main}" doctor > "${log}" 2>&1`], { cwd: tmp, env, encoding: 'utf8', timeout: 60_000 });
    expect(sh.status).toBe(0);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toMatch(WARNING);
    expect(text).toMatch(/self-test: ok/);
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = cli('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
    expect(r.err).toBe('');
  });

  it('train prints the overall ETA per epoch and the checkpoint, result and log paths at the end; eval its result paths', () => {
    const out = join(tmp, 'run');
    const r = cli('train', ...TRAIN, '--epochs', '3', '--out', 'run');
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toMatch(WARNING);
    // After epochs 1 and 2 of 3: the time left for the whole run (not just the epoch).
    expect(r.err).toMatch(/^epoch 1\/3: .* \| ~\d+(m\d\ds)?s? left to epoch 3$/m);
    expect(r.err).toMatch(/^epoch 2\/3: .* left to epoch 3$/m);
    expect(r.err).not.toMatch(/^epoch 3\/3: .* left/m);
    const ck = /^checkpoints: (\S+) \(best validation, epoch \d\), (\S+) \(epoch 3\); log (\S+)$/m.exec(r.out);
    expect(ck, r.out).not.toBeNull();
    expect(ck![1]).toBe(join('run', 'checkpoints', 'best')); // relative to the working directory
    for (const p of ck!.slice(1)) expect(existsSync(join(tmp, p)), p).toBe(true);
    const wrote = /^wrote (\S+), (\S+), (\S+)$/m.exec(r.out);
    expect(wrote, r.out).not.toBeNull();
    expect(wrote![1]).toBe(join('run', 'results.json'));
    for (const p of wrote!.slice(1)) expect(existsSync(join(tmp, p)), p).toBe(true);

    const ev = cli('eval', '--plugin', plugin, '--checkpoint', join(out, 'checkpoints', 'best'), '--out', join(tmp, 'ev'));
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out).toMatch(/^wrote ev\/results\.json, ev\/pr\.svg, ev\/patk\.svg$/m);
  });

  it('--quiet: train and eval print nothing on success (files still written); errors still print', () => {
    const r = cli('train', ...TRAIN, '--epochs', '1', '--out', 'quiet', '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toBe('');
    expect(existsSync(join(tmp, 'quiet', 'results.json'))).toBe(true);
    const ev = cli('-q', 'eval', '--plugin', plugin, '--checkpoint', join(tmp, 'quiet', 'checkpoints', 'last'));
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out + ev.err).toBe('');
    // encode and export print only status lines: nothing under -q, the files are still written.
    const enc = cli('-q', 'encode', '--plugin', plugin, '--checkpoint', join(tmp, 'quiet', 'checkpoints', 'last'), '--modality', 'image', '--data', 'default', '--split', 'query', '--output', 'q.cmhi');
    expect(enc.code, enc.err).toBe(0);
    const ex = cli('-q', 'export', '--index', 'q.cmhi', '--out', 'q-export');
    expect(ex.code, ex.err).toBe(0);
    expect(enc.out + enc.err + ex.out + ex.err).toBe('');
    expect(existsSync(join(tmp, 'q-export', 'codes.npy'))).toBe(true);
    const bad = cli('train', '--quiet', '--bits', 'x');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--bits must be an integer/);
  });

  it('runEta prices the remaining epochs (whole run), formatDuration reads like 3m05s', () => {
    // Before any epoch finished: time per step × all steps left (2.5 of 4 epochs × 10 steps at 0.1 s).
    expect(runEta({ epochs: 4, epoch: 1, step: 5, steps: 10, elapsed: 1.5, epochSeconds: [], stepsThisRun: 15 })).toBeCloseTo(2.5, 10);
    // After epochs: their mean wall time (validation included) per remaining epoch.
    expect(runEta({ epochs: 4, epoch: 2, step: 0, steps: 10, elapsed: 7, epochSeconds: [3, 4], stepsThisRun: 20 })).toBeCloseTo(7, 10);
    expect(runEta({ epochs: 4, epoch: 3, step: 10, steps: 10, elapsed: 7, epochSeconds: [3, 4, 3.5], stepsThisRun: 40 })).toBe(0);
    expect(formatDuration(45.4)).toBe('45s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('-');
  });
});
