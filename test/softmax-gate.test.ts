/**
 * tanhOfSoftmaxGate = tanh(α·q ⊙ softmax(l)) per row (src/ops/softmax-gate.ts, JSGHCA's Jo-Attention codes):
 * values vs float64 on odd sizes (large logits: max-subtracted; large α·q: tanh saturates without NaN),
 * gradients by finite differences, agreement with the unfused softmax → tanhOfProduct chain, one dispatch
 * each way. The runtime poisons new buffers (NaN), so an unwritten element fails.
 */
import { describe, expect, it } from 'vitest';
import { fromArray, tanhOfProduct } from '../src/ops/elementwise.js';
import { softmax } from '../src/ops/softmax.js';
import { tanhOfSoftmaxGate } from '../src/ops/softmax-gate.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import { allClose, getRuntime, randomData, recordKernels } from './helpers.js';

function cpuGate(q: ArrayLike<number>, l: ArrayLike<number>, cols: number, alpha: number): Float64Array {
  const out = new Float64Array(q.length);
  for (let r = 0; r * cols < q.length; r++) {
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, l[r * cols + j]!);
    let z = 0;
    for (let j = 0; j < cols; j++) z += Math.exp(l[r * cols + j]! - mx);
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.tanh(alpha * q[r * cols + j]! * (Math.exp(l[r * cols + j]! - mx) / z));
  }
  return out;
}

describe('tanhOfSoftmaxGate', () => {
  it('forward vs float64 on odd sizes, rank 2 and 3, large logits and saturating α', async () => {
    const rt = await getRuntime();
    let s = 1;
    for (const shape of [[1, 1], [17, 3], [5, 255], [33, 64], [2, 3, 7]]) {
      const n = shape.reduce((a, b) => a * b, 1), cols = shape[shape.length - 1]!;
      for (const [alpha, lo, hi] of [[1.3, -1, 1], [64, -3, 3], [0.5, 80, 120]] as const) {
        const q = randomData(n, s++, -1, 1), l = randomData(n, s++, lo, hi);
        const got = await tidy(() => tanhOfSoftmaxGate(fromArray(rt, q, shape), fromArray(rt, l, shape), alpha)).read();
        const r = allClose(got, cpuGate(q, l, cols, alpha), 1e-6, 1e-5);
        expect(r, `${JSON.stringify(shape)} α=${alpha} logits [${lo}, ${hi}]: worst ${r.index}`).toMatchObject({ ok: true });
      }
    }
  });

  it('gradcheck vs float64', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [3, 7], data: randomData(21, 61, -1, 1) }, { shape: [3, 7], data: randomData(21, 62, -2, 2) }],
      gpu: (q, l) => tanhOfSoftmaxGate(q, l, 1.7),
      cpu: (q, l) => cpuGate(q, l, 7, 1.7),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('values and gradients agree with softmax → tanhOfProduct; one dispatch forward, one backward', async () => {
    const rt = await getRuntime();
    const [m, k, alpha] = [19, 37, 2.5];
    const run = async (fused: boolean): Promise<{ out: Float32Array[]; fwd: string[]; bwd: string[] }> => {
      const q = requireGrad(fromArray(rt, randomData(m * k, 5, -1, 1), [m, k]));
      const l = requireGrad(fromArray(rt, randomData(m * k, 6, -2, 2), [m, k]));
      const g = fromArray(rt, randomData(m * k, 7, -1, 1), [m, k]);
      let y!: ReturnType<typeof tanhOfSoftmaxGate>;
      const fwd = recordKernels(rt, () => { y = fused ? tanhOfSoftmaxGate(q, l, alpha) : tanhOfProduct(q, softmax(l), alpha); });
      const bwd = recordKernels(rt, () => tidy(() => backward(y, g)));
      const out = (await Promise.all([y, q.grad!, l.grad!].map((t) => t.read()))) as Float32Array[];
      for (const t of [q, l, g, y]) t.dispose();
      return { out, fwd, bwd };
    };
    const fused = await run(true), plain = await run(false);
    fused.out.forEach((f, i) => {
      const r = allClose(f, plain.out[i]!, 1e-6, 1e-5);
      expect(r, `${['y', 'dq', 'dl'][i]} worst ${r.index}`).toMatchObject({ ok: true });
    });
    expect(fused.fwd).toEqual(['softmax_gate']);
    expect(fused.bwd).toEqual(['softmax_gate_backward']);
  });

  it('bad arguments name the op and the argument', async () => {
    const rt = await getRuntime();
    const a = fromArray(rt, randomData(6, 1), [2, 3]), b = fromArray(rt, randomData(8, 2), [2, 4]);
    expect(() => tanhOfSoftmaxGate(a, b, 1)).toThrow(/tanhOfSoftmaxGate: q \[2, 3\] and l \[2, 4\]/);
    expect(() => tanhOfSoftmaxGate(a, a, NaN)).toThrow(/tanhOfSoftmaxGate: alpha must be finite/);
    a.dispose();
    b.dispose();
  });
});
