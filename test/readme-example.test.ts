/**
 * README's library example runs as written: the ```js block under "## Library" is saved as an .mjs
 * file in a fresh folder whose node_modules/cmhash links to this package, and run with plain node.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The first fenced block of `lang` after the heading `heading`. */
export function readmeBlock(heading: string, lang: string): string {
  const md = readFileSync(join(root, 'README.md'), 'utf8');
  const at = md.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading '${heading}'`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(md.slice(at));
  if (!m) throw new Error(`README.md: no \`\`\`${lang} block after '${heading}'`);
  return m[1]!;
}

describe('README library example', () => {
  it('runs as a plain .mjs file and prints the loss and the gradient', () => {
    if (!existsSync(join(root, 'dist', 'src', 'node.js'))) throw new Error('dist is missing: run `npm run build` (npm test does) before this file');
    const code = readmeBlock('## Library', 'js');
    expect(code).toMatch(/from 'cmhash'/);
    mkdirSync(join(tmp, 'node_modules'));
    symlinkSync(root, join(tmp, 'node_modules', 'cmhash'));
    writeFileSync(join(tmp, 'example.mjs'), code);
    const r = spawnSync(process.execPath, ['example.mjs'], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() } });
    expect(r.status, r.stderr).toBe(0);
    // sum(tanh(x·w)) with x = [[1,2],[3,4]], w = [[0.5,-1],[2,0.25]]: tanh 4.5 + tanh −0.5 + tanh 9.5 + tanh −2.
    const want = Math.tanh(4.5) + Math.tanh(-0.5) + Math.tanh(9.5) + Math.tanh(-2);
    const first = Number(/^(-?\d+\.\d+)/.exec(r.stdout.trim())?.[1]);
    expect(Math.abs(first - want)).toBeLessThan(1e-5);
    expect(r.stdout).toMatch(/Float32Array\(4\)/);
  });
});
