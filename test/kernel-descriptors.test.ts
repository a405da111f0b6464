/**
 * One source of truth per kernel: the descriptors in src/kernels/descriptors.ts generate the WGSL
 * `struct Params`, WG and bindings (scripts/kernel-sources.mjs) and drive the TS uniform packing
 * (src/kernels/params.ts); the op tables generate both the unary/binary switches and the TS op codes.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNELS, UNARY_OP_TABLE, BINARY_OP_TABLE } from '../src/kernels/descriptors.js';
import { KERNEL_SOURCES } from '../src/kernels/sources.generated.js';
import { packUniforms, uniformLayout } from '../src/kernels/params.js';
import { BINARY_OPS, UNARY_OPS, fromArray, unaryRaw } from '../src/ops/elementwise.js';
import { resolveAll } from '../scripts/kernel-sources.mjs';
import { allClose, getRuntime, randomData } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('kernel descriptors', () => {
  it('lay uniforms out as WGSL does (scalars at 4, vec4f and array<vec4u, 2> at 16) and pack them by name', () => {
    const l = uniformLayout({ n: 'u32', rank: 'u32', alpha: 'f32', shape: 'dims', k: 'i32', mean: 'vec4f', last: 'f32' });
    expect(l.fields.map((f) => [f.name, f.offset])).toEqual([['n', 0], ['rank', 4], ['alpha', 8], ['shape', 16], ['k', 48], ['mean', 64], ['last', 80]]);
    expect(l.size).toBe(96);
    expect(uniformLayout({ m: 'u32' }).size).toBe(16); // the runtime binds at least 16 bytes

    const u = new DataView(packUniforms('binary', { n: 7, rank: 2, alpha: 0.5, beta: -2, shape: [3, 4], sa: [4, 1], sb: [0, 1] }).buffer);
    expect([u.getUint32(0, true), u.getUint32(4, true), u.getFloat32(8, true), u.getFloat32(12, true)]).toEqual([7, 2, 0.5, -2]);
    expect([u.getUint32(16, true), u.getUint32(20, true), u.getUint32(24, true)]).toEqual([3, 4, 0]); // zero-filled past the rank
    expect([u.getUint32(48, true), u.getUint32(52, true), u.getUint32(80, true), u.getUint32(84, true)]).toEqual([4, 1, 0, 1]);
    expect(u.byteLength).toBe(112);
    expect(() => packUniforms('binary', { n: 1, rank: 9, alpha: 0, beta: 0, shape: [1, 1, 1, 1, 1, 1, 1, 1, 1], sa: [], sb: [] })).toThrow(/binary: uniform shape has 9 values, at most 8/);
    // @ts-expect-error a missing field is a type error, and a run-time error for untyped callers
    expect(() => packUniforms('unary', { n: 1, alpha: 0 })).toThrow(/unary: uniform beta is missing/);
  });

  it('describe every kernel (no wrapper packs a uniform struct by hand)', async () => {
    const kernels = (await resolveAll(ROOT)) as Record<string, unknown>;
    expect(Object.keys(kernels).filter((k) => !(k in KERNELS))).toEqual([]);
  });

  it('generate every described kernel\'s Params, WG and bindings in declaration order', async () => {
    const kernels = (await resolveAll(ROOT)) as Record<string, { source: string }>;
    for (const [name, d] of Object.entries(KERNELS)) {
      const src = kernels[name]!.source;
      expect(KERNEL_SOURCES[name as keyof typeof KERNEL_SOURCES]).toBe(src);
      const struct = /struct Params \{ ([^}]*) \}/.exec(src)![1]!;
      expect([...struct.matchAll(/(\w+): /g)].map((m) => m[1])).toEqual(Object.keys(d.uniforms));
      if (d.wg !== null) expect(src).toContain(`override WG: u32 = ${d.wg}u;`);
      Object.entries(d.bindings).forEach(([b, t], i) => expect(src).toMatch(new RegExp(`@binding\\(${i + 1}\\) ${
        t.startsWith('texture') ? `var ${b}: texture_2d<` : `var<storage, read(_write)?> ${b}: array<`}`)));
      expect(src.match(/struct Params\b/g)).toHaveLength(1);
    }
  });

  it('refuse a described kernel that declares its own Params, and a descriptor without a kernel', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cmhash-desc-'));
    mkdirSync(join(root, 'kernels'));
    mkdirSync(join(root, 'src', 'kernels'), { recursive: true });
    const desc = "export const KERNELS = { k: { wg: 64, uniforms: { n: 'u32', s: 'f32' }, bindings: { y: 'read_write f32' }, grid: ['n'] } };\nexport const OP_TABLES = {};\n";
    writeFileSync(join(root, 'src', 'kernels', 'descriptors.ts'), desc);
    writeFileSync(join(root, 'kernels', 'k.wgsl'), '// k\n@compute @workgroup_size(WG)\nfn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < p.n) { y[g.x] = p.s; } }\n');
    const ok = (await resolveAll(root)) as Record<string, { source: string }>;
    expect(ok.k!.source).toContain('struct Params { n: u32, s: f32 }\noverride WG: u32 = 64u;\n@group(0) @binding(0) var<uniform> p: Params;\n@group(0) @binding(1) var<storage, read_write> y: array<f32>;');
    writeFileSync(join(root, 'kernels', 'k.wgsl'), 'struct Params { n: u32 }\n@compute @workgroup_size(1)\nfn main() {}\n');
    await expect(resolveAll(root)).rejects.toThrow(/kernels\/k\.wgsl declares struct Params itself; it is generated from KERNELS\.k/);
    writeFileSync(join(root, 'src', 'kernels', 'descriptors.ts'), desc.replace('k: {', 'gone: {'));
    writeFileSync(join(root, 'kernels', 'k.wgsl'), '@compute @workgroup_size(1)\nfn main() {}\n');
    await expect(resolveAll(root)).rejects.toThrow(/KERNELS\.gone has no kernels\/gone\.wgsl/);
  });

  it('one op table gives the TS op codes and the WGSL switch (pow, case 17, has its name)', async () => {
    expect(Object.keys(UNARY_OPS)).toEqual(UNARY_OP_TABLE.map(([n]) => n));
    expect(UNARY_OPS.pow).toBe(17);
    expect(Object.keys(BINARY_OPS)).toEqual(BINARY_OP_TABLE.map(([n]) => n));
    UNARY_OP_TABLE.forEach(([n, e], i) => expect(KERNEL_SOURCES.unary).toContain(`case ${i}u: { return ${e}; } // ${n}`));
    BINARY_OP_TABLE.forEach(([n, e], i) => expect(KERNEL_SOURCES.binary).toContain(`case ${i}u: { return ${e}; } // ${n}`));
    expect(readFileSync(join(ROOT, 'kernels', 'unary.wgsl'), 'utf8')).not.toMatch(/case \d+u/);
    // pow through its name, on the GPU, against a float64 reference (signed and unsigned).
    const rt = await getRuntime();
    const x = randomData(257, 5, -3, 3);
    for (const signed of [0, 1]) {
      const got = await unaryRaw('pow', fromArray(rt, x, [257]), 1.5, signed).read();
      const want = Array.from(x, (v) => Math.abs(v) ** 1.5 * (signed ? Math.sign(v) : 1));
      expect(allClose(got, want, 1e-5, 1e-4).ok).toBe(true);
    }
  });
});
