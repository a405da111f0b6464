/**
 * Supervised models (DCMH, SSAH, HFAH, UDSPH): loss terms against float64 values, optimiser isolation
 * (discriminator / generator steps), and a short training run on the embedded Wikipedia set.
 */
import { describe, expect, it } from 'vitest';
import { allClose, getRuntime, randomData } from './helpers.js';
import { fromArray } from '../src/ops/elementwise.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/util/rng.js';
import { mse, pairwiseNll, weightedSum } from '../src/models/common/losses.js';
import { Discriminator, adversarialPair, bceWithLogits, discriminatorLoss, discriminatorLossReusing, generatorLoss } from '../src/models/common/adversarial.js';
import { backward, requireGrad } from '../src/autograd/tape.js';
import { mulScalar } from '../src/ops/elementwise.js';
import { crossAttentionLoss } from '../src/models/common/cross-attention.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { labelSimilarity } from '../src/models/common/label-similarity.js';
import { backwardStoppedAt, detach, replaceRows } from '../src/models/common/no-grad.js';
import { MultiScaleFusion, effectiveWidths, upsampleMatrix } from '../src/models/common/text-fusion.js';
import { createModel } from '../src/models/registry.js';
import type { HashModel } from '../src/models/types.js';
import { LabelGuidedModel } from '../src/models/common/label-guided.js';
import { DcmhModel } from '../src/models/dcmh/model.js';
import { loadDataset } from '../src/data/node/load.js';
import { train, trainingSetView } from '../src/train/loop.js';
import { evaluateCrossModal } from '../src/train/evaluate.js';
import { makeBatch } from '../src/data/batcher.js';

const rt = await getRuntime();
const f64 = (t: Tensor): Promise<Float64Array> => t.read().then((a) => Float64Array.from(a as Float32Array));
const t2 = (d: ArrayLike<number>, r: number, c: number): Tensor => fromArray(rt, Float32Array.from(d), [r, c], 'f32');
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const dot = (a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, k: number): number => {
  let s = 0;
  for (let t = 0; t < k; t++) s += a[ai * k + t]! * b[bi * k + t]!;
  return s;
};
async function scalar(t: Tensor): Promise<number> {
  const v = (await t.read())[0]!;
  t.dispose();
  return v;
}
/** Multi-hot labels with at least one label per row. */
function labels(m: number, c: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const out = new Float64Array(m * c);
  for (let i = 0; i < m; i++) {
    out[i * c + Math.floor(r.uniform(0, c))] = 1;
    if (r.uniform(0, 1) < 0.3) out[i * c + Math.floor(r.uniform(0, c))] = 1;
  }
  return out;
}

describe('supervised loss terms vs float64', () => {
  const m = 5, n = 7, k = 4, c = 3;
  const La = labels(m, c, 1), Lb = labels(n, c, 2);
  const A = randomData(m * k, 3), Bm = randomData(n * k, 4);

  it('weightedSum of scalar terms: value and gradients (weights 1, 0.3, −2; a term without a gradient)', async () => {
    const v = [0.7, -1.9, 2.5, 4.25], w = [1, 0.3, -2, 1];
    const ts = v.map((x, i) => {
      const t = fromArray(rt, [x], [], 'f32');
      return i === 2 ? t : requireGrad(t);
    });
    const got = await scalar(tidy(() => {
      const y = weightedSum(ts.map((t, i) => [t, w[i]!] as const));
      backward(mulScalar(y, 3));
      return y;
    }));
    expect(got).toBeCloseTo(v.reduce((a, x, i) => a + w[i]! * x, 0), 5);
    for (const [i, t] of ts.entries()) {
      if (i === 2) expect(t.grad).toBeNull();
      else expect((await t.grad!.read())[0]).toBeCloseTo(3 * w[i]!, 6);
      t.dispose();
    }
    expect(await scalar(tidy(() => weightedSum([[fromArray(rt, [2], [], 'f32'), 0.5]])))).toBeCloseTo(1, 6);
    expect(() => weightedSum([])).toThrow(/weightedSum: no terms/);
  });

  it('label similarity is 1 exactly when two rows share a label', async () => {
    const S = await tidy(() => labelSimilarity(t2(La, m, c), t2(Lb, n, c))).read();
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(S[i * n + j]).toBe(dot(La, i, Lb, j, c) > 0 ? 1 : 0);
  });

  it('pairwise NLL(S, ½ABᵀ) and mean squared error', async () => {
    let nll = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const th = 0.5 * dot(A, i, Bm, j, k), s = dot(La, i, Lb, j, c) > 0 ? 1 : 0;
      nll += softplus(th) - s * th;
    }
    const got = await scalar(tidy(() => pairwiseNll(labelSimilarity(t2(La, m, c), t2(Lb, n, c)), t2(A, m, k), t2(Bm, n, k))));
    expect(got).toBeCloseTo(nll / (m * n), 5);
    const B2 = randomData(m * k, 5);
    let se = 0;
    for (let i = 0; i < m * k; i++) se += (A[i]! - B2[i]!) ** 2;
    expect(await scalar(tidy(() => mse(t2(A, m, k), t2(B2, m, k))))).toBeCloseTo(se / (m * k), 5);
  });

  it('binary cross-entropy with logits and the discriminator loss', async () => {
    const z = randomData(6, 6, -4, 4);
    const want1 = z.reduce((s, v) => s + softplus(-v), 0) / 6, want0 = z.reduce((s, v) => s + softplus(v), 0) / 6;
    expect(await scalar(tidy(() => bceWithLogits(t2(z, 6, 1), 1)))).toBeCloseTo(want1, 5);
    expect(await scalar(tidy(() => bceWithLogits(t2(z, 6, 1), 0)))).toBeCloseTo(want0, 5);
    // Discriminator in → 5 → ReLU → 3 → ReLU → 1, evaluated by hand from its weights.
    const d = new Discriminator(rt, k, new Rng(7), [5, 3]);
    const sd = await d.stateDict();
    const lin = (x: number[], w: string, relu: boolean): number[] => {
      const W = sd[`${w}.weight`]!, b = sd[`${w}.bias`]!.data, [inD, outD] = W.shape as [number, number];
      return Array.from({ length: outD }, (_, o) => {
        let s = b[o]!;
        for (let i = 0; i < inD; i++) s += x[i]! * W.data[i * outD + o]!;
        return relu ? Math.max(0, s) : s;
      });
    };
    const logit = (x: number[]): number => lin(lin(lin(x, 'fc1', true), 'fc2', true), 'out', false)[0]!;
    const real = randomData(m * k, 8), fake = randomData(m * k, 9);
    let want = 0;
    for (let i = 0; i < m; i++) {
      want += softplus(-logit(Array.from(real.subarray(i * k, i * k + k)))) / m;
      want += softplus(logit(Array.from(fake.subarray(i * k, i * k + k)))) / m;
    }
    expect(await scalar(tidy(() => discriminatorLoss(d, t2(real, m, k), t2(fake, m, k))))).toBeCloseTo(want, 5);
    d.dispose();
  });

  it('the discriminator phase reusing the generator phase\'s D(fake): D\'s gradients as from D(detach(fake)) afresh, none past the fake', async () => {
    const d = new Discriminator(rt, k, new Rng(8), [9, 6]);
    const gen = requireGrad(t2(randomData(m * k, 30), m, k)); // stands for the generator's parameters
    const real = t2(randomData(m * k, 31), m, k);
    const params = d.parameters();
    const grads = async (reuse: boolean): Promise<{ d: Float64Array[]; loss: number; genGrad: boolean }> => {
      const loss = tidy(() => {
        const fake = mulScalar(gen, 1.5); // a generator output: its graph leads to `gen`
        if (!reuse) {
          const l = discriminatorLoss(d, detach(real), detach(fake));
          backward(l);
          return l;
        }
        const p = adversarialPair(d, real, fake);
        // The generator phase first: its backward with D frozen, as in LabelGuidedModel.stepTensors.
        for (const q of params) q.requiresGrad = false;
        backward(generatorLoss(p));
        for (const q of params) q.requiresGrad = true;
        gen.grad?.dispose();
        gen.grad = null;
        const l = discriminatorLossReusing(p);
        backwardStoppedAt(l, [fake]);
        expect(fake.requiresGrad).toBe(true);
        return l;
      });
      const out = { d: await Promise.all(params.map((q) => f64(q.grad!))), loss: await scalar(loss), genGrad: gen.grad !== null };
      for (const q of params) {
        q.grad?.dispose();
        q.grad = null;
      }
      return out;
    };
    const fresh = await grads(false), reused = await grads(true);
    expect(reused.loss).toBe(fresh.loss);
    expect(reused.genGrad).toBe(false);
    expect(fresh.d.length).toBe(6);
    fresh.d.forEach((g, i) => expect(allClose(reused.d[i]!, g, 0, 0).ok, `parameter ${i}`).toBe(true));
    gen.dispose();
    d.dispose();
  });

  /** Float64 reference of crossAttentionLoss: mean over items and query tokens of 1 − cos(q, Σ_b softmax_b(λ·cos(q, c_b)) c_b). */
  const crossAttentionCpu = (Q: ArrayLike<number>, C: ArrayLike<number>, rows: number, r: number, T: number, lambda: number): number => {
    const d = r * T;
    const unit = (v: number[]): number[] => { const s = Math.hypot(...v); return v.map((e) => e / s); };
    let want = 0;
    for (let i = 0; i < rows; i++) {
      const tok = (X: ArrayLike<number>, t: number): number[] => Array.from({ length: r }, (_, j) => X[i * d + t * r + j]!);
      for (let a = 0; a < T; a++) {
        const q = unit(tok(Q, a));
        const sc = Array.from({ length: T }, (_, b) => lambda * unit(tok(C, b)).reduce((s, v, j) => s + v * q[j]!, 0));
        const mx = Math.max(...sc), e = sc.map((v) => Math.exp(v - mx)), z = e.reduce((s, v) => s + v, 0);
        const ctx = Array.from({ length: r }, (_, j) => e.reduce((s, w, b) => s + (w / z) * tok(C, b)[j]!, 0));
        want += 1 - unit(ctx).reduce((s, v, j) => s + v * q[j]!, 0);
      }
    }
    return want / (rows * T);
  };

  it('cross-modal attention loss (softmax(λ·cos) context, 1 − cos)', async () => {
    const r = 3, T = 2, d = r * T, lambda = 9;
    const Q = randomData(m * d, 10), C = randomData(m * d, 11);
    expect(await scalar(tidy(() => crossAttentionLoss(t2(Q, m, d), t2(C, m, d), r, lambda)))).toBeCloseTo(crossAttentionCpu(Q, C, m, r, T, lambda), 5);
  });

  // UDSPH's collapse (issue 12, seed 3) was traced to this term's weight, not to its gradient: the composite
  // (l2Normalize, batched matmul, scaled softmax, reshapes) is checked against finite differences of the float64
  // reference, to the query and to the context features, at λ = 9 and at a small λ (odd token counts).
  for (const [r, T, lambda] of [[3, 2, 9], [4, 3, 1]] as const) {
    it(`cross-modal attention loss: gradients to both inputs by finite differences (token ${r}, ${T} tokens, λ ${lambda})`, async () => {
      const d = r * T;
      const res = await gradcheck({
        rt,
        inputs: [{ shape: [m, d], data: randomData(m * d, 20 + r) }, { shape: [m, d], data: randomData(m * d, 30 + r) }],
        gpu: (q, c) => crossAttentionLoss(q, c, r, lambda),
        cpu: (q, c) => [crossAttentionCpu(q, c, m, r, T, lambda)],
      });
      expect(res, JSON.stringify(res.worst)).toMatchObject({ ok: true });
    });
  }

  it('DCMH terms: NLL over batch × all items, quantisation and balance with the batch rows swapped in', async () => {
    const cfg = { bits: 8, seed: 1, dims: { imageDim: 3, textDim: 2, numLabels: c }, config: { hidden: 8 } };
    const model = new DcmhModel(rt, cfg);
    const kk = 8, idx = [4, 1];
    const F = randomData(n * kk, 12), G = randomData(n * kk, 13), out = randomData(2 * kk, 14);
    const Bb = randomData(2 * kk, 15).map(Math.sign);
    const Lq = Float64Array.from([...Lb.subarray(4 * c, 5 * c), ...Lb.subarray(1 * c, 2 * c)]);
    const got = await tidy(() => {
      const r = model.lossTerms(labelSimilarity(t2(Lq, 2, c), t2(Lb, n, c)), t2(out, 2, kk), t2(G, n, kk), t2(F, n, kk), t2(Bb, 2, kk), fromArray(rt, Uint32Array.from(idx), [2], 'u32'));
      return [r.nll, r.quant, r.balance, r.total];
    });
    const [nll, quant, bal, total] = await Promise.all(got.map(scalar));
    let wn = 0, wq = 0, wb = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < n; j++) {
      const th = 0.5 * dot(out, i, G, j, kk), s = dot(Lq, i, Lb, j, c) > 0 ? 1 : 0;
      wn += softplus(th) - s * th;
    }
    for (let e = 0; e < 2 * kk; e++) wq += (Bb[e]! - out[e]!) ** 2;
    for (let b = 0; b < kk; b++) {
      let col = 0;
      for (let j = 0; j < n; j++) if (!idx.includes(j)) col += F[j * kk + b]!;
      for (let i = 0; i < 2; i++) col += out[i * kk + b]!;
      wb += col * col;
    }
    expect(nll).toBeCloseTo(wn / (2 * n), 5);
    expect(quant).toBeCloseTo(wq / (2 * n), 5);
    expect(bal).toBeCloseTo(wb / (2 * n), 4);
    expect(total).toBeCloseTo(nll + model.cfg.gamma * quant + model.cfg.eta * bal, 4);
    model.dispose();
  });

  it('replaceRows swaps exactly the indexed rows', async () => {
    const X = randomData(n * 3, 16), V = randomData(2 * 3, 17);
    const got = await tidy(() => replaceRows(t2(X, n, 3), fromArray(rt, Uint32Array.from([5, 0]), [2], 'u32'), t2(V, 2, 3))).read();
    const want = Float64Array.from(X);
    want.set(V.subarray(0, 3), 15);
    want.set(V.subarray(3, 6), 0);
    expect(allClose(got, want, 1e-6, 1e-6).ok).toBe(true);
    // The batch's host indices are checked: a repeated row or one out of range is an error naming the entries.
    const idx = fromArray(rt, Uint32Array.from([5, 0]), [2], 'u32');
    expect(() => replaceRows(t2(X, n, 3), idx, t2(V, 2, 3), [5, 5])).toThrow(/replaceRows: index\[0\] and index\[1\] are both 5/);
    expect(() => replaceRows(t2(X, n, 3), idx, t2(V, 2, 3), [5, n])).toThrow(new RegExp(`replaceRows: index\\[1\\] = ${n} is out of range`));
    expect(() => replaceRows(t2(X, n, 3), idx, t2(V, 2, 3), [5])).toThrow(/replaceRows: hostIndex has 1 entries/);
  });
});

describe('multi-scale BoW fusion', () => {
  it('clamps widths larger than the input and drops duplicates', () => {
    expect(effectiveWidths([50, 30, 15, 10, 5], 10)).toEqual([10, 5]);
    expect(effectiveWidths([50, 30, 15, 10, 5], 1386)).toEqual([50, 30, 15, 10, 5]);
    expect(() => effectiveWidths([0], 10)).toThrow(/positive integers/);
  });

  it('pool → 1×1 conv + ReLU → linear upsample → concat matches float64', async () => {
    const d = 11, m = 3;
    const fusion = new MultiScaleFusion(rt, d, [4, 3, 50], new Rng(3));
    expect(fusion.widths).toEqual([4, 3, 11]);
    const sd = await fusion.stateDict();
    const x = randomData(m * d, 18, 0, 1);
    const got = await tidy(() => fusion.forward(t2(x, m, d))).read();
    const want: number[] = [];
    for (let i = 0; i < m; i++) {
      const row = Array.from(x.subarray(i * d, i * d + d));
      const parts = [row];
      for (const s of fusion.widths) {
        const L = Math.floor(d / s);
        const w = sd[`conv${s}.weight`]!.data[0]!, b = sd[`conv${s}.bias`]!.data[0]!;
        const pooled = Array.from({ length: L }, (_, p) => row.slice(p * s, p * s + s).reduce((a, v) => a + v, 0) / s);
        const conv = pooled.map((v) => Math.max(0, w * v + b));
        const U = upsampleMatrix(L, d);
        parts.push(Array.from({ length: d }, (_, j) => conv.reduce((a, v, p) => a + v * U[p * d + j]!, 0)));
      }
      want.push(...parts.flat());
    }
    expect(got.length).toBe(m * 4 * d);
    const r = allClose(got, want, 1e-5, 1e-4);
    expect(r.ok, `max err ${r.maxErr} at ${r.index}`).toBe(true);
    // Upsampling a constant gives the constant (rows of U sum per column to 1).
    const U = upsampleMatrix(3, 7);
    for (let j = 0; j < 7; j++) expect(U[j]! + U[7 + j]! + U[14 + j]!).toBeCloseTo(1, 6);
    fusion.dispose();
  });
});

describe('adversarial steps update only their own parameters', () => {
  async function snapshot(model: HashModel): Promise<Map<string, Float32Array>> {
    const named = [...model.namedParameters()];
    const bufs = await rt.readMany(named.map(([, t]) => ({ buffer: t.buffer, bytes: t.byteLength })));
    return new Map(named.map(([nm], i) => [nm, new Float32Array(bufs[i]!)]));
  }
  const changed = (a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] =>
    [...a.keys()].filter((k) => a.get(k)!.some((v, i) => v !== b.get(k)![i]));

  // The adversarial machinery itself, switched on explicitly (SSAH's selected default weight is 0).
  for (const name of ['ssah', 'hfah', 'udsph'] as const) {
    it(`${name}: discriminator step vs generator step`, async () => {
      const m = 6, dims = { imageDim: 5, textDim: 12, numLabels: 3 };
      const model = (await createModel(name, rt, { bits: 8, seed: 2, dims, config: { hidden: 16, feat: 16, tokenDim: 8, lrDisc: 0.05, lrImage: 0.05, lrText: 0.05, lrDecoder: 0.05, adversarial: 0.01 } })) as LabelGuidedModel;
      const img = Float32Array.from(randomData(m * 5, 20, 0, 1)), txt = Float32Array.from(randomData(m * 12, 21, 0, 1)), lab = Float32Array.from(labels(m, 3, 22));
      await model.prepare({ n: m, imageDim: 5, textDim: 12, labelDim: 3, image: img, text: txt, labels: lab });
      const batch = () => ({ indices: Uint32Array.from({ length: m }, (_, i) => i), image: t2(img, m, 5), text: t2(txt, m, 12), labels: t2(lab, m, 3) });
      const isDisc = (p: string): boolean => p.startsWith('disc');
      const isGen = (p: string): boolean => /^(image|text|decImage|decText|decImageFromText|decTextFromImage)\./.test(p);

      let before = await snapshot(model);
      tidy(() => { model.stepTensors(batch(), 'discriminator'); });
      let moved = changed(before, await snapshot(model));
      expect(moved.length).toBeGreaterThan(0);
      expect(moved.filter((p) => !isDisc(p))).toEqual([]);

      before = await snapshot(model);
      // The generator's backward computes no discriminator gradients (only the generators step): seen from the
      // optimiser step that runs right after it; the discriminators are trainable again afterwards.
      const discParams = model.discriminatorModules().flatMap((d) => d.parameters());
      const optim = (model as unknown as { optim: { step(...groups: unknown[]): void } }).optim;
      const step = optim.step.bind(optim);
      const discGrads: (Tensor | null)[] = [];
      optim.step = (...groups: unknown[]) => { discGrads.push(...discParams.map((p) => p.grad)); step(...groups); };
      try {
        tidy(() => { model.stepTensors(batch(), 'generator'); });
      } finally {
        delete (optim as { step?: unknown }).step;
      }
      expect(discGrads.length).toBeGreaterThan(0);
      expect(discGrads.filter((g) => g !== null).length).toBe(0);
      expect(discParams.every((p) => p.requiresGrad)).toBe(true);
      moved = changed(before, await snapshot(model));
      expect(moved.some((p) => p.startsWith('image.'))).toBe(true);
      expect(moved.some((p) => p.startsWith('text.'))).toBe(true);
      expect(moved.filter((p) => !isGen(p))).toEqual([]);
      if (name === 'hfah') expect(moved.some((p) => p.startsWith('decImage.'))).toBe(true);

      before = await snapshot(model);
      tidy(() => { model.stepTensors(batch(), 'label'); });
      moved = changed(before, await snapshot(model));
      expect(moved.length).toBeGreaterThan(0);
      expect(moved.filter((p) => !p.startsWith('label.'))).toEqual([]);
      model.dispose();
    });
  }
});

describe("DCMH's schedules", () => {
  const ds = loadDataset('default');
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
  const snapshot = async (model: HashModel, prefix: string): Promise<Float32Array[]> =>
    Promise.all([...model.namedParameters().entries()].filter(([k]) => k.startsWith(prefix)).map(async ([, t]) => (await t.read()) as Float32Array));
  const changed = (a: Float32Array[], b: Float32Array[]): boolean => a.some((x, i) => x.some((v, j) => v !== b[i]![j]));
  /** The first 64 training rows, indexed by position in the training set as the loop does. */
  const firstBatch = () => Object.assign(makeBatch(rt, ds, ds.splits.train.slice(0, 64), { labels: true }), { indices: Uint32Array.from({ length: 64 }, (_, i) => i) });

  it("'alternate' (the reference's epoch): the loop's steps train the image net only, endEpoch the text net and G", async () => {
    const model = (await createModel('dcmh', rt, { bits: 16, seed: 2, dims, batchSize: 64, config: { hidden: 32, schedule: 'alternate' } })) as DcmhModel;
    await model.prepare(trainingSetView(ds));
    const [img0, txt0, G0] = [await snapshot(model, 'image.'), await snapshot(model, 'text.'), (await model.G!.read()) as Float32Array];
    const r = await model.trainStep(firstBatch(), 0);
    expect(Object.keys(r.terms ?? {}).sort()).toEqual(['imageBalance', 'imageNll', 'imageQuant']);
    const [img1, txt1, G1] = [await snapshot(model, 'image.'), await snapshot(model, 'text.'), (await model.G!.read()) as Float32Array];
    expect(changed(img0, img1)).toBe(true);
    expect(changed(txt0, txt1)).toBe(false);
    expect(G1).toEqual(G0);
    await model.endEpoch(0);
    expect(changed(txt1, await snapshot(model, 'text.'))).toBe(true);
    expect(changed([G1], [(await model.G!.read()) as Float32Array])).toBe(true);
    model.dispose();
  }, 60_000);
  it("'interleaved' (the default) steps both nets on every batch", async () => {
    const model = (await createModel('dcmh', rt, { bits: 16, seed: 2, dims, batchSize: 64, config: { hidden: 32 } })) as DcmhModel;
    expect(model.cfg.schedule).toBe('interleaved');
    await model.prepare(trainingSetView(ds));
    const txt0 = await snapshot(model, 'text.');
    await model.trainStep(firstBatch(), 0);
    expect(changed(txt0, await snapshot(model, 'text.'))).toBe(true);
    model.dispose();
  }, 60_000);
  it('rejects an unknown schedule, naming the key', async () => {
    await expect(createModel('dcmh', rt, { bits: 16, seed: 2, dims, config: { schedule: 'both' } })).rejects.toThrow(/schedule.*interleaved, alternate/);
  });
});

describe('short training on the embedded Wikipedia set raises mAP', () => {
  const ds = loadDataset('default');
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
  for (const name of ['dcmh', 'ssah', 'hfah', 'udsph'] as const) {
    it(`${name}: trained mAP clearly above the untrained network`, async () => {
      // SSAH/UDSPH with the adversarial weight picked on validation (0; see README "Results").
      const config = name === 'ssah' ? { hidden: 128, adversarial: 0 } : name === 'udsph' ? { hidden: 128, adversarial: 0, crossAttention: 0.1 } : { hidden: name === 'dcmh' ? 512 : 128 };
      const model = await createModel(name, rt, { bits: name === 'ssah' ? 16 : 32, seed: 3, dims, config });
      await model.prepare?.(trainingSetView(ds));
      const before = await evaluateCrossModal(model, ds, ds.splits.val, ds.splits.train);
      // UDSPH: 8 epochs (its validation mAP is not monotone: 0.153 at epoch 5, 0.141 at 6, 0.152 at 8; short-budget run).
      await train(model, ds, { epochs: name === 'dcmh' || name === 'udsph' ? 8 : 6, batchSize: 128, seed: 3, evalEvery: 0, patience: 0 });
      const after = await evaluateCrossModal(model, ds, ds.splits.val, ds.splits.train);
      expect(after.meanMap, `${name}: untrained ${before.meanMap.toFixed(3)}, trained ${after.meanMap.toFixed(3)}`).toBeGreaterThan(before.meanMap + 0.02);
      model.dispose();
    }, 240_000);
  }
  it('rejects a batch without labels with a clear error', async () => {
    const model = await createModel('ssah', rt, { bits: 16, seed: 1, dims, config: { hidden: 16 } });
    await model.prepare?.(trainingSetView(ds));
    const b = makeBatch(rt, ds, ds.splits.train.slice(0, 4), { labels: false });
    await expect(model.trainStep(b, 0)).rejects.toThrow(/no labels/);
    model.dispose();
  });
});
