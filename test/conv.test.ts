import { describe, expect, it } from 'vitest';
import { fromArray } from '../src/ops/elementwise.js';
import { conv2d, conv2dBackwardData, conv2dBackwardFilter, conv2dGeometry, type Conv2dOptions } from '../src/ops/conv.js';
import { REG_GEMM, SG_GEMM, setConvConfig, subgroupBlock, type ConvConfig } from '../src/ops/gemm-config.js';
import type { Activation } from '../src/ops/matmul.js';
import { cpuConv2d, cpuConv2dBackwardData, cpuConv2dBackwardFilter, cpuConvOutSize, type CpuConvOptions } from '../src/ops/cpu/conv.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { tidy } from '../src/tensor/scope.js';
import { allClose, getRuntime, randomData } from './helpers.js';

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const two = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
const cpuOpts = (o: Conv2dOptions, bias?: ArrayLike<number>): CpuConvOptions => ({
  stride: two(o.stride, 1), padding: two(o.padding, 0), dilation: two(o.dilation, 1), activation: o.activation, alpha: o.alpha, bias,
});

interface Case { name: string; x: number[]; w: number[]; o: Conv2dOptions }
// Scaled-down versions of the shapes the models use, plus odd geometry.
const CASES: Case[] = [
  { name: 'CNN-F/AlexNet conv1 11×11 stride 4', x: [2, 3, 39, 39], w: [5, 3, 11, 11], o: { stride: 4, activation: 'relu' } },
  { name: 'conv2 5×5 pad 2', x: [1, 4, 13, 13], w: [9, 4, 5, 5], o: { padding: 2, activation: 'relu' } },
  { name: '3×3 pad 1, batch 2', x: [2, 17, 9, 7], w: [17, 17, 3, 3], o: { padding: 1 } },
  { name: '1×1', x: [3, 17, 5, 5], w: [3, 17, 1, 1], o: { activation: 'sigmoid' } },
  { name: '7×7 on 2 channels (spatial attention)', x: [2, 2, 11, 11], w: [1, 2, 7, 7], o: { padding: 3, activation: 'sigmoid' } },
  { name: 'dilation 2, stride [2,1], padding [1,2]', x: [1, 3, 12, 10], w: [4, 3, 3, 2], o: { stride: [2, 1], padding: [1, 2], dilation: 2, activation: 'tanh' } },
  { name: 'stride [3,2], padding [2,1], 4×3 kernel (strided backward data via col2im)', x: [2, 3, 14, 11], w: [5, 3, 4, 3], o: { stride: [3, 2], padding: [2, 1], activation: 'relu' } },
  { name: 'a ≥1023 dimension (1×1 over 1030 pixels)', x: [1, 2, 1, 1030], w: [3, 2, 1, 1], o: {} },
  { name: 'single pixel, single channel', x: [1, 1, 1, 1], w: [1, 1, 1, 1], o: { activation: 'scaledTanh', alpha: 0.5 } },
];

const configs: [string, ConvConfig][] = [['register-blocked with subgroups', SG_GEMM], ['register-blocked (no subgroups)', REG_GEMM]];

for (const [cname, cfg] of configs) {
  describe(`conv2d ${cname} vs float64 CPU reference`, () => {
    const withCfg = async (fn: () => Promise<void>) => {
      const rt = await getRuntime();
      if (cfg.kind === 'sg' && subgroupBlock(rt) !== cfg.SGK) return; // adapter without 8-wide subgroups
      setConvConfig(rt, cfg);
      try { await fn(); } finally { setConvConfig(rt, null); }
    };
    for (const c of CASES) {
      it(`forward, backward data and backward filter: ${c.name}`, () => withCfg(async () => {
        const rt = await getRuntime();
        const seed = c.name.length * 17;
        const x = randomData(size(c.x), seed, -1, 1), w = randomData(size(c.w), seed + 1, -1, 1), bias = randomData(c.w[0]!, seed + 2, -1, 1);
        const [OH, OW] = cpuConvOutSize(c.x, c.w, cpuOpts(c.o));
        const yShape = [c.x[0]!, c.w[0]!, OH, OW];
        const dy = randomData(size(yShape), seed + 3, -1, 1);
        const f = (a: Float64Array) => Float32Array.from(a);
        const [y, dx, dw] = tidy(() => {
          const xt = fromArray(rt, x, c.x), wt = fromArray(rt, w, c.w), dyt = fromArray(rt, dy, yShape);
          const g = conv2dGeometry(c.x, c.w, c.o);
          return [conv2d(xt, wt, { ...c.o, bias: fromArray(rt, bias, [c.w[0]!]) }), conv2dBackwardData(dyt, wt, g), conv2dBackwardFilter(dyt, xt, g)];
        });
        expect(y!.shape).toEqual(yShape);
        const K = c.x[1]! * c.w[2]! * c.w[3]!;
        const checks: [string, Float32Array | Int32Array | Uint32Array, Float64Array, number][] = [
          ['forward', await y!.read(), cpuConv2d(f(x), c.x, f(w), c.w, cpuOpts(c.o, f(bias))), K],
          ['backward data', await dx!.read(), cpuConv2dBackwardData(f(dy), c.x, f(w), c.w, cpuOpts(c.o)), c.w[0]! * c.w[2]! * c.w[3]!],
          ['backward filter', await dw!.read(), cpuConv2dBackwardFilter(f(dy), f(x), c.x, c.w, cpuOpts(c.o)), c.x[0]! * OH * OW],
        ];
        for (const [what, got, want, k] of checks) {
          const r = allClose(got, want, 2e-6 * Math.sqrt(k) + 1e-5, 1e-4);
          expect(r, `${c.name} ${what}: worst ${r.index} got ${got[r.index]} want ${want[r.index]}`).toMatchObject({ ok: true });
        }
        for (const t of [y!, dx!, dw!]) t.dispose();
      }));
    }
    it('every epilogue', () => withCfg(async () => {
      const rt = await getRuntime();
      const xs = [2, 3, 6, 5], ws = [4, 3, 3, 3];
      const x = randomData(size(xs), 5, -1, 1), w = randomData(size(ws), 6, -1, 1), bias = randomData(4, 7, -1, 1);
      for (const act of ['none', 'relu', 'tanh', 'sigmoid', 'scaledTanh'] as Activation[]) for (const withBias of [false, true]) {
        const o: Conv2dOptions = { padding: 1, activation: act, alpha: 0.8 };
        const got = await tidy(() => conv2d(fromArray(rt, x, xs), fromArray(rt, w, ws), { ...o, bias: withBias ? fromArray(rt, bias, [4]) : undefined })).read();
        const want = cpuConv2d(Float32Array.from(x), xs, Float32Array.from(w), ws, cpuOpts(o, withBias ? Float32Array.from(bias) : undefined));
        const r = allClose(got, want, 1e-5, 1e-4);
        expect(r, `${act} bias=${withBias}`).toMatchObject({ ok: true });
      }
    }));
  });
}

describe('conv2d validation', () => {
  it('names the shapes on mismatches', async () => {
    const rt = await getRuntime();
    const x = fromArray(rt, randomData(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]);
    expect(() => conv2d(x, fromArray(rt, randomData(4 * 2 * 9, 2), [4, 2, 3, 3]))).toThrow(/x \[2, 3, 5, 5\] has 3 channels but w \[4, 2, 3, 3\] expects 2/);
    expect(() => conv2d(x, fromArray(rt, randomData(4 * 3 * 49, 2), [4, 3, 7, 7]))).toThrow(/does not fit x \[2, 3, 5, 5\]/);
    expect(() => conv2d(x, fromArray(rt, randomData(4 * 27, 2), [4, 3, 3, 3]), { bias: fromArray(rt, [1, 2], [2]) })).toThrow(/bias \[2\] must have shape \[4\]/);
    expect(() => conv2d(x, fromArray(rt, randomData(4 * 27, 2), [4, 3, 3, 3]), { stride: 0 })).toThrow(/stride/);
    expect(() => conv2d(x.view([6, 5, 5]), fromArray(rt, randomData(4 * 27, 2), [4, 3, 3, 3]))).toThrow(/x must have rank 4/);
  });
});

describe('conv2d gradients (finite differences)', () => {
  const G: Case[] = [
    { name: '3×3 pad 1 + bias + tanh', x: [2, 2, 5, 4], w: [3, 2, 3, 3], o: { padding: 1, activation: 'tanh' } },
    { name: '3×3 stride 2 dilation 2 + sigmoid', x: [1, 2, 9, 8], w: [2, 2, 3, 3], o: { stride: 2, dilation: 2, padding: [1, 0], activation: 'sigmoid' } },
    { name: '5×5 stride 3 + relu', x: [2, 1, 11, 10], w: [2, 1, 5, 5], o: { stride: 3, padding: 2, activation: 'relu' } },
    { name: '1×1 + scaledTanh', x: [2, 3, 3, 3], w: [2, 3, 1, 1], o: { activation: 'scaledTanh', alpha: 0.7 } },
  ];
  for (const c of G) {
    it(`gradcheck ${c.name}`, async () => {
      const rt = await getRuntime();
      const O = c.w[0]!;
      const r = await gradcheck({
        rt,
        inputs: [{ shape: c.x, data: randomData(size(c.x), 51, -1, 1) }, { shape: c.w, data: randomData(size(c.w), 52, -1, 1) }, { shape: [O], data: randomData(O, 53, -1, 1) }],
        gpu: (x, w, b) => conv2d(x, w, { ...c.o, bias: b }),
        cpu: (x, w, b) => cpuConv2d(x, c.x, w, c.w, cpuOpts(c.o, b)),
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }
});
