import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import * as R from '../src/ops/reduce.js';
import { logSoftmax } from '../src/ops/softmax.js';
import { Conv2d, Dropout, Flatten, Linear, LocalResponseNorm, MaxPool2d, MultiHeadAttention, ReLU, Sequential, Tanh } from '../src/nn/index.js';
import type { Module } from '../src/nn/module.js';
import { Adam } from '../src/optim/adam.js';
import { SGD } from '../src/optim/sgd.js';
import { cpuMultiHeadAttention, type CpuAttentionWeights } from '../src/ops/cpu/attention.js';
import { cpu } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward } from '../src/autograd/tape.js';
import { liveTensorCount, tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { Rng } from '../src/util/rng.js';
import { allClose, getRuntime, randomData } from './helpers.js';

async function attnWeights(m: MultiHeadAttention): Promise<CpuAttentionWeights> {
  const sd = await m.stateDict();
  const get = (p: string) => ({ w: sd[`${p}.weight`]!.data, b: sd[`${p}.bias`]?.data ?? null });
  return { q: get('q'), k: get('k'), v: get('v'), o: get('o') };
}

/** Mean cross-entropy of logits [N, C] against one-hot targets [N, C]. */
function crossEntropy(logits: Tensor, onehot: Tensor): Tensor {
  return E.neg(R.mean(R.sum(E.mul(logSoftmax(logits), onehot), 1)));
}

function oneHot(rt: Runtime, labels: number[], c: number): Tensor {
  const d = new Float32Array(labels.length * c);
  labels.forEach((l, i) => (d[i * c + l] = 1));
  return E.fromArray(rt, d, [labels.length, c]);
}

/** Full-batch training steps with cross-entropy; reads back only the first and last loss. */
async function trainSteps(net: Module, opt: { step(): void; zeroGrad(): void }, x: Tensor, y: Tensor, steps: number): Promise<[number, number]> {
  const kept: Tensor[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      const l = crossEntropy(net.forward(x), y);
      backward(l);
      return l;
    });
    opt.step();
    opt.zeroGrad();
    if (step === 0 || step === steps - 1) kept.push(loss);
    else loss.dispose();
  }
  const [first, last] = await Promise.all(kept.map((l) => l.item()));
  kept.forEach((l) => l.dispose());
  return [first!, last!];
}

describe('nn modules', () => {
  it('names parameters with stable dotted names and keeps them out of scopes', async () => {
    const rt = await getRuntime();
    const rng = new Rng(1);
    const net = tidy(() => new Sequential(new Linear(rt, 4, 8, { rng, activation: 'relu' }), new Dropout(0.5, { rng }), new Linear(rt, 8, 2, { rng, bias: false }), new Tanh()));
    expect(net.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['0.weight', [4, 8]], ['0.bias', [8]], ['2.weight', [8, 2]]]);
    expect(net.parameters().every((t) => !t.isDisposed && t.requiresGrad)).toBe(true);
    const mha = new MultiHeadAttention(rt, 8, 2, { rng });
    expect(mha.namedParameters().map(([n]) => n)).toEqual(['q.weight', 'q.bias', 'k.weight', 'k.bias', 'v.weight', 'v.bias', 'o.weight', 'o.bias']);
    net.eval();
    expect((net.layers[1] as Dropout).training).toBe(false);
    net.train();
    expect(net.layers.every((m: Module) => m.training)).toBe(true);
    const params = net.parameters();
    net.dispose();
    mha.dispose();
    expect(params.every((t) => t.isDisposed)).toBe(true);
  });

  it('Linear init is reproducible from the seed and within ±1/√in', async () => {
    const rt = await getRuntime();
    const a = await new Linear(rt, 50, 7, { rng: new Rng(42) }).stateDict();
    const b = await new Linear(rt, 50, 7, { rng: new Rng(42) }).stateDict();
    const c = await new Linear(rt, 50, 7, { rng: new Rng(43) }).stateDict();
    expect(Array.from(a.weight!.data)).toEqual(Array.from(b.weight!.data));
    expect(Array.from(a.weight!.data)).not.toEqual(Array.from(c.weight!.data));
    const bound = 1 / Math.sqrt(50);
    expect(a.weight!.data.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(Math.max(...a.weight!.data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(() => new Linear(rt, 0, 3, { rng: new Rng(1) })).toThrow(/inFeatures must be a positive integer/);
    expect(() => new Linear(rt, 2, 3, {} as never)).toThrow(/rng must be a seeded Rng/);
  });

  it('stateDict/loadStateDict round-trip and shape errors', async () => {
    const rt = await getRuntime();
    const m1 = new Sequential(new Linear(rt, 3, 5, { rng: new Rng(1) }), new ReLU(), new Linear(rt, 5, 2, { rng: new Rng(2) }));
    const m2 = new Sequential(new Linear(rt, 3, 5, { rng: new Rng(3) }), new ReLU(), new Linear(rt, 5, 2, { rng: new Rng(4) }));
    const sd = await m1.stateDict();
    m2.loadStateDict(sd);
    const x = E.fromArray(rt, randomData(6, 5), [2, 3]);
    expect(Array.from(await m2.forward(x).read())).toEqual(Array.from(await m1.forward(x).read()));
    expect(() => m2.loadStateDict({ ...sd, '0.weight': { shape: [5, 3], data: sd['0.weight']!.data } })).toThrow(/0.weight has shape \[5, 3\].*\[3, 5\]/);
    expect(() => m2.loadStateDict({ '0.weight': sd['0.weight']! })).toThrow(/missing parameters \[0.bias, 2.weight, 2.bias\]/);
  });

  it('Dropout draws a fresh reproducible mask per call and is the identity in eval mode', async () => {
    const rt = await getRuntime();
    const x = E.fromArray(rt, randomData(1000, 1, 1, 2), [10, 100]);
    const d1 = new Dropout(0.5, { rng: new Rng(5) }), d2 = new Dropout(0.5, { rng: new Rng(5) });
    const a1 = await d1.forward(x).read(), a2 = await d1.forward(x).read();
    const b1 = await d2.forward(x).read();
    expect(Array.from(a1)).toEqual(Array.from(b1));
    expect(Array.from(a1)).not.toEqual(Array.from(a2));
    d1.eval();
    expect(d1.forward(x)).toBe(x);
  });

  it('MultiHeadAttention matches the float64 reference (with and without masks)', async () => {
    const rt = await getRuntime();
    for (const [B, T, d, H] of [[2, 5, 8, 2], [1, 17, 16, 4], [3, 1, 4, 1]] as const) {
      const mha = new MultiHeadAttention(rt, d, H, { rng: new Rng(B * 100 + T) });
      const xd = randomData(B * T * d, T, -1, 1).map(Math.fround);
      const w = await attnWeights(mha);
      const causal = Float64Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0));
      for (const mask of [undefined, cpu(causal, [T, T])]) {
        const y = mha.forward(E.fromArray(rt, xd, [B, T, d]), mask ? E.fromArray(rt, mask.data, mask.shape) : undefined);
        expect(y.shape).toEqual([B, T, d]);
        const want = cpuMultiHeadAttention(cpu(xd, [B, T, d]), w, H, mask).data;
        const r = allClose(await y.read(), want, 1e-5, 1e-4);
        expect(r, `B${B} T${T} d${d} H${H} mask ${!!mask}`).toMatchObject({ ok: true });
      }
      mha.dispose();
    }
    const mha = new MultiHeadAttention(rt, 8, 2, { rng: new Rng(1) });
    expect(() => mha.forward(E.fromArray(rt, randomData(12, 1), [1, 2, 6]))).toThrow(/x must be \[B, T, 8\], got \[1, 2, 6\]/);
    expect(() => new MultiHeadAttention(rt, 10, 3, { rng: new Rng(1) })).toThrow(/not divisible/);
  });

  it('gradcheck MultiHeadAttention with respect to its input', async () => {
    const rt = await getRuntime();
    const [B, T, d, H] = [2, 3, 4, 2];
    const mha = new MultiHeadAttention(rt, d, H, { rng: new Rng(9) });
    const w = await attnWeights(mha);
    const r = await gradcheck({
      rt,
      inputs: [{ shape: [B, T, d], data: randomData(B * T * d, 4, -1, 1) }],
      gpu: (x) => mha.forward(x),
      cpu: (x) => cpuMultiHeadAttention(cpu(x, [B, T, d]), w, H).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    mha.dispose();
  });
});

describe('learning', () => {
  it('a two-layer MLP learns a 3-class toy task (loss < 0.3 × initial)', async () => {
    const rt = await getRuntime();
    const rng = new Rng(2024);
    // Three Gaussian blobs in 2-D.
    const N = 96, centers = [[-2, 0], [2, 0], [0, 2.5]];
    const labels = Array.from({ length: N }, (_, i) => i % 3);
    const xs = new Float32Array(N * 2);
    labels.forEach((l, i) => {
      xs[2 * i] = centers[l]![0]! + 0.6 * rng.normal();
      xs[2 * i + 1] = centers[l]![1]! + 0.6 * rng.normal();
    });
    const x = E.fromArray(rt, xs, [N, 2]);
    const y = oneHot(rt, labels, 3);
    const net = new Sequential(new Linear(rt, 2, 16, { rng, activation: 'relu' }), new Linear(rt, 16, 3, { rng }));
    const before = liveTensorCount();
    const opt = new Adam(net.namedParameters(), { lr: 0.05 });
    // The optimiser's arena views: a gradient slot and 2 moments per parameter, made at construction.
    expect(liveTensorCount() - before).toBe(3 * net.parameters().length);
    const live = liveTensorCount();
    const [first, last] = await trainSteps(net, opt, x, y, 60);
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(0.3 * first);
    // No per-step leak.
    expect(liveTensorCount() - live).toBe(0);
    opt.dispose();
    net.dispose();
  });

  it('a small CNN (conv, ReLU, LRN, max pool, dropout, linear) learns horizontal vs vertical bars', async () => {
    const rt = await getRuntime();
    const rng = new Rng(7);
    const N = 32, S = 8;
    const labels = Array.from({ length: N }, (_, i) => i % 2);
    const img = new Float32Array(N * S * S);
    labels.forEach((l, n) => {
      const at = 1 + rng.int(S - 2);
      for (let k = 0; k < S * S; k++) img[n * S * S + k] = 0.3 * rng.normal();
      for (let t = 0; t < S; t++) img[n * S * S + (l === 0 ? at * S + t : t * S + at)] += 1.5;
    });
    const x = E.fromArray(rt, img, [N, 1, S, S]);
    const y = oneHot(rt, labels, 2);
    const net = new Sequential(
      new Conv2d(rt, 1, 6, 3, { rng, padding: 1, activation: 'relu' }),
      new LocalResponseNorm({ size: 3, alpha: 1e-2, beta: 0.75, k: 2 }),
      new MaxPool2d({ kernel: 2 }),
      new Flatten(),
      new Dropout(0.1, { rng }),
      new Linear(rt, 6 * 4 * 4, 2, { rng }),
    );
    const opt = new SGD(net.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
    const [first, last] = await trainSteps(net, opt, x, y, 50);
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(0.3 * first);
    // Eval mode: deterministic and accurate on the training images.
    net.eval();
    const logits = await net.forward(x).read();
    const correct = labels.filter((l, i) => (logits[2 * i + l]! > logits[2 * i + 1 - l]! ? 1 : 0)).length;
    expect(correct).toBeGreaterThanOrEqual(N - 2);
    opt.dispose();
    net.dispose();
  });
});
