/**
 * The multi-tensor optimisers: every tensor of every parameter group in one dispatch, against the float64
 * reference and bit for bit against the per-tensor kernels they replaced (test/fixtures/optim-per-tensor.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { matmul } from '../src/ops/matmul.js';
import { sum } from '../src/ops/reduce.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { SGD, type SGDOptions } from '../src/optim/sgd.js';
import { Adam, type AdamOptions } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { cpuAdamStep, cpuSgdStep, type CpuAdamState, type CpuSgdState } from '../src/ops/cpu/optim.js';
import { keep, tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { allClose, getRuntime } from './helpers.js';
import { ADAM_GROUPS, GROUP_OF, SGD_GROUPS, SIZES, SKIP, STEPS, gradient, initial } from './optim-multi-cases.js';

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/optim-per-tensor.json', import.meta.url), 'utf8')) as Record<'sgd' | 'adam', number[][]>;

function build(rt: Runtime, kind: 'sgd' | 'adam', groups: readonly object[] = kind === 'sgd' ? SGD_GROUPS : ADAM_GROUPS): { ps: Tensor[]; opt: Optimizer } {
  const ps = SIZES.map((n, i) => E.fromArray(rt, initial(i), [n]));
  const spec = groups.map((options, g) => ({ name: `g${g}`, params: ps.map((p, i) => [`t${i}`, p] as const).filter((_, i) => GROUP_OF[i] === g), options }));
  const opt = kind === 'sgd' ? new SGD(spec, { lr: 1 }) : new Adam(spec, { lr: 1 });
  return { ps, opt };
}

/** Hand-set gradients (copied into the arena at step) for step s; returns them. */
function setGrads(rt: Runtime, ps: Tensor[], s: number): (Float64Array | null)[] {
  return ps.map((p, i) => {
    p.grad?.dispose();
    p.grad = null;
    if (SKIP.has(`${s}:${i}`)) return null;
    const g = gradient(s, i);
    p.grad = keep(E.fromArray(rt, g, [SIZES[i]!]));
    return g;
  });
}

describe('multi-tensor optimiser: one dispatch for all groups', () => {
  for (const kind of ['sgd', 'adam'] as const) {
    it(`${kind}: equals the per-tensor kernels bit for bit, one dispatch per step`, async () => {
      const rt = await getRuntime();
      const { ps, opt } = build(rt, kind);
      await rt.sync();
      for (let s = 0; s < STEPS; s++) {
        setGrads(rt, ps, s);
        const before = rt.stats().dispatches;
        opt.step();
        expect(rt.stats().dispatches - before, `step ${s}`).toBe(1);
      }
      for (const [i, p] of ps.entries()) {
        const got = Array.from(new Uint32Array((await p.read() as Float32Array).buffer));
        expect(got, `${kind} tensor ${i} (${SIZES[i]} values)`).toEqual(FIXTURE[kind][i]);
      }
      opt.dispose();
      for (const p of ps) p.dispose();
    });
  }

  const sgdCases: SGDOptions[][] = [
    [{ lr: 0.1 }, { lr: 0.02, weightDecay: 1e-2 }],
    [{ lr: 0.05, momentum: 0.9, dampening: 0.3 }, { lr: 0.2 }],
    [{ lr: 0.03, momentum: 0.9, nesterov: true, weightDecay: 1e-2 }, { lr: 0.01, momentum: 0.5, weightDecay: 5e-4 }],
  ];
  const adamCases: AdamOptions[][] = [
    [{ lr: 1e-2 }, { lr: 1e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6 }],
    [{ lr: 1e-2, weightDecay: 1e-1, decoupled: true }, { lr: 3e-3, weightDecay: 1e-2 }],
  ];
  for (const [kind, cases] of [['sgd', sgdCases], ['adam', adamCases]] as const) {
    for (const groups of cases) {
      it(`${kind} groups ${JSON.stringify(groups)} vs float64 reference (odd sizes, skipped steps, lr change)`, async () => {
        const rt = await getRuntime();
        const { ps, opt } = build(rt, kind, groups);
        const ref = ps.map((_, i) => Float64Array.from(initial(i)));
        const sgdState: CpuSgdState[] = ps.map(() => ({ v: null }));
        const adamState: CpuAdamState[] = SIZES.map((n) => ({ m: new Float64Array(n), v: new Float64Array(n), t: 0 }));
        const lrs = groups.map((g) => g.lr);
        for (let s = 0; s < STEPS; s++) {
          if (s === 2) { lrs[1] = lrs[1]! / 2; opt.setLr('g1', lrs[1]); }
          const gs = setGrads(rt, ps, s);
          opt.step();
          gs.forEach((g, i) => {
            if (!g) return;
            const o = { ...groups[GROUP_OF[i]!]!, lr: lrs[GROUP_OF[i]!]! };
            if (kind === 'sgd') cpuSgdStep(ref[i]!, g, sgdState[i]!, o as SGDOptions);
            else cpuAdamStep(ref[i]!, g, adamState[i]!, o as AdamOptions);
          });
        }
        for (const [i, p] of ps.entries()) {
          const r = allClose(await p.read(), ref[i]!, 1e-6, 1e-4);
          expect(r, `tensor ${i} (${SIZES[i]} values) worst ${r.index}`).toMatchObject({ ok: true });
        }
        // Per-group state in the per-tensor checkpoint format.
        const st = opt.getState('g1');
        if (kind === 'adam') {
          expect(st.scalars['step.t1']).toBe(STEPS);
          expect(st.scalars['step.t4']).toBe(STEPS - 1); // skipped one step
          expect(allClose(await st.tensors['t3.m']!.read(), adamState[3]!.m, 1e-6, 1e-4).ok).toBe(true);
          expect(allClose(await st.tensors['t3.v']!.read(), adamState[3]!.v, 1e-6, 1e-4).ok).toBe(true);
        } else if (groups[1]!.momentum) {
          expect(allClose(await st.tensors['t3.velocity']!.read(), sgdState[3]!.v!, 1e-6, 1e-4).ok).toBe(true);
        } else {
          expect(Object.keys(st.tensors)).toEqual([]);
        }
        expect(Object.keys(opt.getState('g0').tensors).every((k) => /^t[02]\./.test(k))).toBe(true);
        opt.dispose();
        for (const p of ps) p.dispose();
      });
    }
  }

  it('backward writes gradients straight into the arena; moved parameters still feed other ops', async () => {
    const rt = await getRuntime();
    const w = requireGrad(E.fromArray(rt, initial(3).subarray(0, 12), [3, 4]));
    const b = requireGrad(E.fromArray(rt, initial(2).subarray(0, 5), [5]));
    const x = E.fromArray(rt, initial(4).subarray(0, 6), [2, 3]);
    const opt = new SGD([{ name: 'a', params: [['b', b]] }, { name: 'c', params: [['w', w]], options: { lr: 0.5 } }], { lr: 0.1 });
    expect(w.byteOffset).toBeGreaterThan(0); // w lives at an offset of the shared arena
    const loss = tidy(() => {
      const l = E.add(sum(matmul(x, w)), sum(b));
      backward(l);
      return l;
    });
    expect(w.grad!.gpuBuffer).toBe(w.gradSlot!.gpuBuffer);
    expect(w.grad!.byteOffset).toBe(w.gradSlot!.byteOffset);
    const xs = await x.read(), w0 = await w.read();
    // d/dw sum(x w) = column sums of x, broadcast over w's columns; d/db = 1.
    const dw = Array.from({ length: 12 }, (_, k) => xs[Math.floor(k / 4)]! + xs[3 + Math.floor(k / 4)]!);
    expect(allClose(await w.grad!.read(), dw, 1e-6, 1e-6).ok).toBe(true);
    const before = rt.stats().dispatches;
    opt.step();
    expect(rt.stats().dispatches - before).toBe(1);
    expect(allClose(await w.read(), Array.from(w0, (v, k) => v - 0.5 * dw[k]!), 1e-6, 1e-6).ok).toBe(true);
    expect(allClose(await b.read(), Array.from(initial(2).subarray(0, 5), (v) => v - 0.1), 1e-6, 1e-6).ok).toBe(true);
    // The moved weight is read at its offset by the next forward pass.
    const y = matmul(x, w);
    const wNow = await w.read();
    const want = [0, 1].flatMap((r) => [0, 1, 2, 3].map((c) => [0, 1, 2].reduce((s, k) => s + xs[3 * r + k]! * wNow[4 * k + c]!, 0)));
    expect(allClose(await y.read(), want, 1e-5, 1e-5).ok).toBe(true);
    loss.dispose(); y.dispose();
    opt.zeroGrad();
    opt.dispose(); w.dispose(); b.dispose(); x.dispose();
  });

  it('multi-group state round trip resumes bit-exactly; errors name the group and the parameter', async () => {
    const rt = await getRuntime();
    const a = build(rt, 'adam');
    for (let s = 0; s < 2; s++) { setGrads(rt, a.ps, s); a.opt.step(); }
    const saved = await Promise.all(a.ps.map((p) => p.read()));
    const states = ['g0', 'g1'].map((g) => {
      const st = a.opt.getState(g);
      return { g, scalars: JSON.parse(JSON.stringify(st.scalars)) as Record<string, number>, tensors: st.tensors };
    });
    const copies = await Promise.all(states.map(async (s) => ({ ...s, tensors: Object.fromEntries(await Promise.all(Object.entries(s.tensors).map(async ([k, t]) => [k, E.fromArray(rt, await t.read(), t.shape)] as const))) })));
    for (let s = 2; s < STEPS; s++) { setGrads(rt, a.ps, s); a.opt.step(); }
    const b = build(rt, 'adam');
    b.ps.forEach((p, i) => rt.write(p.buffer, saved[i]!));
    for (const c of copies) b.opt.setState({ scalars: c.scalars, tensors: c.tensors }, c.g);
    for (let s = 2; s < STEPS; s++) { setGrads(rt, b.ps, s); b.opt.step(); }
    for (const [i, p] of b.ps.entries()) expect(Array.from(await p.read()), `tensor ${i}`).toEqual(Array.from(await a.ps[i]!.read()));
    expect(() => b.opt.lr).toThrow(/2 parameter groups \(g0, g1\)/);
    expect(() => b.opt.step(['nope'])).toThrow(/no parameter group nope/);
    expect(() => b.opt.setState({ scalars: {}, tensors: { 't9.m': copies[0]!.tensors['t0.m']! } }, 'g0')).toThrow(/t9.m names no parameter/);
    // A parameter another optimiser took over is refused, not silently left alone.
    const thief = new SGD([a.ps[0]!], { lr: 0.1 });
    setGrads(rt, a.ps, 0);
    expect(() => a.opt.step()).toThrow(/t0 no longer lives in this optimiser's arena/);
    thief.dispose();
    for (const c of copies) for (const t of Object.values(c.tensors)) t.dispose();
    for (const x of [a, b]) { x.opt.dispose(); for (const p of x.ps) p.dispose(); }
  });
});
