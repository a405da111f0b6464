import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { SGD, type SGDOptions } from '../src/optim/sgd.js';
import { Adam, type AdamOptions } from '../src/optim/adam.js';
import { cpuAdamStep, cpuSgdStep, type CpuAdamState, type CpuSgdState } from '../src/ops/cpu/optim.js';
import { keep } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { allClose, getRuntime, ODD_SIZES, randomData } from './helpers.js';

const f32 = (a: Float64Array): Float64Array => a.map(Math.fround);
const STEPS = 5;

describe('SGD kernel vs float64 reference over several steps', () => {
  const cases: SGDOptions[] = [
    { lr: 0.1 },
    { lr: 0.05, weightDecay: 5e-4 },
    { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 },
    { lr: 0.02, momentum: 0.8, dampening: 0.3 },
    { lr: 0.03, momentum: 0.9, nesterov: true, weightDecay: 1e-2 },
  ];
  for (const o of cases) {
    it(`SGD ${JSON.stringify(o)} on sizes ${ODD_SIZES}`, async () => {
      const rt = await getRuntime();
      for (const n of ODD_SIZES) {
        const p0 = f32(randomData(n, n + 3, -1, 1));
        const p = E.fromArray(rt, p0, [n]);
        const opt = new SGD([p], o);
        const ref = Float64Array.from(p0);
        const st: CpuSgdState = { v: null };
        for (let s = 0; s < STEPS; s++) {
          const g = f32(randomData(n, 100 * s + n, -2, 2));
          p.grad?.dispose();
          p.grad = keep(E.fromArray(rt, g, [n]));
          if (s === 3) opt.lr = o.lr / 2; // schedules set lr between steps
          opt.step();
          cpuSgdStep(ref, g, st, { ...o, lr: opt.lr });
        }
        const r = allClose(await p.read(), ref, 1e-6, 1e-5);
        expect(r, `n=${n}`).toMatchObject({ ok: true });
        if (o.momentum) expect(allClose(await opt.getState().tensors['p0.velocity']!.read(), st.v!, 1e-6, 1e-5).ok).toBe(true);
        opt.dispose(); p.dispose();
      }
    });
  }
});

describe('Adam kernel vs float64 reference over several steps', () => {
  const cases: AdamOptions[] = [
    { lr: 1e-2 },
    { lr: 1e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6 },
    { lr: 1e-2, weightDecay: 1e-2 },
    { lr: 1e-2, weightDecay: 1e-1, decoupled: true },
  ];
  for (const o of cases) {
    it(`Adam ${JSON.stringify(o)} on sizes ${ODD_SIZES}`, async () => {
      const rt = await getRuntime();
      for (const n of ODD_SIZES) {
        const p0 = f32(randomData(n, n + 5, -1, 1));
        const p = E.fromArray(rt, p0, [n]);
        const opt = new Adam([['w', p]], o);
        const ref = Float64Array.from(p0);
        const st: CpuAdamState = { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
        for (let s = 0; s < STEPS; s++) {
          const g = f32(randomData(n, 200 * s + n, -2, 2));
          p.grad?.dispose();
          p.grad = keep(E.fromArray(rt, g, [n]));
          opt.step();
          cpuAdamStep(ref, g, st, o);
        }
        const r = allClose(await p.read(), ref, 1e-6, 1e-4);
        expect(r, `n=${n} worst ${r.index}`).toMatchObject({ ok: true });
        const state = opt.getState();
        expect(state.scalars['step.w']).toBe(STEPS);
        expect(allClose(await state.tensors['w.m']!.read(), st.m, 1e-6, 1e-4).ok).toBe(true);
        expect(allClose(await state.tensors['w.v']!.read(), st.v, 1e-6, 1e-4).ok).toBe(true);
        opt.dispose(); p.dispose();
      }
    });
  }
});

describe('optimizer bookkeeping', () => {
  it('skips parameters without a gradient and zeroGrad frees gradients', async () => {
    const rt = await getRuntime();
    const a = E.fromArray(rt, [1, 2, 3], [3]);
    const b = E.fromArray(rt, [4, 5], [2]);
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = keep(E.fromArray(rt, [1, 1, 1], [3]));
    opt.step();
    expect(Array.from(await b.read())).toEqual([4, 5]);
    expect(allClose(await a.read(), [0.9, 1.9, 2.9], 1e-6, 1e-6).ok).toBe(true);
    expect(opt.getState().scalars['step.p1']).toBeUndefined();
    const g = a.grad;
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    opt.dispose(); a.dispose(); b.dispose();
  });

  for (const kind of ['SGD', 'Adam'] as const) {
    it(`${kind} getState/setState resumes bit-exactly`, async () => {
      const rt = await getRuntime();
      const n = 255;
      const p0 = randomData(n, 9, -1, 1);
      const make = (p: Tensor) => (kind === 'SGD' ? new SGD([['w', p]], { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 }) : new Adam([['w', p]], { lr: 0.01, weightDecay: 1e-3 }));
      const grads = Array.from({ length: 6 }, (_, s) => randomData(n, 50 + s, -1, 1));
      const p = E.fromArray(rt, p0, [n]);
      const opt = make(p);
      const run = (o: SGD | Adam, t: Tensor, s: number) => {
        t.grad?.dispose();
        t.grad = keep(E.fromArray(rt, grads[s]!, [n]));
        o.step();
      };
      for (let s = 0; s < 3; s++) run(opt, p, s);
      // Checkpoint: host copies of the parameter and the state.
      const saved = await p.read();
      const st = opt.getState();
      const scalars = JSON.parse(JSON.stringify(st.scalars)) as Record<string, number>;
      const tensors: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(st.tensors)) tensors[k] = E.fromArray(rt, await t.read(), t.shape);
      for (let s = 3; s < 6; s++) run(opt, p, s);
      const q = E.fromArray(rt, saved, [n]);
      const opt2 = make(q);
      opt2.lr = 123; // overwritten by setState
      opt2.setState({ scalars, tensors });
      expect(opt2.lr).toBe(opt.lr);
      for (let s = 3; s < 6; s++) run(opt2, q, s);
      expect(Array.from(await q.read())).toEqual(Array.from(await p.read()));
      for (const t of Object.values(tensors)) t.dispose();
      opt.dispose(); opt2.dispose(); p.dispose(); q.dispose();
    });
  }

  it('rejects bad hyper-parameters and mismatched gradients with clear errors', async () => {
    const rt = await getRuntime();
    const p = E.fromArray(rt, [1, 2], [2]);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/lr must be/);
    expect(() => new SGD([p], { lr: 0.1, momentum: 1 })).toThrow(/momentum/);
    expect(() => new Adam([p], { lr: 0.1, beta2: 1.5 })).toThrow(/beta2/);
    expect(() => new Adam([], { lr: 0.1 })).toThrow(/empty/);
    const opt = new SGD([['fc.w', p]], { lr: 0.1 });
    p.grad = keep(E.fromArray(rt, [1, 2, 3], [3]));
    expect(() => opt.step()).toThrow(/gradient of fc.w has shape \[3\], parameter has \[2\]/);
    p.dispose();
  });
});
