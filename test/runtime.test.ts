import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { KernelCompileError, ShapeError, DTypeError } from '../src/runtime/errors.js';
import { sizeClass } from '../src/runtime/buffer-pool.js';
import { add, fromArray, full, mul, tanh } from '../src/ops/elementwise.js';
import { Tensor } from '../src/tensor/tensor.js';
import { keep, liveTensorCount, tidy } from '../src/tensor/scope.js';
import { getRuntime, randomData } from './helpers.js';

describe('runtime', () => {
  it('reports an adapter with limits and features', async () => {
    const rt = await getRuntime();
    expect(rt.info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(rt.info.backend).toMatch(/vulkan|opengles|swiftshader/);
    expect(rt.device.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThan(0);
  });

  it('runs a real dispatch and reads back exactly', async () => {
    const rt = await getRuntime();
    const x = randomData(1023, 11);
    const t = fromArray(rt, x, [1023]);
    const y = await add(t, t).read();
    for (let i = 0; i < x.length; i++) expect(y[i]).toBe(Math.fround(Math.fround(x[i]!) * 2));
    t.dispose();
  });

  it('folds more than 65535 workgroups into a 2-D grid', async () => {
    const rt = await getRuntime();
    const n = 65535 * 256 + 1000; // needs 65539 workgroups of 256
    expect(rt.grid(Math.ceil(n / 256))[1]).toBeGreaterThan(1);
    const t = full(rt, [n], 0.5, 1);
    const v = await t.read();
    expect(v[0]).toBe(0.5);
    expect(v[n - 1]).toBe(Math.fround(0.5 + Math.fround(n - 1)));
    expect(Number.isNaN(v[n - 1]!)).toBe(false);
    t.dispose();
  });

  it('reuses a released buffer only after a submit', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const a = rt.createStorage(4096);
    rt.release(a);
    // Same size class before a submit: must be a different buffer.
    const b = rt.createStorage(4000);
    expect(b).not.toBe(a);
    rt.flush();
    const c = rt.createStorage(4096);
    expect(c).toBe(a);
    rt.release(b);
    rt.release(c);
    rt.flush();
    const d = rt.createStorage(3000);
    expect([b, c]).toContain(d);
    rt.release(d);
    expect(sizeClass(4000)).toBe(4096);
    expect(sizeClass(3 * 1024 * 1024 + 1)).toBeLessThanOrEqual(3.25 * 1024 * 1024);
  });

  it('keeps live buffers and tensors flat over 10,000 dispatches in scopes', async () => {
    const rt = await getRuntime();
    const x = keep(fromArray(rt, randomData(257, 3), [257]));
    await rt.sync();
    const live0 = rt.stats().live;
    const tensors0 = liveTensorCount();
    const created0 = rt.stats().created;
    for (let step = 0; step < 2500; step++) {
      const out = tidy(() => tanh(mul(add(x, x), x)));
      out.dispose();
      if (step % 500 === 499) await rt.sync();
    }
    await rt.sync();
    expect(rt.stats().dispatches).toBeGreaterThanOrEqual(10_000);
    expect(rt.stats().live).toBe(live0);
    expect(liveTensorCount()).toBe(tensors0);
    // The pool reuses: creations stay bounded instead of growing with the step count.
    expect(rt.stats().created - created0).toBeLessThan(300);
    x.dispose();
  });

  it('rejects bad shapes and dtypes with errors naming the argument and shapes', async () => {
    const rt = await getRuntime();
    const a = fromArray(rt, [1, 2, 3, 4, 5, 6], [2, 3]);
    const b = fromArray(rt, [1, 2, 3, 4], [2, 2]);
    expect(() => add(a, b)).toThrow(ShapeError);
    expect(() => add(a, b)).toThrow(/a \[2, 3\].*b \[2, 2\]/);
    const u = fromArray(rt, new Uint32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(() => add(a, u)).toThrow(DTypeError);
    expect(() => add(a, u)).toThrow(/b \[2, 3\].*f32.*u32/);
    expect(() => fromArray(rt, [1, 2, 3], [2, 2])).toThrow(/3 elements.*\[2, 2\] needs 4/);
    expect(() => fromArray(rt, [1, NaN], [2])).toThrow(/element 1 is NaN/);
    expect(() => Tensor.empty(rt, [2, -1])).toThrow(ShapeError);
    a.dispose(); b.dispose(); u.dispose();
  });

  it('reports WGSL compile errors with file and line numbers', async () => {
    const rt = await getRuntime();
    // A kernel id that does not exist and a bad override value both fail clearly.
    await expect(rt.pipelines.getAsync({ kernel: 'no_such_kernel' })).rejects.toThrow(/unknown kernel/);
    const { formatCompileErrors } = await import('../src/runtime/pipeline-cache.js');
    const src = '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_name;\n}\n';
    const m = rt.device.createShaderModule({ code: src });
    const msg = await formatCompileErrors('broken', src, m);
    expect(msg).toMatch(/kernels\/broken\.wgsl:3:\d+: error: .*undefined_name/);
    expect(KernelCompileError.name).toBe('KernelCompileError');
  });

  it('resolves //#include preludes at embed time and maps compile errors back to the right file:line', async () => {
    const rt = await getRuntime();
    const { formatCompileErrors } = await import('../src/runtime/pipeline-cache.js');
    const { resolveKernel } = (await import('../scripts/kernel-sources.mjs')) as { resolveKernel: (dir: string, f: string, read: (f: string) => string) => { source: string; lineMap: [number, string, number][] } };
    const files: Record<string, string> = {
      'k.wgsl': '// kernel\n//#include a.wgsl\n//#include b.wgsl\n@compute @workgroup_size(1)\nfn main() {\n  let y: f32 = kernel_bad;\n}\n',
      'a.wgsl': '// prelude a\n//#include b.wgsl\nfn fa() -> f32 { return fb(); }\n',
      'b.wgsl': '// prelude b\nfn fb() -> f32 {\n  return prelude_bad;\n}\n',
    };
    const read = (f: string): string => {
      if (!(f in files)) throw new Error('ENOENT');
      return files[f]!;
    };
    const { source, lineMap } = resolveKernel('kernels', 'k.wgsl', read);
    expect(source.match(/fn fb/g)).toHaveLength(1); // a prelude is pasted once however often it is included
    expect(source).not.toMatch(/#include/);
    const m = rt.device.createShaderModule({ code: source });
    const msg = (await formatCompileErrors('k', source, m, lineMap))!;
    expect(msg).toMatch(/kernels\/b\.wgsl:3:\d+: error: .*prelude_bad.*\(included by kernels\/k\.wgsl\)/);
    // Tint may stop at the first error; the kernel's own lines after the includes map back too.
    const { sourceLocation } = await import('../src/runtime/pipeline-cache.js');
    expect(sourceLocation('k', source.split('\n').findIndex((l) => l.includes('kernel_bad')) + 1, lineMap)).toEqual({ file: 'k.wgsl', line: 6 });
    expect(sourceLocation('k', source.split('\n').findIndex((l) => l.includes('fn fa')) + 1, lineMap)).toEqual({ file: 'a.wgsl', line: 3 });
    // Bad includes are errors naming the including file and line.
    files['c.wgsl'] = '//#include d.wgsl\n';
    files['d.wgsl'] = '//#include c.wgsl\n';
    expect(() => resolveKernel('kernels', 'c.wgsl', read)).toThrow(/kernels\/d\.wgsl:1: include cycle c\.wgsl -> d\.wgsl -> c\.wgsl/);
    files['e.wgsl'] = '\n//#include nope.wgsl\n';
    expect(() => resolveKernel('kernels', 'e.wgsl', read)).toThrow(/kernels\/e\.wgsl:2: cannot include nope\.wgsl/);
    files['f.wgsl'] = '//#include k.wgsl\n';
    expect(() => resolveKernel('kernels', 'f.wgsl', read)).toThrow(/kernels\/f\.wgsl:1: k\.wgsl has a @compute entry point/);
  });

  it('de-duplicates concurrent async pipeline compiles', async () => {
    const rt = await getRuntime();
    const spec = { kernel: 'unary', constants: { OP: 3, WG: 128 } };
    const [p1, p2] = await Promise.all([rt.pipelines.getAsync(spec), rt.pipelines.getAsync(spec)]);
    expect(p1).toBe(p2);
    expect(rt.pipelines.get(spec)).toBe(p1);
  });

  it('lets a Node process that used the runtime exit on its own', () => {
    const script = `
      import { createNodeRuntime, fromArray, add } from './dist/src/node.js';
      const rt = await createNodeRuntime();
      const a = fromArray(rt, [1, 2], [2]);
      const v = await add(a, a).read();
      if (v[1] !== 4) process.exit(3);
      await rt.destroy();
      console.log('done');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 60_000, encoding: 'utf8' });
    expect(r.error).toBeUndefined(); // a hang would time out here
    expect(r.stdout).toContain('done');
    expect(r.status).toBe(0);
  });
});
