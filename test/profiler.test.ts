import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../src/node.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { Profiler } from '../src/runtime/profiler.js';
import { add, fromArray, mul, tanh } from '../src/ops/elementwise.js';
import { tidy } from '../src/tensor/scope.js';
import { randomData } from './helpers.js';
import { matmulRaw } from '../src/ops/matmul.js';
import { gemmLabel } from '../bench/gemm-profile.js';

// Own runtime: a small submit size so that profiling crosses several submits (and query sets), and
// unquantised timestamps. Buffers are poisoned so a dispatch the profiled path failed to run shows NaN.
let rt: Runtime;
beforeAll(async () => {
  rt = await createNodeRuntime({ poisonBuffers: true, maxDispatchesPerSubmit: 8, dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
});
afterAll(async () => {
  await rt?.destroy();
});

describe('profiler (timestamp queries)', () => {
  it('times every dispatch per kernel across submits, and the profiled path computes the same results', async () => {
    if (!rt.hasFeature('timestamp-query')) {
      expect(() => rt.startProfiling()).toThrow(/timestamp-query/);
      return;
    }
    const n = 1023;
    const xd = randomData(n, 91), yd = randomData(n, 92);
    const x = fromArray(rt, xd, [n]);
    const y = fromArray(rt, yd, [n]);
    await rt.sync();
    const d0 = rt.stats().dispatches;
    rt.startProfiling();
    expect(rt.isProfiling).toBe(true);
    const rounds = 13; // 13 × 3 dispatches (+ NaN fills of the outputs) > several submits of 8
    let out: Float32Array | null = null;
    for (let r = 0; r < rounds; r++) {
      const z = tidy(() => tanh(mul(add(x, y), y)));
      if (r === rounds - 1) out = (await z.read()) as Float32Array;
      z.dispose();
    }
    const rep = await rt.stopProfiling();
    expect(rt.isProfiling).toBe(false);
    const total = rt.stats().dispatches - d0;
    expect(rep.dispatches).toBe(total);
    const byName = new Map(rep.kernels.map((k) => [k.kernel, k]));
    expect(byName.get('binary#main')?.dispatches).toBe(2 * rounds);
    expect(byName.get('unary#main')?.dispatches).toBe(rounds);
    expect(byName.get('fill#main')?.dispatches).toBe(total - 3 * rounds); // the poison fills
    for (const k of rep.kernels) {
      expect(k.totalMs).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(k.meanUs)).toBe(true);
    }
    expect(rep.gpuMs).toBeGreaterThan(0);
    expect(rep.kernels.reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 6);
    // Largest total first.
    for (let i = 1; i < rep.kernels.length; i++) expect(rep.kernels[i - 1]!.totalMs).toBeGreaterThanOrEqual(rep.kernels[i]!.totalMs);
    for (let i = 0; i < n; i++) {
      const want = Math.tanh(Math.fround(Math.fround(Math.fround(xd[i]!) + Math.fround(yd[i]!)) * Math.fround(yd[i]!)));
      expect(Math.abs(out![i]! - want)).toBeLessThan(1e-6);
    }
    x.dispose();
    y.dispose();
  });

  it('groups by override constants on request, and the normal path is restored afterwards', async () => {
    if (!rt.hasFeature('timestamp-query')) return;
    const x = fromArray(rt, randomData(64, 93), [64]);
    await rt.sync();
    rt.startProfiling({ byConstants: true });
    tidy(() => {
      tanh(x);
      add(x, x);
      mul(x, x);
    });
    const rep = await rt.stopProfiling();
    const binaries = rep.kernels.filter((k) => k.kernel.startsWith('binary#main{'));
    expect(binaries.length).toBe(2); // add and mul: two OP constants, two pipelines
    expect(rep.kernels.some((k) => k.kernel.startsWith('unary#main{'))).toBe(true);
    // After stop: no profiler, dispatches still run.
    await expect(rt.stopProfiling()).rejects.toThrow(/not profiling/);
    const v = await tidy(() => add(x, x)).read();
    expect(Number.isNaN(v[0]!)).toBe(false);
    x.dispose();
  });

  it('groups by a caller-given label (GEMM shapes read from the uniforms), others fall back to kernel#entry', async () => {
    if (!rt.hasFeature('timestamp-query')) return;
    const a = fromArray(rt, randomData(19 * 37, 94), [19, 37]);
    const b = fromArray(rt, randomData(5 * 19, 95), [5, 19]);
    await rt.sync();
    rt.startProfiling({ labelOf: gemmLabel });
    const ys = [matmulRaw(a, b, { transA: true, transB: true }), matmulRaw(a, b, { transA: true, transB: true }), tanh(a)];
    const rep = await rt.stopProfiling();
    const gemm = rep.kernels.filter((k) => k.kernel.startsWith('37×5×19 Aᵀ Bᵀ | gemm_'));
    expect(gemm.map((k) => k.dispatches)).toEqual([2]);
    expect(gemm[0]!.kernel).toMatch(/\| grid \d+×\d+×1$/);
    expect(rep.kernels.find((k) => k.kernel === 'unary#main')?.dispatches).toBe(1);
    // The labelled dispatches computed the product: C = Aᵀ·Bᵀ, a [19, 37], b [5, 19].
    const [ad, bd, cd] = [await a.read(), await b.read(), await ys[0]!.read()];
    for (let m = 0; m < 37; m++) for (let n = 0; n < 5; n++) {
      let want = 0;
      for (let k = 0; k < 19; k++) want += ad[k * 37 + m]! * bd[n * 19 + k]!;
      expect(Math.abs(cd[m * 5 + n]! - want)).toBeLessThan(1e-5);
    }
    for (const t of [a, b, ...ys]) t.dispose();
  });

  it('rejects double starts and bad capacities', async () => {
    if (!rt.hasFeature('timestamp-query')) return;
    rt.startProfiling();
    expect(() => rt.startProfiling()).toThrow(/already profiling/);
    const rep = await rt.stopProfiling();
    expect(rep.dispatches).toBe(0);
    expect(rep.kernels).toEqual([]);
    expect(() => new Profiler(rt.device, 0)).toThrow(/capacity/);
  });
});

describe('buffer pool high-water marks', () => {
  it('tracks peak live and allocated bytes, and resetPeak restarts them', async () => {
    await rt.sync();
    rt.pool.resetPeak();
    const s0 = rt.stats();
    expect(s0.peakLiveBytes).toBe(s0.liveBytes);
    expect(s0.peakAllocatedBytes).toBe(s0.allocatedBytes);
    const a = rt.createStorage(3 << 20);
    const b = rt.createStorage(1 << 20);
    const s1 = rt.stats();
    expect(s1.liveBytes - s0.liveBytes).toBeGreaterThanOrEqual(4 << 20);
    expect(s1.peakLiveBytes).toBe(s1.liveBytes);
    rt.release(a);
    rt.release(b);
    await rt.sync();
    const s2 = rt.stats();
    expect(s2.liveBytes).toBe(s0.liveBytes);
    expect(s2.peakLiveBytes).toBe(s1.liveBytes);
    // Released buffers stay allocated in the pool until trimmed.
    expect(s2.allocatedBytes).toBe(s1.allocatedBytes);
    rt.pool.trim();
    const s3 = rt.stats();
    expect(s3.allocatedBytes).toBeLessThan(s2.allocatedBytes);
    expect(s3.peakAllocatedBytes).toBe(s1.peakAllocatedBytes);
    rt.pool.resetPeak();
    expect(rt.stats().peakLiveBytes).toBe(s3.liveBytes);
  });
});
