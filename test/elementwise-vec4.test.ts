/**
 * The elementwise kernels bind tensors as vec4s and handle four vec4s per invocation (kernels/vec4_grid.wgsl):
 * every size's tail (n mod 4, and a last invocation with fewer than four vec4s) and every tensor that lives
 * in an optimiser arena (a Storage slice whose byte size is not a multiple of 16) must still see and write
 * exactly its own elements. Outputs start poisoned (NaN), so a skipped element fails.
 */
import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { scaleBy } from '../src/ops/loss-partial.js';
import { CPU_BINARY, CPU_UNARY, cpu, cpuMap, cpuZip } from '../src/ops/cpu/array.js';
import { SGD } from '../src/optim/sgd.js';
import { Tensor } from '../src/tensor/tensor.js';
import { allClose, getRuntime, randomData } from './helpers.js';

// Tails 1–3 and 0, a partly filled last invocation (16 elements each), several workgroups (4,096 each) with a tail.
const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 4095, 4097, 65_539];

describe('vec4 elementwise kernels: tails and arena tensors', () => {
  it('unary, binary (equal shapes) and scale_by on every tail size match float64', async () => {
    const rt = await getRuntime();
    for (const n of SIZES) {
      const x = randomData(n, n + 1, -3, 3), w = randomData(n, n + 2, 0.5, 2.5);
      const xt = E.fromArray(rt, x, [n]), wt = E.fromArray(rt, w, [n]);
      for (const op of ['tanh', 'affine', 'relu'] as const) {
        const got = await E.unaryRaw(op, xt, 1.5, -0.25).read();
        const want = Array.from(x, (v) => CPU_UNARY[op]!(Math.fround(v), 1.5, -0.25));
        expect(allClose(got, want, 1e-6, 2e-5), `${op} n=${n}`).toMatchObject({ ok: true });
      }
      for (const op of ['add', 'mul', 'div'] as const) {
        const got = await E.binaryRaw(op, xt, wt).read();
        const want = Array.from(x, (v, i) => CPU_BINARY[op]!(Math.fround(v), Math.fround(w[i]!)));
        expect(allClose(got, want, 1e-6, 1e-5), `${op} n=${n}`).toMatchObject({ ok: true });
      }
      const s = E.fromArray(rt, [-0.75], [1]);
      const got = await scaleBy(xt, s).read();
      expect(allClose(got, Array.from(x, (v) => Math.fround(v) * -0.75), 0, 1e-6), `scale_by n=${n}`).toMatchObject({ ok: true });
    }
  });

  it('broadcasting on shapes whose sizes leave tails (the padding of the last vec4 is not an element)', async () => {
    const rt = await getRuntime();
    const SHAPES: [number[], number[]][] = [[[5, 3], [3]], [[3, 1], [1, 7]], [[9, 2, 3], [2, 1]], [[1], [6]], [[33, 5], [33, 1]], [[7], [1]]];
    for (const [sa, sb] of SHAPES) {
      const a = cpu(randomData(sa.reduce((p, d) => p * d, 1), 3 + sa.length, -2, 2), sa);
      const b = cpu(randomData(sb.reduce((p, d) => p * d, 1), 7 + sb.length, 0.5, 2.5), sb);
      for (const op of ['add', 'sub', 'div'] as const) {
        const want = cpuZip(cpuMap(a, Math.fround), cpuMap(b, Math.fround), CPU_BINARY[op]!);
        const y = E.binaryRaw(op, E.fromArray(rt, a.data, sa), E.fromArray(rt, b.data, sb));
        expect(y.shape).toEqual(want.shape);
        expect(allClose(await y.read(), want.data, 1e-6, 1e-5), `${op} ${sa} x ${sb}`).toMatchObject({ ok: true });
      }
    }
  });

  it('read tensors that live in an optimiser arena with sizes that are not whole vec4s, next to each other', async () => {
    // SGD moves each parameter into a 256-byte slot of one arena buffer; each is bound as { offset, size }.
    // A vec4 binding of 4·n bytes would drop the last n mod 4 elements (and robust access would clamp
    // their reads onto the last whole vec4), so the binding must cover whole vec4s.
    const rt = await getRuntime();
    const sizes = [1, 3, 5, 6, 7, 65, 66];
    const data = sizes.map((n, i) => randomData(n, 40 + i, -2, 2));
    const params = data.map((d, i) => E.fromArray(rt, d, [sizes[i]!]));
    const opt = new SGD(params, { lr: 0.1 });
    expect(params.every((p) => p.byteOffset % 256 === 0) && params.some((p) => p.byteOffset > 0)).toBe(true);
    for (const [i, p] of params.entries()) {
      const x = data[i]!;
      const n = sizes[i]!;
      expect(allClose(await E.unaryRaw('neg', p).read(), Array.from(x, (v) => -Math.fround(v)), 0, 0), `neg n=${n}`).toMatchObject({ ok: true });
      const sum = await E.binaryRaw('add', p, p).read();
      expect(allClose(sum, Array.from(x, (v) => 2 * Math.fround(v)), 0, 0), `add n=${n}`).toMatchObject({ ok: true });
      // Broadcast: the arena tensor as a row [1, n] against a column [2, 1].
      const col = E.fromArray(rt, [1, -1], [2, 1]);
      const bc = await E.binaryRaw('mul', p.view([1, n]), col).read();
      expect(allClose(bc, [...Array.from(x, Math.fround), ...Array.from(x, (v) => -Math.fround(v))], 0, 0), `broadcast n=${n}`).toMatchObject({ ok: true });
      expect(allClose(await scaleBy(p, E.fromArray(rt, [2], [1])).read(), Array.from(x, (v) => 2 * Math.fround(v)), 0, 0), `scale_by n=${n}`).toMatchObject({ ok: true });
    }
    // The parameters themselves are intact (nothing above wrote into the arena).
    for (const [i, p] of params.entries()) expect(Array.from(await p.read())).toEqual(Array.from(data[i]!, Math.fround));
    opt.dispose();
  });

  it('a storage binding covers whole vec4s inside its buffer', async () => {
    const rt = await getRuntime();
    const t = Tensor.empty(rt, [5], 'f32');
    expect(t.gpuBuffer.size % 16).toBe(0);
    const opt = new SGD([t, Tensor.empty(rt, [3], 'f32')], { lr: 1 });
    expect(t.buffer.size).toBe(32); // 20 bytes rounded up to two vec4s
    opt.dispose();
  });
});
