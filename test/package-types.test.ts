/**
 * The published package as a consumer sees it: `npm pack`, unpack into a fresh project whose
 * node_modules holds only cmhash's declared dependencies (linked from ours; no network), then `tsc`
 * with skipLibCheck false and no ambient @types must report nothing, for both entry points.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-consumer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('published types', () => {
  it('a consumer project type-checks against the packed package with skipLibCheck false', () => {
    if (!existsSync(join(root, 'dist', 'src', 'node.d.ts'))) throw new Error('dist is missing: run `npm run build` (npm test does) before this file');
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
    const pkgDir = join(tmp, 'node_modules', 'cmhash');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['xzf', join(tmp, out), '-C', pkgDir, '--strip-components=1']);
    expect(existsSync(join(pkgDir, 'LICENSE'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of [...Object.keys(pkg.dependencies), 'typescript']) {
      const to = join(tmp, 'node_modules', dep);
      mkdirSync(dirname(to), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), to);
    }
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: [] },
      include: ['main.ts', 'web.ts'],
    }));
    writeFileSync(join(tmp, 'main.ts'), `import { createNodeRuntime, fromArray, tanh, HammingIndex, type Runtime } from 'cmhash';
const rt: Runtime = await createNodeRuntime();
const buf: GPUBuffer = fromArray(rt, [1, 2, 3, 4], [2, 2]).gpuBuffer;
const range: GPUBufferBinding = fromArray(rt, [1, 2], [2]).buffer;
console.log(buf.size, range.offset, await tanh(fromArray(rt, [1, 2], [2])).read(), HammingIndex.create(rt, 64).bits);
await rt.destroy();
`);
    writeFileSync(join(tmp, 'web.ts'), `import { createBrowserRuntime } from 'cmhash/browser';
export const start = () => createBrowserRuntime();
`);
    const tsc = spawnSync(process.execPath, [join(tmp, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tmp], { cwd: tmp, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
