/**
 * The host-side dispatch caches (issue 13): bind groups cached by what they bind, deterministic buffer
 * reuse (so a repeated step hits the cache), pipelines found by the caller's constant order, the shared
 * uniform scratch, skipped redundant pass state, and the idle waits. Each cache is checked for the
 * classic failures: a hit that binds stale data or a buffer that is gone.
 */
import { describe, expect, it } from 'vitest';
import { affine, fromArray, mul, tanh } from '../src/ops/elementwise.js';
import { BindGroupCache } from '../src/runtime/bind-group-cache.js';
import { IdleWaits, gridFingerprint } from '../src/runtime/idle-waits.js';
import { keep, tidy } from '../src/tensor/scope.js';
import { getRuntime, randomData } from './helpers.js';

const f32 = (x: number): number => Math.fround(x);

describe('dispatch caches', () => {
  it('hands out the oldest free buffer of a class, whatever order they were released in', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const a = rt.createStorage(1 << 16), b = rt.createStorage(1 << 16), c = rt.createStorage(1 << 16);
    // Released newest-first and oldest-last: a LIFO free list would hand out a, then c, b.
    for (const order of [[c, a, b], [b, c, a], [a, b, c]]) {
      for (const x of order) rt.release(x);
      rt.flush();
      const got = [rt.createStorage(1 << 16), rt.createStorage(1 << 16), rt.createStorage(1 << 16)];
      expect(got).toEqual([a, b, c]);
    }
    for (const x of [a, b, c]) rt.release(x);
    rt.flush();
  });

  it('reuses cached bind groups across steps and still binds each step its own uniforms and data', async () => {
    const rt = await getRuntime();
    const x = keep(fromArray(rt, randomData(1000, 5), [1000]));
    const xs = await x.read();
    await rt.sync();
    const misses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const m0 = rt.stats().bindGroupMisses;
      // Same ops, same shapes, different scalars every step (the uniform block changes, the bind group does not).
      const s = 0.5 + step, t = step - 2;
      const y = tidy(() => tanh(mul(affine(x, s, t), x)));
      const v = await y.read();
      y.dispose();
      misses.push(rt.stats().bindGroupMisses - m0);
      for (const i of [0, 1, 499, 999]) expect(v[i]).toBeCloseTo(Math.tanh(f32(f32(f32(s * xs[i]!) + t) * xs[i]!)), 5);
    }
    // From the second step on every bind group is a hit (the pool gives the same buffers back).
    expect(misses[0]).toBeGreaterThan(0);
    expect(misses.slice(2)).toEqual([0, 0, 0, 0]);
    x.dispose();
  });

  it('gives a buffer reused from the pool the new owner\'s data through a cached bind group', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const run = async (data: Float64Array): Promise<Float32Array> => {
      const t = fromArray(rt, data, [data.length]);
      const y = affine(t, 2, 1);
      t.dispose();
      const v = (await y.read()) as Float32Array;
      y.dispose();
      return v;
    };
    const d1 = randomData(300, 1), d2 = randomData(300, 2);
    await run(d1);
    const m0 = rt.stats().bindGroupMisses;
    const v2 = await run(d2); // same buffers (pool), same cached bind group, new contents
    expect(rt.stats().bindGroupMisses).toBe(m0);
    for (let i = 0; i < 300; i++) expect(v2[i]).toBe(f32(f32(2 * f32(d2[i]!)) + 1));
  });

  it('drops the bind groups of a buffer the pool destroys, and a new buffer never hits them', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const data = randomData(200, 9);
    const t = fromArray(rt, data, [200]);
    const y = affine(t, 3, 0);
    await y.read();
    const old = t.gpuBuffer;
    t.dispose();
    y.dispose();
    await rt.sync();
    const cache = (rt as unknown as { bindGroups: BindGroupCache }).bindGroups;
    const before = cache.stats();
    rt.pool.trim(); // destroys every pooled buffer, `old` among them
    const after = cache.stats();
    expect(after.forgotten).toBeGreaterThan(before.forgotten);
    expect(after.size).toBeLessThan(before.size);
    const t2 = fromArray(rt, data, [200]);
    expect(t2.gpuBuffer).not.toBe(old);
    const m0 = rt.stats().bindGroupMisses;
    const y2 = affine(t2, 3, 0);
    const v = await y2.read();
    expect(rt.stats().bindGroupMisses).toBeGreaterThan(m0);
    for (let i = 0; i < 200; i++) expect(v[i]).toBe(f32(3 * f32(data[i]!)));
    t2.dispose();
    y2.dispose();
  });

  it('keys bind groups by buffer, offset and size, not by buffer alone', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const cache = new BindGroupCache(rt.device);
    const pipeline = rt.pipelines.get({ kernel: 'fill', constants: { WG: 64 } });
    const u = rt.device.createBuffer({ size: 512, usage: GPUBufferUsage.UNIFORM });
    const s = rt.device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
    const g1 = cache.get(pipeline, [{ buffer: u, offset: 0, size: 16 }, { buffer: s }], 0);
    expect(cache.get(pipeline, [{ buffer: u, offset: 0, size: 16 }, { buffer: s }], 0)).toBe(g1);
    expect(cache.get(pipeline, [{ buffer: u, offset: 256, size: 16 }, { buffer: s }], 0)).not.toBe(g1);
    expect(cache.get(pipeline, [{ buffer: u, offset: 0, size: 16 }, { buffer: s, offset: 256, size: 256 }], 0)).not.toBe(g1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3, size: 3 });
    cache.forget(s);
    expect(cache.stats()).toMatchObject({ size: 0, forgotten: 3 });
    const g2 = cache.get(pipeline, [{ buffer: u, offset: 0, size: 16 }, { buffer: s }], 0);
    expect(g2).not.toBe(g1);
    u.destroy();
    s.destroy();
  });

  it('finds one pipeline whatever order the override constants come in', async () => {
    const rt = await getRuntime();
    const n0 = rt.pipelines.size;
    const p1 = rt.pipelines.get({ kernel: 'unary', constants: { OP: 3, WG: 64 } });
    const p2 = rt.pipelines.get({ kernel: 'unary', constants: { WG: 64, OP: 3 } });
    const p3 = rt.pipelines.get({ kernel: 'unary', entry: 'main', constants: { WG: 64, OP: 3 } });
    expect(p2).toBe(p1);
    expect(p3).toBe(p1);
    expect(rt.pipelines.get({ kernel: 'unary', constants: { OP: 4, WG: 64 } })).not.toBe(p1);
    expect(rt.pipelines.size).toBeLessThanOrEqual(n0 + 2);
  });

  it('runs back-to-back dispatches of one pipeline with different bind groups (pass state is not skipped wrongly)', async () => {
    const rt = await getRuntime();
    await rt.sync();
    const bufs = [rt.createStorage(1024), rt.createStorage(1024), rt.createStorage(1024)];
    // Same pipeline three times, then the same bind group pattern again: each fill must land in its own buffer.
    for (let i = 0; i < 3; i++) rt.fillWords(bufs[i]!, 256, 0x3f800000 + i);
    for (let i = 0; i < 3; i++) rt.fillWords(bufs[i]!, 128, 0x40000000 + i);
    const out = await rt.readMany(bufs.map((buffer) => ({ buffer })));
    out.forEach((ab, i) => {
      const w = new Uint32Array(ab);
      expect(w[0]).toBe(0x40000000 + i);
      expect(w[127]).toBe(0x40000000 + i);
      expect(w[128]).toBe(0x3f800000 + i);
      expect(w[255]).toBe(0x3f800000 + i);
    });
    for (const b of bufs) rt.release(b);
  });

  it('sleeps through most of a wait it has seen before, follows a shorter one down, and never sleeps short waits', async () => {
    const w = new IdleWaits(true);
    // A 40 ms wait after 100 dispatches: the next wait after 100 more sleeps 80 % of it.
    let wait = w.begin(100);
    await wait.sleep;
    await new Promise((r) => setTimeout(r, 40));
    wait.done();
    wait = w.begin(200);
    const t0 = performance.now();
    await wait.sleep;
    const slept = performance.now() - t0;
    expect(slept).toBeGreaterThanOrEqual(25);
    wait.done(); // this wait took only the sleep: the estimate shrinks
    const s1 = w.sleptMs;
    wait = w.begin(300);
    await wait.sleep;
    wait.done();
    expect(w.sleptMs - s1).toBeLessThan(s1);
    // Over-slept waits halve the estimate at once: after a 200 ms wait, waits of ~10 ms with the same dispatch count
    // sleep 160, 64, 26, 10 ms — not 160, 144, 130, … as a smoothed update of the measured (= slept) time would.
    const v = new IdleWaits(true);
    let x = v.begin(1);
    await x.sleep;
    await new Promise((r) => setTimeout(r, 200));
    x.done();
    const sleeps: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = v.sleptMs;
      x = v.begin(2 + i);
      await x.sleep;
      x.done();
      sleeps.push(v.sleptMs - before);
    }
    expect(sleeps[0]).toBeGreaterThanOrEqual(150);
    expect(sleeps[1]).toBeLessThanOrEqual(sleeps[0]! * 0.55);
    expect(sleeps[3]).toBeLessThanOrEqual(sleeps[0]! * 0.2);
    // A different dispatch count has no estimate: no sleep; nor does a wait measured under 3 ms.
    const s2 = w.sleptMs;
    wait = w.begin(305);
    await wait.sleep;
    wait.done();
    wait = w.begin(310);
    await wait.sleep;
    wait.done();
    expect(w.sleptMs).toBe(s2);
    // Disabled: never sleeps.
    const off = new IdleWaits(false);
    const o = off.begin(1);
    await o.sleep;
    o.done();
    expect(off.sleptMs).toBe(0);
  });

  it('a wait that spans a stall of the process (SIGSTOP) does not make later waits sleep for the stall', async () => {
    // A ~20 ms wait (w1, as measured here: timers run late on a loaded machine), then the same wait stalled by 1 s:
    // the estimate grows at most 4×, to ≤ 2.5·w1, so the next sleep is ≤ 2·w1 — not 80 % of the smoothed ≈ 0.5 s.
    const w = new IdleWaits(true);
    const t0 = performance.now();
    let x = w.begin(1);
    await new Promise((r) => setTimeout(r, 20));
    x.done();
    const w1 = performance.now() - t0;
    x = w.begin(2);
    await x.sleep;
    await new Promise((r) => setTimeout(r, 1000));
    x.done();
    const before = w.sleptMs;
    x = w.begin(3);
    await x.sleep;
    x.done();
    const slept = w.sleptMs - before;
    expect(slept).toBeGreaterThan(0);
    expect(slept).toBeLessThanOrEqual(2 * w1 + 1);
    expect(2 * w1 + 1, 'the bound must stay below the unbounded sleep (≥ 400 ms) for this test to mean anything').toBeLessThan(400);
    // A first wait that was stalled (no estimate to bound it): its sleeps never exceed maxSleepMs.
    const v = new IdleWaits(true, 30);
    x = v.begin(1);
    await new Promise((r) => setTimeout(r, 200));
    x.done();
    x = v.begin(2);
    await x.sleep;
    x.done();
    expect(v.sleptMs).toBe(30);
  });

  it('keys a wait by the grids of its dispatches too: the same dispatch count with other grids is a new wait', async () => {
    const w = new IdleWaits(true);
    const big = gridFingerprint(gridFingerprint(0, 4, 245, 1), 4, 1, 1), small = gridFingerprint(gridFingerprint(0, 1, 245, 1), 1, 1, 1);
    expect(big).not.toBe(small);
    expect(gridFingerprint(gridFingerprint(0, 2, 1, 1), 1, 1, 1)).not.toBe(gridFingerprint(gridFingerprint(0, 1, 1, 1), 2, 1, 1));
    let x = w.begin(2, big);
    await new Promise((r) => setTimeout(r, 60));
    x.done();
    // Two dispatches again, but smaller grids (a 1-query search after a 1,000-query one): no estimate, no sleep.
    x = w.begin(4, small);
    await x.sleep;
    x.done();
    expect(w.sleptMs).toBe(0);
    // The large grids again: their estimate is still there.
    x = w.begin(6, big);
    await x.sleep;
    x.done();
    expect(w.sleptMs).toBeGreaterThanOrEqual(40);
  });

  it('does not sleep a small workload\'s wait for as long as a large one with the same number of dispatches', async () => {
    const rt = await getRuntime();
    await rt.sync();
    // 24 elementwise dispatches over n floats, then a readback (one wait).
    const chain = async (n: number): Promise<number> => {
      const x = fromArray(rt, randomData(n, 11), [n]);
      const y = tidy(() => {
        let t = x;
        for (let i = 0; i < 24; i++) t = affine(t, 1.0001, 0.5);
        return t;
      });
      const v = await y.read();
      x.dispose();
      y.dispose();
      return v[0]!;
    };
    const slept = (): number => rt.stats().idleSleptMs;
    await chain(1 << 19);
    const s0 = slept();
    await chain(1 << 19); // the same wait again: slept (positive control: its first wait took well over 3 ms on lavapipe)
    const s1 = slept();
    expect(s1).toBeGreaterThan(s0);
    await chain(64); // same dispatch count, tiny grids: must not sleep the large wait's time
    expect(slept()).toBe(s1);
  });
});
