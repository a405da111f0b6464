/**
 * README "Results" is computed from the run records (scripts/readme-results.mjs): the committed README must be what
 * the committed records give, and the check must notice a figure that is not. Welch's p (the claims) against scipy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error: a plain .mjs script helper without type declarations
import { welchP, welchInterval, incompleteBeta } from '../scripts/lib/welch.mjs';

const root = resolve(__dirname, '..');
const script = join(root, 'scripts', 'readme-results.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const check = (dir: string) => spawnSync(process.execPath, [script, '--check', '--root', dir], { encoding: 'utf8', timeout: 60_000 });

/** A copy of what the generator reads, to edit without touching the repository. */
function copyInputs(): string {
  const dir = mkdtempSync(join(tmp, 'root-'));
  mkdirSync(join(dir, 'results', 'resplit-7'), { recursive: true });
  for (const f of ['README.md', 'results/tables.json', 'results/runs.jsonl', 'results/selection.jsonl', 'results/resplit-7/tables.json', 'results/resplit-7/runs.jsonl']) {
    cpSync(join(root, f), join(dir, f));
  }
  return dir;
}

describe('README results section', () => {
  it('is what the committed run records give', () => {
    const r = check(root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--check fails when a figure in the README is edited by hand', () => {
    const dir = copyInputs();
    const readme = join(dir, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const row = text.split('\n').find((l) => l.startsWith('| DJSRH | '));
    expect(row).toBeDefined();
    writeFileSync(readme, text.replace(row!, row!.replace(/0\.\d\d\d/, '0.999')));
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not what the run records give');
  });

  it('--check fails when a run record changes under the README', () => {
    const dir = copyInputs();
    const tables = join(dir, 'results', 'tables.json');
    const t = JSON.parse(readFileSync(tables, 'utf8'));
    t.models.dcmh['64']['i2t.mapAll'].mean += 0.01;
    writeFileSync(tables, JSON.stringify(t));
    expect(check(dir).status).toBe(1);
  });
});

describe("Welch's t-test from summary statistics", () => {
  const summary = (xs: number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    return { mean, std: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)), n: xs.length };
  };
  it('matches scipy.stats.ttest_ind(equal_var=False) on the raw samples', () => {
    // Reference p-values from scipy 1.x (python3 -c "from scipy.stats import ttest_ind; ...").
    const cases: [number[], number[], number][] = [
      [[0.268, 0.268, 0.265], [0.2535, 0.2471, 0.2471], 0.005841588707144837],
      [[1, 2, 3, 4], [2, 3, 4, 5, 9], 0.17649567015309295],
      [[0.1, 0.2, 0.15], [0.5, 0.6, 0.55], 0.0006081849444633347],
    ];
    for (const [a, b, p] of cases) expect(welchP(summary(a), summary(b))).toBeCloseTo(p, 10);
  });
  it("confidence interval of the difference matches scipy's ttest_ind(equal_var=False).confidence_interval(0.95)", () => {
    const cases: [number[], number[], number, number][] = [
      [[0.268, 0.268, 0.265], [0.2535, 0.2471, 0.2471], 0.010021230917161946, 0.02551210241617147],
      [[1, 2, 3, 4], [2, 3, 4, 5, 9], -5.457315327952786, 1.2573153279527873],
      [[0.1, 0.2, 0.15], [0.5, 0.6, 0.55], -0.5133478967763759, -0.2866521032236241],
    ];
    for (const [a, b, low, high] of cases) {
      const ci = welchInterval(summary(a), summary(b))!;
      expect(ci.low).toBeCloseTo(low, 9);
      expect(ci.high).toBeCloseTo(high, 9);
      // p < 0.05 exactly when the 95 % interval excludes 0
      expect(welchP(summary(a), summary(b))! < 0.05).toBe(ci.low > 0 || ci.high < 0);
    }
    expect(welchInterval({ mean: 1, std: 0, n: 1 }, summary([1, 2]))).toBeNull();
  });
  it('is symmetric, 1 for equal means, null with one seed', () => {
    const a = summary([3, 3.1, 2.9]), b = summary([3.05, 3.0, 2.95]);
    expect(welchP(a, b)).toBeCloseTo(1, 12);
    expect(welchP(summary([1, 2, 4]), summary([5, 6, 9]))).toBeCloseTo(welchP(summary([5, 6, 9]), summary([1, 2, 4])), 14);
    expect(welchP({ mean: 1, std: 0, n: 1 }, b)).toBeNull();
  });
  it('incomplete beta: I_x(1, 1) = x, I_x(a, b) = 1 − I_(1−x)(b, a)', () => {
    for (const x of [0.1, 0.37, 0.9]) expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 12);
    for (const [x, a, b] of [[0.3, 2.5, 0.5], [0.8, 1.7, 3.2]]) expect(incompleteBeta(x, a, b)).toBeCloseTo(1 - incompleteBeta(1 - x, b, a), 12);
  });
});
