/**
 * linearReluDropout = dropout(relu(x·W + b)) as one op (src/ops/linear-dropout.ts): values against float64,
 * identical to the unfused linear → dropout pair (same mask), gradients by finite differences and against the
 * unfused pair's, and a backward without a dropout pass. The runtime poisons new buffers (NaN), so an element
 * the kernels fail to write shows up.
 */
import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { linear } from '../src/ops/matmul.js';
import { REG_GEMM, SG_GEMM, TILED_GEMM, setGemmConfig, setSplitKPolicy, setTextureBPolicy, type GemmConfig } from '../src/ops/gemm-config.js';
import { dropout } from '../src/ops/dropout.js';
import { linearReluDropout } from '../src/ops/linear-dropout.js';
import { cpuMatmul } from '../src/ops/cpu/matmul.js';
import { cpuDropout } from '../src/ops/cpu/pool.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import { allClose, getRuntime, randomData, recordKernels } from './helpers.js';

const cpuRef = (x: ArrayLike<number>, m: number, k: number, w: ArrayLike<number>, n: number, b: ArrayLike<number> | undefined, p: number, seed: number): Float64Array =>
  Float64Array.from(cpuDropout({ shape: [m, n], data: Array.from(cpuMatmul(x, [m, k], w, [k, n], { bias: b, activation: 'relu' })) }, p, seed).data);

describe('linearReluDropout', () => {
  // The mask is applied in the GEMM store (gemm_sg / gemm_reg) or by a dropout pass after it (tiled kernel,
  // split-K): every path against float64.
  const configs: [string, GemmConfig, 'split' | 'texture' | null][] = [
    ['register-blocked with subgroups', SG_GEMM, null], ['register-blocked', REG_GEMM, null], ['workgroup-tiled', TILED_GEMM, null],
    ['register-blocked with subgroups, split-K forced', SG_GEMM, 'split'], ['texture-B forced (gemm_tex)', SG_GEMM, 'texture'],
  ];
  for (const [name, cfg, mode] of configs) {
    it(`forward vs float64 on odd sizes, with and without bias, p = 0 / 0.3 / 0.75 (${name})`, async () => {
      const rt = await getRuntime();
      setGemmConfig(rt, cfg);
      if (mode === 'split') setSplitKPolicy(rt, { minWorkgroups: 1e9, minK: 5, maxSplits: 3 });
      // The texture path needs rows of a multiple of 64 floats; the other shapes fall back to gemm_sg.
      if (mode === 'texture') setTextureBPolicy(rt, { minMacs: 0, minN: 1 });
      else setTextureBPolicy(rt, 'off');
      const sizes = mode === 'texture' ? [[3, 7, 64], [17, 13, 192], [32, 5, 1024]] as const : [[1, 1, 1], [17, 13, 255], [32, 5, 1023]] as const;
      try {
        let s = 1;
        for (const [m, k, n] of sizes) {
          for (const p of [0, 0.3, 0.75]) {
            for (const withBias of [false, true]) {
              const x = randomData(m * k, s++, -1, 1), w = randomData(k * n, s++, -1, 1), b = withBias ? randomData(n, s++, -1, 1) : undefined;
              const seed = 1000 + s;
              const got = await tidy(() => linearReluDropout(fromArray(rt, x, [m, k]), fromArray(rt, w, [k, n]), b ? fromArray(rt, b, [n]) : null, p, seed)).read();
              const r = allClose(got, cpuRef(x, m, k, w, n, b, p, seed), 1e-5, 1e-4);
              expect(r, `[${m}, ${k}]·[${k}, ${n}] p=${p} bias=${withBias}: worst ${r.index}`).toMatchObject({ ok: true });
            }
          }
        }
        if (mode === 'texture') {
          const x = fromArray(rt, randomData(7 * 5, 1), [7, 5]), w = fromArray(rt, randomData(5 * 128, 2), [5, 128]);
          expect(recordKernels(rt, () => linearReluDropout(x, w, null, 0.5, 3).dispose())).toEqual(['gemm_tex']);
          x.dispose();
          w.dispose();
        }
      } finally {
        setGemmConfig(rt, null);
        setSplitKPolicy(rt, null);
        setTextureBPolicy(rt, null);
      }
    });
  }

  it('forward on the register-blocked kernels: one GEMM dispatch, no dropout pass', async () => {
    const rt = await getRuntime();
    setGemmConfig(rt, SG_GEMM);
    setTextureBPolicy(rt, 'off');
    try {
      const x = fromArray(rt, randomData(21, 1), [3, 7]), w = fromArray(rt, randomData(35, 2), [7, 5]), b = fromArray(rt, randomData(5, 3), [5]);
      const kernels = recordKernels(rt, () => linearReluDropout(x, w, b, 0.5, 9).dispose());
      expect(kernels).toEqual(['gemm_sg']);
      for (const t of [x, w, b]) t.dispose();
    } finally {
      setGemmConfig(rt, null);
      setTextureBPolicy(rt, null);
    }
  });

  it('the same values and gradients as linear(relu) → dropout with the same seed', async () => {
    const rt = await getRuntime();
    const [m, k, n, p, seed] = [19, 11, 37, 0.4, 77];
    const run = async (fused: boolean): Promise<Float32Array[]> => {
      const x = requireGrad(fromArray(rt, randomData(m * k, 5, -1, 1), [m, k]));
      const w = requireGrad(fromArray(rt, randomData(k * n, 6, -1, 1), [k, n]));
      const b = requireGrad(fromArray(rt, randomData(n, 7, -1, 1), [n]));
      const g = fromArray(rt, randomData(m * n, 8, -1, 1), [m, n]);
      const y = fused ? linearReluDropout(x, w, b, p, seed) : dropout(linear(x, w, b, 'relu'), p, seed);
      tidy(() => backward(y, g));
      const out = await Promise.all([y, x.grad!, w.grad!, b.grad!].map((t) => t.read()));
      for (const t of [x, w, b, g, y]) t.dispose();
      return out as Float32Array[];
    };
    const [fused, plain] = [await run(true), await run(false)];
    // The same products and the same mask: equal to the last bit (the scale is applied to g once either way).
    fused.forEach((f, i) => expect(Array.from(f), ['y', 'dx', 'dw', 'db'][i]).toEqual(Array.from(plain[i]!)));
    expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0)).toBe(true);
  });

  for (const p of [0, 0.35]) {
    it(`gradcheck vs float64, p = ${p}`, async () => {
      const rt = await getRuntime();
      const r = await gradcheck({
        rt,
        inputs: [{ shape: [5, 4], data: randomData(20, 51, -1, 1) }, { shape: [4, 7], data: randomData(28, 52, -1, 1) }, { shape: [7], data: randomData(7, 53, -1, 1) }],
        gpu: (x, w, b) => linearReluDropout(x, w, b, p, 123),
        cpu: (x, w, b) => cpuRef(x, 5, 4, w, 7, b, p, 123),
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }

  it('backward: one activation + bias pass and the two GEMMs, no dropout pass', async () => {
    const rt = await getRuntime();
    const x = requireGrad(fromArray(rt, randomData(21, 1), [3, 7]));
    const w = requireGrad(fromArray(rt, randomData(35, 2), [7, 5]));
    const b = requireGrad(fromArray(rt, randomData(5, 3), [5]));
    const y = linearReluDropout(x, w, b, 0.5, 9);
    const kernels = recordKernels(rt, () => tidy(() => backward(y, fromArray(rt, randomData(15, 4), [3, 5]))));
    expect(kernels.filter((k) => !k.startsWith('gemm'))).toEqual(['bias_act_backward']);
    expect(kernels.filter((k) => k.startsWith('gemm')).length).toBe(2);
    for (const t of [x, w, b, y]) t.dispose();
  });

  it('bad arguments name the op and the argument', async () => {
    const rt = await getRuntime();
    const x = fromArray(rt, randomData(6, 1), [2, 3]);
    const w = fromArray(rt, randomData(8, 2), [4, 2]);
    const w2 = fromArray(rt, randomData(6, 3), [3, 2]);
    expect(() => linearReluDropout(x, w, null, 0.5, 1)).toThrow(/linearReluDropout: x \[2, 3\] has 3 features, w \[4, 2\] expects 4/);
    expect(() => linearReluDropout(x, w2, null, 1, 1)).toThrow(/linearReluDropout: p must be in \[0, 1\)/);
    expect(() => linearReluDropout(x, w2, null, 0.5, -1)).toThrow(/linearReluDropout: seed must be a u32/);
    for (const t of [x, w, w2]) t.dispose();
  });
});
