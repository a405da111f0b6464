import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { logSoftmax, softmax } from '../src/ops/softmax.js';
import { cpuSoftmax } from '../src/ops/cpu/softmax.js';
import { cpu, cpuMap } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { allClose, getRuntime, ODD_SIZES, randomData } from './helpers.js';

const f32 = (a: Float64Array): Float64Array => a.map(Math.fround);

describe('row softmax vs float64 CPU reference', () => {
  for (const log of [false, true]) {
    it(`${log ? 'logSoftmax' : 'softmax'} on rows of ${ODD_SIZES} columns, with scale`, async () => {
      const rt = await getRuntime();
      for (const cols of ODD_SIZES) {
        for (const rows of [1, 3, 70]) {
          const shape = [rows, cols];
          const x = f32(randomData(rows * cols, cols * 7 + rows, -8, 8));
          const want = cpuSoftmax(cpu(x, shape), { scale: 0.7, log }).data;
          const t = E.fromArray(rt, x, shape);
          const y = (log ? logSoftmax : softmax)(t, { scale: 0.7 });
          const r = allClose(await y.read(), want, 1e-6, 1e-4);
          expect(r, `cols ${cols} rows ${rows}`).toMatchObject({ ok: true });
          t.dispose(); y.dispose();
        }
      }
    });
  }

  it('additive mask broadcasts over batch and heads (attention shapes)', async () => {
    const rt = await getRuntime();
    const cases: [number[], number[]][] = [[[2, 3, 5, 17], [5, 17]], [[2, 3, 5, 17], [2, 1, 1, 17]], [[4, 255], [4, 255]], [[3, 2, 7], [1, 7]]];
    for (const [xs, ms] of cases) {
      const n = xs.reduce((a, b) => a * b, 1), nm = ms.reduce((a, b) => a * b, 1);
      const x = f32(randomData(n, n, -3, 3));
      // A causal-style mask: large negative entries on some positions.
      const m = f32(randomData(nm, nm + 1, 0, 1).map((v) => (v < 0.3 ? -1e9 : v)));
      for (const log of [false, true]) {
        const want = cpuSoftmax(cpu(x, xs), { scale: 0.25, mask: cpu(m, ms), log }).data;
        const y = (log ? logSoftmax : softmax)(E.fromArray(rt, x, xs), { scale: 0.25, mask: E.fromArray(rt, m, ms) });
        const got = await y.read();
        // log-softmax of masked positions is about -1e9: compare relatively there.
        const r = allClose(got, want, 1e-5, 1e-4);
        expect(r, `x ${xs} mask ${ms} log ${log}`).toMatchObject({ ok: true });
      }
    }
  });

  it('is numerically safe for large logits and sums to one', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, [1000, 1001, 1002, -1000, 1e38, 1e38, 0, -1e38], [2, 4]);
    const y = Array.from(await softmax(x).read());
    const want = cpuMap(cpu([1000, 1001, 1002, -1000], [4]), (v) => v);
    const ref = cpuSoftmax(want).data;
    expect(allClose(y.slice(0, 4), ref, 1e-6, 1e-5).ok).toBe(true);
    expect(y.slice(4)).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(await logSoftmax(x).read()).every(Number.isFinite)).toBe(true);
  });

  it('rejects a mask that does not broadcast, naming both shapes', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, randomData(12, 1), [3, 4]);
    expect(() => softmax(x, { mask: E.fromArray(rt, randomData(3, 2), [3]) })).toThrow(/mask \[3\] does not broadcast to x \[3, 4\]/);
    expect(() => softmax(x, { scale: NaN })).toThrow(/scale/);
  });
});

describe('softmax gradients (finite differences)', () => {
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    it(`gradcheck ${name} with scale`, async () => {
      const rt = await getRuntime();
      const shape = [3, 2, 7];
      const r = await gradcheck({
        rt,
        inputs: [{ shape, data: randomData(42, 11, -2, 2) }],
        gpu: (x) => (log ? logSoftmax : softmax)(x, { scale: 1.3 }),
        cpu: (x) => cpuSoftmax(cpu(x, shape), { scale: 1.3, log }).data,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
    it(`gradcheck ${name} with a learnable broadcast mask`, async () => {
      const rt = await getRuntime();
      const xs = [2, 3, 5], ms = [3, 1];
      const r = await gradcheck({
        rt,
        inputs: [{ shape: xs, data: randomData(30, 12, -2, 2) }, { shape: ms, data: randomData(3, 13, -1, 1) }],
        gpu: (x, m) => (log ? logSoftmax : softmax)(x, { scale: 0.5, mask: m }),
        cpu: (x, m) => cpuSoftmax(cpu(x, xs), { scale: 0.5, mask: cpu(m, ms), log }).data,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }
});
