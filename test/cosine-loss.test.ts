import { describe, expect, it } from 'vitest';
import { fromArray, mulScalar, add, square, sub } from '../src/ops/elementwise.js';
import { mean } from '../src/ops/reduce.js';
import { cosineSimilarity } from '../src/ops/similarity.js';
import { cosineReconstruction } from '../src/ops/cosine-loss.js';
import { cosineReconstructionCpu } from '../src/ops/cpu/similarity.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { ShapeError } from '../src/runtime/errors.js';
import { allClose, getRuntime, randomData, recordKernels } from './helpers.js';
import { expectThrow } from './expect-error.js';

const f32 = (x: Float64Array): Float64Array => x.map(Math.fround);
const W = { ab: 1, aa: 0.3, bb: 0.7 };

describe('cosineReconstruction (fused DJSRH / JSGHCA loss)', () => {
  it('forward matches the float64 reference on odd shapes, a non-symmetric target and an all-zero row', async () => {
    const rt = await getRuntime();
    for (const [m, k] of [[1, 1], [3, 5], [17, 64], [33, 129], [130, 7]] as const) {
      const a = randomData(m * k, m + k, -1, 1), b = randomData(m * k, 3 * m + k, -1, 1);
      if (m > 2) a.fill(0, 2 * k, 3 * k); // a zero row: cosine 0 with everything (norm clamped)
      const s = randomData(m * m, 7 * m, -1, 1.5);
      const out = cosineReconstruction(fromArray(rt, s, [m, m]), fromArray(rt, a, [m, k]), fromArray(rt, b, [m, k]), W);
      const got = await Promise.all([out.total, out.inter, out.intraA, out.intraB].map(async (t) => (await t.read())[0]!));
      const want = cosineReconstructionCpu(f32(s), f32(a), f32(b), m, k, W);
      const r = allClose(got, want, 1e-5, 1e-4);
      expect(r, `[${m}, ${k}] got ${got} want ${want}`).toMatchObject({ ok: true });
    }
  });

  for (const [m, k, w] of [[5, 3, W], [9, 7, { ab: 0, aa: 1, bb: 0 }], [4, 6, { ab: 0.5, aa: 0, bb: 2 }]] as const) {
    it(`gradient to both codes by finite differences (m ${m}, k ${k}, weights ${JSON.stringify(w)})`, async () => {
      const rt = await getRuntime();
      const s = randomData(m * m, 11 * m, -1, 1.5);
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [m, m], data: s, constant: true }, { shape: [m, k], data: randomData(m * k, m, -1, 1) }, { shape: [m, k], data: randomData(m * k, m + 1, -1, 1) }],
        gpu: (st, a, b) => cosineReconstruction(st, a, b, w).total,
        cpu: (st, a, b) => [cosineReconstructionCpu(st, a, b, m, k, w)[0]],
      });
      expect(r, JSON.stringify(r.worst)).toMatchObject({ ok: true });
    });
  }

  it('equals the unfused composition (cosineSimilarity, squared error, means) in value and gradients', async () => {
    const rt = await getRuntime();
    const m = 32, k = 64;
    const s = fromArray(rt, randomData(m * m, 5, -1, 1.5), [m, m]);
    const data = [randomData(m * k, 6, -1, 1), randomData(m * k, 8, -1, 1)];
    const run = async (fused: boolean): Promise<Float32Array[]> => {
      const [a, b] = data.map((d) => requireGrad(fromArray(rt, d, [m, k]))) as [Tensor, Tensor];
      const loss = tidy(() => {
        let total: Tensor;
        if (fused) total = cosineReconstruction(s, a, b, W).total;
        else {
          const mse = (c: Tensor): Tensor => mean(square(sub(s, c)));
          total = add(add(mse(cosineSimilarity(a, b)), mulScalar(mse(cosineSimilarity(a, a)), W.aa)), mulScalar(mse(cosineSimilarity(b, b)), W.bb));
        }
        backward(total);
        return total;
      });
      const out = [await loss.read(), await a.grad!.read(), await b.grad!.read()] as Float32Array[];
      for (const t of [loss, a, b]) t.dispose();
      return out;
    };
    const [want, got] = [await run(false), await run(true)];
    for (let i = 0; i < 3; i++) {
      const r = allClose(got[i]!, want[i]!, 1e-7, 1e-4);
      expect(r, `output ${i} worst ${r.index}: ${got[i]![r.index]} vs ${want[i]![r.index]}`).toMatchObject({ ok: true });
    }
  });

  it('runs in 2 dispatches forward and 1 backward; a code without gradient gets none', async () => {
    const rt = await getRuntime();
    const m = 6, k = 4;
    const s = fromArray(rt, randomData(m * m, 1), [m, m]);
    const a = fromArray(rt, randomData(m * k, 2), [m, k]);
    const b = requireGrad(fromArray(rt, randomData(m * k, 3), [m, k]));
    const kernels = recordKernels(rt, (sofar) => tidy(() => {
      const { total } = cosineReconstruction(s, a, b, W);
      expect(sofar).toEqual(['cosine_recon', 'cosine_recon_finish']);
      backward(total, fromArray(rt, [1], [1]));
    }));
    // Backward: the fused kernel, and b's gradient is taken as it is (no copy).
    expect(kernels).toEqual(['cosine_recon', 'cosine_recon_finish', 'cosine_recon_backward']);
    expect(a.grad).toBeNull();
    expect(b.grad).not.toBeNull();
    b.dispose();
  });

  it('rejects mismatched shapes and a target that requires a gradient', async () => {
    const rt = await getRuntime();
    const a = fromArray(rt, randomData(12, 1), [4, 3]);
    expectThrow(() => cosineReconstruction(fromArray(rt, randomData(9, 2), [3, 3]), a, a, W), ShapeError, /target s \[3, 3\] must be \[4, 4\]/);
    expectThrow(() => cosineReconstruction(fromArray(rt, randomData(16, 2), [4, 4]), a, fromArray(rt, randomData(8, 3), [4, 2]), W), ShapeError, /a \[4, 3\] and b \[4, 2\]/);
    expectThrow(() => cosineReconstruction(requireGrad(fromArray(rt, randomData(16, 2), [4, 4])), a, a, W), ShapeError, /target s carries no gradient/);
    expectThrow(() => cosineReconstruction(fromArray(rt, randomData(16, 2), [4, 4]), a, a, { ...W, aa: NaN }), RangeError, /weight aa must be finite/);
  });
});
