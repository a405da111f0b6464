/**
 * The GEMM's addend (C = act(A·B + bias) + R in the store) and the tape's summing rules that use it: a
 * gradient gathered so far is summed into the next input-gradient GEMM instead of by an elementwise add.
 * Every kernel path (register-blocked with and without subgroups, workgroup-tiled, texture-B, split-K) is
 * checked bit for bit against the GEMM followed by the add it replaces, and against float64; gradients by
 * finite differences; nn.MultiHeadAttention's residual block against x + MHA(x).
 */
import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { binaryRaw } from '../src/ops/raw.js';
import { matmul, matmulRaw, type Activation } from '../src/ops/matmul.js';
import { REG_GEMM, SG_GEMM, TILED_GEMM, setGemmConfig, setSplitKPolicy, setTextureBPolicy, subgroupBlock, type GemmConfig } from '../src/ops/gemm-config.js';
import { cpuMatmul } from '../src/ops/cpu/matmul.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { sum } from '../src/ops/reduce.js';
import { tidy } from '../src/tensor/scope.js';
import { MultiHeadAttention } from '../src/nn/index.js';
import { Rng } from '../src/util/rng.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { allClose, getRuntime, randomData, recordKernels } from './helpers.js';

interface Shape { M: number; N: number; K: number; tA?: boolean; tB?: boolean; act?: Activation; bias?: boolean }

/** The addend path against (a) the same GEMM then binaryRaw('add', R, C), bit for bit, and (b) float64. */
async function checkAddend(rt: Runtime, s: Shape, seed: number, expectKernel?: string): Promise<void> {
  const aShape = s.tA ? [s.K, s.M] : [s.M, s.K], bShape = s.tB ? [s.N, s.K] : [s.K, s.N];
  const ad = randomData(s.M * s.K, seed, -1, 1), bd = randomData(s.K * s.N, seed + 1, -1, 1);
  const rd = randomData(s.M * s.N, seed + 2, -2, 2), biasd = s.bias ? randomData(s.N, seed + 3, -1, 1) : undefined;
  const act = s.act ?? 'none';
  const a = E.fromArray(rt, ad, aShape), b = E.fromArray(rt, bd, bShape), r = E.fromArray(rt, rd, [s.M, s.N]);
  const bias = biasd ? E.fromArray(rt, biasd, [s.N]) : undefined;
  const opts = { transA: s.tA, transB: s.tB, activation: act, alpha: 0.7, bias };
  const kernels: string[] = [];
  const fused = tidy(() => {
    const out: Tensor[] = [];
    kernels.push(...recordKernels(rt, () => out.push(matmulRaw(a, b, { ...opts, addend: r }))));
    return out[0]!;
  });
  const separate = tidy(() => binaryRaw('add', r, matmulRaw(a, b, opts)));
  const [got, sep] = [await fused.read(), await separate.read()];
  const label = `${JSON.stringify(s)} (${kernels.join(', ')})`;
  expect(Array.from(got), `${label}: bit for bit as the GEMM then the add`).toEqual(Array.from(sep));
  const gemm = cpuMatmul(Float32Array.from(ad), aShape, Float32Array.from(bd), bShape, { transA: s.tA, transB: s.tB, activation: act, alpha: 0.7, bias: biasd ? Float32Array.from(biasd) : undefined });
  const want = gemm.map((v, i) => v + Math.fround(rd[i]!));
  expect(allClose(got, want, 1e-5 * Math.sqrt(s.K) + 1e-5, 1e-4), label).toMatchObject({ ok: true });
  if (expectKernel) expect(kernels.some((k) => k === expectKernel), label).toBe(true);
  expect(kernels.filter((k) => k === 'binary'), `${label}: no separate add`).toEqual([]);
  for (const t of [a, b, r, bias, fused, separate]) t?.dispose();
}

const CONFIGS: [string, GemmConfig, string][] = [['register-blocked with subgroups', SG_GEMM, 'gemm_sg'], ['register-blocked', REG_GEMM, 'gemm_reg'], ['workgroup-tiled', TILED_GEMM, 'gemm_tiled']];
const SHAPES: Shape[] = [
  { M: 1, N: 1, K: 1 }, { M: 17, N: 33, K: 9 }, { M: 33, N: 5, K: 130, tA: true }, { M: 7, N: 19, K: 23, tB: true, act: 'tanh', bias: true },
  { M: 9, N: 13, K: 31, tA: true, tB: true, act: 'scaledRelu', bias: true },
];

describe('GEMM addend (C = act(A·B + bias) + R in the store)', () => {
  for (const [name, cfg, kernel] of CONFIGS) {
    it(`${name}: odd sizes, transposes, epilogues`, async () => {
      const rt = await getRuntime();
      if (cfg.kind === 'sg' && subgroupBlock(rt) === null) return;
      setGemmConfig(rt, cfg);
      setSplitKPolicy(rt, { minWorkgroups: 0, minK: 1e9, maxSplits: 1 });
      setTextureBPolicy(rt, 'off');
      try {
        let seed = 1;
        for (const s of SHAPES) await checkAddend(rt, s, (seed += 10), kernel);
      } finally {
        setGemmConfig(rt, null);
        setSplitKPolicy(rt, null);
        setTextureBPolicy(rt, null);
      }
    });
  }

  it('split-K: the second pass adds it after the sum, bias and activation', async () => {
    const rt = await getRuntime();
    setSplitKPolicy(rt, { minWorkgroups: 1e9, minK: 4, maxSplits: 5 });
    try {
      let seed = 100;
      for (const s of [{ M: 3, N: 5, K: 301 }, { M: 9, N: 13, K: 131, tB: true, act: 'relu', bias: true }] as Shape[]) await checkAddend(rt, s, (seed += 10), 'gemm_splitk');
    } finally {
      setSplitKPolicy(rt, null);
    }
  });

  it('texture-B GEMM (both B layouts)', async () => {
    const rt = await getRuntime();
    if (subgroupBlock(rt) === null) return;
    setSplitKPolicy(rt, { minWorkgroups: 0, minK: 1, maxSplits: 1 });
    setTextureBPolicy(rt, { minMacs: 0, minN: 1 });
    try {
      let seed = 200;
      for (const s of [{ M: 17, N: 64, K: 3 }, { M: 33, N: 128, K: 17, act: 'tanh', bias: true }, { M: 17, N: 9, K: 64, tB: true }, { M: 5, N: 255, K: 128, tA: true, tB: true }] as Shape[]) {
        await checkAddend(rt, s, (seed += 10), 'gemm_tex');
      }
    } finally {
      setSplitKPolicy(rt, null);
      setTextureBPolicy(rt, null);
    }
  });

  it('rejects an addend of another shape, with dropout, or (with gradients) after an activation, naming it', async () => {
    const rt = await getRuntime();
    const a = E.fromArray(rt, randomData(6, 1), [2, 3]), b = E.fromArray(rt, randomData(12, 2), [3, 4]);
    const wrong = E.fromArray(rt, randomData(8, 3), [4, 2]), ok = E.fromArray(rt, randomData(8, 4), [2, 4]);
    expect(() => matmulRaw(a, b, { addend: wrong })).toThrow(/addend \[4, 2\] must have the output's shape \[2, 4\]/);
    expect(() => matmulRaw(a, b, { addend: ok, dropout: { p: 0.5, seed: 1 } })).toThrow(/addend with dropout/);
    expect(() => matmul(a, b, { addend: ok, activation: 'relu' })).toThrow(/addend needs activation 'none'/);
    for (const t of [a, b, wrong, ok]) t.dispose();
  });

  it('gradients of a, b, bias and the addend (finite differences)', async () => {
    const rt = await getRuntime();
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [4, 6], data: randomData(24, 11, -1, 1) }, { shape: [6, 3], data: randomData(18, 12, -1, 1) }, { shape: [3], data: randomData(3, 13, -1, 1) }, { shape: [4, 3], data: randomData(12, 14, -1, 1) }],
      // tanh after: the sum's gradient flows through the residual and the GEMM alike.
      gpu: (a, b, bias, add) => E.tanh(matmul(a, b, { bias, addend: add })),
      cpu: (a, b, bias, add) => cpuMatmul(a, [4, 6], b, [6, 3], { bias }).map((v, i) => Math.tanh(v + add[i]!)),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
});

describe("the tape's summing rules (a gathered gradient summed in the next GEMM's store)", () => {
  it('an input used by three GEMMs: gradient equal to the adds it replaces, bit for bit, and no add dispatched', async () => {
    const rt = await getRuntime();
    const x = requireGrad(E.fromArray(rt, randomData(5 * 7, 21, -1, 1), [5, 7]));
    const ws = [22, 23, 24].map((s) => E.fromArray(rt, randomData(7 * 4, s, -1, 1), [7, 4]));
    const gs = [25, 26, 27].map((s) => E.fromArray(rt, randomData(5 * 4, s, -1, 1), [5, 4]));
    let kernels: string[] = [];
    tidy(() => {
      const loss = sum(E.add(E.add(E.mul(matmul(x, ws[0]!), gs[0]!), E.mul(matmul(x, ws[1]!), gs[1]!)), E.mul(matmul(x, ws[2]!), gs[2]!)));
      kernels = recordKernels(rt, () => backward(loss), (spec) => `${spec.kernel}${spec.kernel === 'binary' ? ` ${String(spec.constants?.OP)}` : ''}`);
    });
    const got = await x.grad!.read();
    // The same sum with the tape's order of arrival (the last GEMM's gradient first) and explicit adds.
    const parts = [2, 1, 0].map((i) => tidy(() => matmulRaw(gs[i]!, ws[i]!, { transB: true })));
    const want = await tidy(() => binaryRaw('add', binaryRaw('add', parts[0]!, parts[1]!), parts[2]!)).read();
    expect(Array.from(got)).toEqual(Array.from(want));
    // No add (binary OP 0; the others are the loss's muls and sum): x's three contributions are summed in the GEMMs.
    expect(kernels.filter((k) => k === 'binary 0'), kernels.join(', ')).toEqual([]);
    expect(kernels.filter((k) => k.startsWith('gemm')).length).toBe(3);
    for (const t of [x, ...ws, ...gs, ...parts]) t.dispose();
  });

  it('the same tensor twice in one GEMM (x·xᵀ) and a batched GEMM whose gradient needs a batch sum (finite differences)', async () => {
    const rt = await getRuntime();
    const sq = await gradcheck({
      rt,
      inputs: [{ shape: [4, 3], data: randomData(12, 31, -1, 1) }],
      gpu: (x) => E.add(matmul(x, x, { transB: true }), matmul(x, x, { transB: true, activation: 'tanh' })),
      cpu: (x) => {
        const p = cpuMatmul(x, [4, 3], x, [4, 3], { transB: true });
        const t = cpuMatmul(x, [4, 3], x, [4, 3], { transB: true, activation: 'tanh' });
        return p.map((v, i) => v + t[i]!);
      },
    });
    expect(sq.ok, JSON.stringify(sq)).toBe(true);
    const batched = await gradcheck({
      rt,
      inputs: [{ shape: [3, 5], data: randomData(15, 32, -1, 1) }, { shape: [2, 5, 4], data: randomData(40, 33, -1, 1) }, { shape: [5, 4], data: randomData(20, 34, -1, 1) }],
      // x's gradient from the batched product is a batch sum, then summed with the one from x·w2.
      gpu: (x, wb, w2) => E.add(sum(matmul(x, wb), 0), matmul(x, w2)),
      cpu: (x, wb, w2) => {
        const y = cpuMatmul(x, [3, 5], wb, [2, 5, 4]);
        const z = cpuMatmul(x, [3, 5], w2, [5, 4]);
        return z.map((v, i) => v + y[i]! + y[12 + i]!);
      },
    });
    expect(batched.ok, JSON.stringify(batched)).toBe(true);
  });
});

describe('nn.MultiHeadAttention residual block (forwardResidual)', () => {
  it('x + MHA(x) bit for bit forward, gradients as the composed block, with no elementwise add forward or backward', async () => {
    const rt = await getRuntime();
    const [B, T, d, H] = [3, 5, 16, 4];
    const mha = new MultiHeadAttention(rt, d, H, { rng: new Rng(7) });
    const x = requireGrad(E.fromArray(rt, randomData(B * T * d, 41, -1, 1), [B, T, d]));
    const wgt = E.fromArray(rt, randomData(B * T * d, 42, -1, 1), [B, T, d]);
    const run = async (block: () => Tensor): Promise<{ y: Float32Array; grads: Float32Array[]; kernels: string[] }> => {
      const kernels: string[] = [];
      const y = tidy(() => {
        const out: Tensor[] = [];
        kernels.push(...recordKernels(rt, () => out.push(block())));
        const loss = sum(E.mul(out[0]!, wgt));
        kernels.push(...recordKernels(rt, () => backward(loss)));
        return out[0]!;
      });
      const grads = await Promise.all([x, ...mha.parameters()].map((p) => p.grad!.read()));
      for (const p of [x, ...mha.parameters()]) { p.grad!.dispose(); p.grad = null; }
      const data = await y.read();
      y.dispose();
      return { y: data, grads, kernels };
    };
    const fused = await run(() => mha.forwardResidual(x));
    const composed = await run(() => E.add(x, mha.forward(x)));
    expect(Array.from(fused.y)).toEqual(Array.from(composed.y));
    fused.grads.forEach((g, i) => expect(allClose(g, composed.grads[i]!, 1e-6, 1e-5), `gradient ${i}`).toMatchObject({ ok: true }));
    // The composed block: 1 add forward and 1 backward (the residual's gradient and the projections' meet at x, past
    // a reshape); the projections' three input gradients are summed in their GEMMs in both.
    const adds = (k: string[]) => k.filter((n) => n === 'binary').length;
    expect(adds(composed.kernels) - adds(fused.kernels)).toBe(2);
    for (const t of [x, wgt]) t.dispose();
    mha.dispose();
  });
});
