/**
 * Unsupervised models (issue 6): DJSRH / JSGHCA / UMHA loss terms against hand-written float64
 * references on tiny batches, JSGHCA's fused target against Eq. 5 / Alg. 1, UMHA's auxiliary matrix and
 * code update, CNN-F on real MIRFlickr photos, and short learning runs on the embedded dataset.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../src/runtime/runtime.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { fromArray } from '../src/ops/elementwise.js';
import { imageNormalize } from '../src/ops/image.js';
import { Rng } from '../src/util/rng.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { evaluateCrossModal, train, trainingSetView } from '../src/train/index.js';
import { createModel } from '../src/models/registry.js';
import type { HashModel, TrainingSetView } from '../src/models/types.js';
import { cosineReconstructionLoss } from '../src/models/common/losses.js';
import type { PairedHashModel } from '../src/models/common/paired-model.js';
import { noGrad } from '../src/autograd/tape.js';
import { jointTarget, type TargetConfig } from '../src/models/common/targets.js';
import { CnnF, cnnfMapSize, ConvSiAttention, loadCnnfWeights } from '../src/models/common/cnnf.js';
import { auxiliaryAffinity, jointSimilarityTiles, topKIndices, UmhaModel, updateCodes } from '../src/models/umha/index.js';
import { loadDataset } from '../src/data/node/load.js';
import { sharedDataDir } from '../src/data/node/files.js';
import { loadImageBatch } from '../src/data/node/images.js';
import { validateDataset, type Dataset } from '../src/data/dataset.js';
import { allClose, getRuntime, randomData } from './helpers.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await getRuntime();
});

// ---------- float64 references ----------
type M = Float64Array;
const cosCpu = (a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, d: number): M => {
  const norm = (x: ArrayLike<number>, r: number) => Math.sqrt(Array.from({ length: d }, (_, k) => x[r * d + k]! ** 2).reduce((s, v) => s + v, 0)) || 1;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
    out[i * n + j] = s / (norm(a, i) * norm(b, j));
  }
  return out;
};
const mseCpu = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
};
/** μ((1−η)S̃ + η S̃S̃ᵀ/m). */
const jointCpu = (st: M, m: number, eta: number, mu: number): M => {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += st[i * m + k]! * st[j * m + k]!;
    out[i * m + j] = mu * ((1 - eta) * st[i * m + j]! + (eta * s) / m);
  }
  return out;
};
const betaCpu = (fi: ArrayLike<number>, ft: ArrayLike<number>, m: number, di: number, dt: number, beta: number, rescale: boolean): M => {
  const sI = cosCpu(fi, fi, m, m, di), sT = cosCpu(ft, ft, m, m, dt);
  const r = (v: number) => (rescale ? 2 * v - 1 : v);
  return sI.map((v, i) => beta * r(v) + (1 - beta) * r(sT[i]!));
};
/** Eq. 9 terms. */
const reconCpu = (S: ArrayLike<number>, bI: ArrayLike<number>, bT: ArrayLike<number>, m: number, k: number, l1: number, l2: number) => {
  const inter = mseCpu(S, cosCpu(bI, bT, m, m, k));
  const intraImage = mseCpu(S, cosCpu(bI, bI, m, m, k));
  const intraText = mseCpu(S, cosCpu(bT, bT, m, m, k));
  return { inter, intraImage, intraText, total: inter + l1 * intraImage + l2 * intraText };
};

const t32 = (a: ArrayLike<number>, shape: number[]): Tensor => fromArray(rt, Float32Array.from(a), shape, 'f32');
const readT = async (t: Tensor): Promise<Float32Array> => {
  const d = (await t.read()) as Float32Array;
  t.dispose();
  return d;
};
const close = (got: number, want: number, tol = 2e-5) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

function tinyView(n: number, di: number, dt: number, seed: number): TrainingSetView {
  return { n, imageDim: di, textDim: dt, labelDim: 1, image: Float32Array.from(randomData(n * di, seed, 0, 1)), text: Float32Array.from(randomData(n * dt, seed + 1, 0, 1)) };
}

async function encodeHost(model: HashModel, modality: 'image' | 'text', x: Float32Array, rows: number, dim: number): Promise<Float32Array> {
  const inp = t32(x.subarray(0, rows * dim), [rows, dim]);
  const out = await readT(model.encode(modality, inp));
  inp.dispose();
  return out;
}

describe('loss terms vs float64 on a tiny batch', () => {
  it('cosine reconstruction (DJSRH / JSGHCA Eq. 9)', async () => {
    const m = 5, k = 7;
    const S = randomData(m * m, 11, -1.5, 1.5), bI = randomData(m * k, 12), bT = randomData(m * k, 13);
    const l = cosineReconstructionLoss(t32(S, [m, m]), t32(bI, [m, k]), t32(bT, [m, k]), 0.1, 0.3);
    const want = reconCpu(S, bI, bT, m, k, 0.1, 0.3);
    for (const key of ['inter', 'intraImage', 'intraText', 'total'] as const) close((await readT(l[key]))[0]!, want[key]);
  });

  for (const variant of ['awm', 'awm-alg1'] as const) {
    for (const rescale of [false, true]) {
      it(`JSGHCA fused target (${variant === 'awm' ? 'Eq. 5' : 'Algorithm 1'}, rescale ${rescale}) matches the CPU`, async () => {
        const m = 9, di = 6, dt = 11;
        const fi = randomData(m * di, 21, 0, 1), ft = randomData(m * dt, 22, 0, 1);
        const cfg: TargetConfig = { fusion: variant, beta: 0.6, eta: 0.4, mu: 1.5, rescaleImage: rescale, rescaleText: rescale };
        const got = await readT(jointTarget(t32(fi, [m, di]), t32(ft, [m, dt]), cfg));
        // Paper: r_i row means, t_i their mean; Eq. 5 w_i = (r_i/t_i)(t_total/r_total); Alg. 1 w_i = r_i/t_i.
        const sI = cosCpu(fi, fi, m, m, di), sT = cosCpu(ft, ft, m, m, dt);
        const rowMean = (s: M) => Array.from({ length: m }, (_, a) => s.subarray(a * m, a * m + m).reduce((x, y) => x + y, 0) / m);
        const avg = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
        const rI = rowMean(sI), rT = rowMean(sT), rTot = rowMean(sI.map((v, i) => v + sT[i]!));
        const tI = avg(rI), tT = avg(rT), tTot = avg(rTot);
        const f = new Float64Array(m * m);
        for (let a = 0; a < m; a++) {
          const g = variant === 'awm' ? tTot / rTot[a]! : 1;
          const wI = (rI[a]! / tI) * g, wT = (rT[a]! / tT) * g;
          // ½(w_I·r(S_I) + w_T·r(S_T)), r = 2x − 1 when rescaled (targets.ts; every rescale combination in models-faithfulness).
          const r = (v: number) => (rescale ? 2 * v - 1 : v);
          for (let b = 0; b < m; b++) f[a * m + b] = 0.5 * (wI * r(sI[a * m + b]!) + wT * r(sT[a * m + b]!));
        }
        const want = jointCpu(f, m, 0.4, 1.5);
        const r = allClose(got, want, 2e-5, 2e-5);
        expect(r.ok, r.message).toBe(true);
      });
    }
  }

  it('DJSRH training step reports the reconstruction terms of its codes and target', async () => {
    const m = 6, di = 7, dt = 5, k = 8;
    const v = tinyView(m, di, dt, 31);
    const model = await createModel('djsrh', rt, { bits: k, seed: 3, dims: { imageDim: di, textDim: dt, numLabels: 1 }, config: { hidden: 16, dropout: 0, rescale: 'on', normalizeInputs: false, lambda1: 0.1, lambda2: 0.1, target: { beta: 0.6 } } });
    await model.prepare!(v);
    const hI = await encodeHost(model, 'image', v.image, m, di), hT = await encodeHost(model, 'text', v.text, m, dt);
    const S = jointCpu(betaCpu(v.image, v.text, m, di, dt, 0.6, true), m, 0.4, 1.5);
    const want = reconCpu(S, hI, hT, m, k, 0.1, 0.1);
    const batch = { indices: Uint32Array.from({ length: m }, (_, i) => i), image: t32(v.image, [m, di]), text: t32(v.text, [m, dt]) };
    const r = await model.trainStep(batch, 0);
    close(r.loss, want.total);
    close(r.terms!.inter!, want.inter);
    close(r.terms!.intraImage!, want.intraImage);
    close(r.terms!.intraText!, want.intraText);
    batch.image.dispose();
    batch.text.dispose();
    model.dispose();
  });
});

describe('JSGHCA Jo-Attention', () => {
  it('is built and trained (ablations 5 and 6 remove it) and changes the codes', async () => {
    const dims = { imageDim: 7, textDim: 5, numLabels: 1 };
    const make = (ablation: string) => createModel('jsghca', rt, { bits: 8, seed: 4, dims, config: { hidden: 16, dropout: 0, ablation, normalizeInputs: false } });
    const full = await make('full'), no = await make('5');
    expect([...full.namedParameters().keys()]).toEqual(expect.arrayContaining(['image_extra0.weight', 'text_extra0.weight']));
    expect([...no.namedParameters().keys()].some((n) => n.includes('extra'))).toBe(false);
    // Same seed, same nets: only the Jo-Attention scaling differs, so the real-valued codes must differ.
    const x = Float32Array.from(randomData(3 * 7, 71, 0, 1));
    const a = await encodeHost(full, 'image', x, 3, 7), b = await encodeHost(no, 'image', x, 3, 7);
    expect(a.some((v, i) => Math.abs(v - b[i]!) > 1e-4)).toBe(true);
    full.dispose();
    no.dispose();
  });

  it('training step: Eq. 9 on h_v = Q_v ⊙ (k·softmax(ReLU(fc_t(Q_t)))) and h_t = Q_t ⊙ (k·softmax(ReLU(fc_v(Q_v)))), vs float64', async () => {
    const m = 6, di = 7, dt = 5, k = 8, epoch = 3;
    const v = tinyView(m, di, dt, 37);
    const model = (await createModel('jsghca', rt, { bits: k, seed: 6, dims: { imageDim: di, textDim: dt, numLabels: 1 }, config: { hidden: 16, dropout: 0, rescale: 'on', normalizeInputs: false, lambda1: 0.2, lambda2: 0.4, target: { fusion: 'beta', beta: 0.6 }, imageOnlyEpochs: 0, textOnlyEpochs: 0 } })) as unknown as PairedHashModel;
    await model.prepare!(v);
    model.startEpoch(epoch);
    const pre = async (net: PairedHashModel['imageNet'], x: Float32Array, d: number) => {
      const inp = t32(x, [m, d]);
      const out = Float32Array.from(await readT(noGrad(() => net.forward(inp))));
      inp.dispose();
      return out;
    };
    const qI = await pre(model.imageNet, v.image, di), qT = await pre(model.textNet, v.text, dt);
    const p = model.namedParameters();
    const host = async (name: string) => Float32Array.from((await p.get(name)!.read()) as Float32Array);
    /** Ô = softmax(ReLU(Q·W + b)) per row, W [k, k] stored [in, out]. */
    const att = (q: Float32Array, w: Float32Array, b: Float32Array) => {
      const out = new Float64Array(m * k);
      for (let r = 0; r < m; r++) {
        const o = Array.from({ length: k }, (_, j) => Math.max(0, b[j]! + Array.from({ length: k }, (_, i) => q[r * k + i]! * w[i * k + j]!).reduce((s, x) => s + x, 0)));
        const mx = Math.max(...o), e = o.map((x) => Math.exp(x - mx)), z = e.reduce((s, x) => s + x, 0);
        e.forEach((x, j) => (out[r * k + j] = x / z));
      }
      return out;
    };
    const oI = att(qI, await host('image_extra0.weight'), await host('image_extra0.bias'));
    const oT = att(qT, await host('text_extra0.weight'), await host('text_extra0.bias'));
    const delta = Math.sqrt(epoch + 1);
    // Each modality's code is weighted by the OTHER modality's attention.
    const bI = qI.map((q, i) => Math.tanh(delta * q * k * oT[i]!)), bT = qT.map((q, i) => Math.tanh(delta * q * k * oI[i]!));
    const S = jointCpu(betaCpu(v.image, v.text, m, di, dt, 0.6, true), m, 0.4, 1.5);
    const want = reconCpu(S, bI, bT, m, k, 0.2, 0.4);
    const batch = { indices: Uint32Array.from({ length: m }, (_, i) => i), image: t32(v.image, [m, di]), text: t32(v.text, [m, dt]) };
    const r = await model.trainStep(batch, epoch);
    close(r.terms!.inter!, want.inter);
    close(r.terms!.intraImage!, want.intraImage);
    close(r.terms!.intraText!, want.intraText);
    close(r.loss, want.total);
    batch.image.dispose();
    batch.text.dispose();
    model.dispose();
  });
});

describe('UMHA', () => {
  const n = 13, di = 6, dt = 5, k = 8;
  const v = tinyView(n, di, dt, 41);
  /** Dense S (no μ) over the whole set, float64. */
  const denseS = jointCpu(betaCpu(v.image, v.text, n, di, dt, 0.6, true), n, 0.4, 1);

  it('auxiliary matrix: GPU tiles match the CPU, top-K per row, union-symmetrised', async () => {
    const tiles = new Float32Array(n * n);
    await jointSimilarityTiles(rt, v.image, di, v.text, dt, { beta: 0.6, eta: 0.4, rescaleImage: true, rescaleText: true, tileRows: 5 }, (r0, rows, d) => tiles.set(d, r0 * n));
    const r = allClose(tiles, denseS, 2e-5, 2e-5);
    expect(r.ok, r.message).toBe(true);
    const K = 3;
    const A = await auxiliaryAffinity(rt, v.image, di, v.text, dt, { beta: 0.6, eta: 0.4, rescaleImage: true, rescaleText: true, k: K, tileRows: 4 });
    const dense = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let p = A.rowPtr[a]!; p < A.rowPtr[a + 1]!; p++) dense[a * n + A.cols[p]!] = A.vals[p]!;
    // Reference: keep b in row a iff b is among a's K largest or a among b's (ties are absent in random data).
    const kept = (a: number) => new Set(Array.from({ length: n }, (_, j) => j).sort((x, y) => denseS[a * n + y]! - denseS[a * n + x]!).slice(0, K));
    const sets = Array.from({ length: n }, (_, a) => kept(a));
    for (let a = 0; a < n; a++) {
      expect(sets[a]!.has(a)).toBe(true);
      for (let b = 0; b < n; b++) {
        const want = sets[a]!.has(b) || sets[b]!.has(a) ? denseS[a * n + b]! : 0;
        expect(Math.abs(dense[a * n + b]! - want)).toBeLessThan(2e-5);
        expect(dense[a * n + b]).toBe(dense[b * n + a]);
      }
    }
    expect([...topKIndices(Float32Array.from([1, 3, 3, 2, 3]), 2)]).toEqual([1, 2]); // ties → lower index
  });

  for (const fill of ['zero', 'batch'] as const) {
    it(`B update and the batch loss (γ term, μA target, fill '${fill}') match float64`, async () => {
      const gamma = 0.3, mu = 1.5;
      const model = (await createModel('umha', rt, {
        bits: k, seed: 5, dims: { imageDim: di, textDim: dt, numLabels: 1 },
        // λ and β as the float64 reference below (not the defaults).
        config: { hidden: 32, tokens: 4, heads: 2, dropout: 0, rescale: 'on', normalizeInputs: false, topKFraction: 0.25, gamma, fill, tileRows: 5, lambda1: 0.1, lambda2: 0.1, target: { beta: 0.6 } },
      })) as UmhaModel;
      await model.prepare(v);
      const A = model.affinity!;
      expect(model.neighbours(n)).toBe(3);
      // B after prepare = sign(G + ρ·D⁻¹A·G) (D = row sums of |A|) from the untrained nets' codes.
      const hI = await encodeHost(model, 'image', v.image, n, di), hT = await encodeHost(model, 'text', v.text, n, dt);
      const B = new Float64Array(n * k);
      for (let a = 0; a < n; a++) for (let j = 0; j < k; j++) {
        let s = 0, deg = 0;
        for (let p = A.rowPtr[a]!; p < A.rowPtr[a + 1]!; p++) {
          s += A.vals[p]! * (hI[A.cols[p]! * k + j]! + hT[A.cols[p]! * k + j]!);
          deg += Math.abs(A.vals[p]!);
        }
        const g = hI[a * k + j]! + hT[a * k + j]! + s / deg;
        B[a * k + j] = g >= 0 ? 1 : -1;
        if (Math.abs(g) > 1e-5) expect(model.codes![a * k + j]).toBe(B[a * k + j]);
      }
      // One step on a batch of training positions (with a repeat-free, unsorted order).
      const idx = Uint32Array.from([7, 2, 11, 0, 5]);
      const m = idx.length;
      const gi = Float32Array.from({ length: m * di }, (_, t) => v.image[idx[Math.floor(t / di)]! * di + (t % di)]!);
      const gt = Float32Array.from({ length: m * dt }, (_, t) => v.text[idx[Math.floor(t / dt)]! * dt + (t % dt)]!);
      const target = new Float64Array(m * m);
      const batchS = jointCpu(betaCpu(gi, gt, m, di, dt, 0.6, true), m, 0.4, mu);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
        let val: number | null = null;
        for (let p = A.rowPtr[idx[a]!]!; p < A.rowPtr[idx[a]! + 1]!; p++) if (A.cols[p] === idx[b]) val = mu * A.vals[p]!;
        target[a * m + b] = val ?? (fill === 'batch' ? batchS[a * m + b]! : 0);
      }
      const bI = Array.from({ length: m * k }, (_, t) => hI[idx[Math.floor(t / k)]! * k + (t % k)]!);
      const bT = Array.from({ length: m * k }, (_, t) => hT[idx[Math.floor(t / k)]! * k + (t % k)]!);
      const bB = Array.from({ length: m * k }, (_, t) => model.codes![idx[Math.floor(t / k)]! * k + (t % k)]!);
      const rec = reconCpu(target, bI, bT, m, k, 0.1, 0.1);
      const quant = gamma * (mseCpu(bI, bB) + mseCpu(bT, bB));
      const batch = { indices: idx, image: t32(gi, [m, di]), text: t32(gt, [m, dt]) };
      const r = await model.trainStep(batch, 0);
      close(r.terms!.inter!, rec.inter);
      close(r.terms!.intraImage!, rec.intraImage);
      close(r.terms!.quantization!, quant);
      close(r.loss, rec.total + quant);
      batch.image.dispose();
      batch.text.dispose();
      // endEpoch recomputes B from the updated nets.
      await model.endEpoch(0);
      const hI2 = await encodeHost(model, 'image', v.image, n, di), hT2 = await encodeHost(model, 'text', v.text, n, dt);
      const B2 = updateCodes(A, hI2, hT2, k, 1);
      expect(Array.from(model.codes!)).toEqual(Array.from(B2));
      model.dispose();
    });
  }

  it('rejects bad settings with clear errors', async () => {
    const dims = { imageDim: di, textDim: dt, numLabels: 1 };
    await expect(createModel('umha', rt, { bits: k, seed: 1, dims, config: { hidden: 30, tokens: 4 } })).rejects.toThrow(/does not split into 4 tokens/);
    await expect(createModel('umha', rt, { bits: k, seed: 1, dims, config: { fill: 'dense' } })).rejects.toThrow(/fill must be/);
    await expect(createModel('umha', rt, { bits: k, seed: 1, dims, config: { gamma: -1 } })).rejects.toThrow(/gamma/);
  });
});

describe('CNN-F raw-image path', () => {
  it('map sizes, shapes and errors', async () => {
    expect(cnnfMapSize(224)).toBe(6);
    expect(cnnfMapSize(64)).toBe(1);
    expect(cnnfMapSize(55)).toBe(1);
    expect(() => cnnfMapSize(54)).toThrow(/at least 55 px/);
    const net = new CnnF(rt, { imageSize: 56, channels: [4, 6, 6, 6, 5], hidden: 12, dropout: 0, siAttention: true, rng: new Rng(1) });
    net.eval();
    const x = randomData(2 * 3 * 56 * 56, 51);
    const a = await readT(net.forward(t32(x, [2, 3, 56, 56])));
    const b = await readT(net.forward(t32(x, [2, 3 * 56 * 56])));
    expect(a.length).toBe(24);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => net.forward(t32(x.subarray(0, 3 * 56 * 56), [3, 56 * 56]))).toThrow(/CNN-F: images must be/);
    // Weights through safetensors: a second net with another seed reproduces the first.
    const state = await net.stateDict();
    const bytes = encodeSafetensors(new Map(Object.entries(state).map(([k, p]) => [`img.${k}`, p])));
    const net2 = new CnnF(rt, { imageSize: 56, channels: [4, 6, 6, 6, 5], hidden: 12, dropout: 0, siAttention: true, rng: new Rng(2) });
    net2.eval();
    loadCnnfWeights(net2, bytes, 'w.safetensors', 'img.');
    expect(Array.from(await readT(net2.forward(t32(x, [2, 3, 56, 56]))))).toEqual(Array.from(a));
    expect(() => loadCnnfWeights(net2, bytes, 'w.safetensors')).toThrow(/missing CNN-F weights/);
    net.dispose();
    net2.dispose();
  });

  it('cnnfWeights is read through the injected readFile (models import no fs)', async () => {
    const S = 56, channels = [4, 6, 6, 6, 5];
    const src = new CnnF(rt, { imageSize: S, channels, hidden: 12, dropout: 0, siAttention: false, rng: new Rng(7) });
    const bytes = encodeSafetensors(new Map(Object.entries(await src.stateDict())));
    const want = Float32Array.from((await new Map(src.namedParameters()).get('conv1.weight')!.read()) as Float32Array);
    src.dispose();
    const opts = { bits: 16, seed: 1, dims: { imageDim: 3 * S * S, textDim: 10, numLabels: 1 }, config: { hidden: 12, imageInput: 'cnnf', imageSize: S, cnnfChannels: channels, cnnfWeights: 'w.safetensors', normalizeInputs: false, rescale: 'off' } };
    const n = 2;
    const view = { n, imageDim: 3 * S * S, textDim: 10, labelDim: 1, image: randomData(n * 3 * S * S, 71), text: randomData(n * 10, 72) };
    const noReader = await createModel('djsrh', rt, opts);
    await expect(noReader.prepare!(view)).rejects.toThrow(/cnnfWeights 'w.safetensors' names a file, but the model was created without readFile/);
    noReader.dispose();
    const paths: string[] = [];
    const model = await createModel('djsrh', rt, { ...opts, readFile: async (p: string) => (paths.push(p), bytes) });
    await model.prepare!(view);
    expect(paths).toEqual(['w.safetensors']);
    expect(Array.from((await model.namedParameters().get('image.cnnf.conv1.weight')!.read()) as Float32Array)).toEqual(Array.from(want));
    model.dispose();
  });

  it('conv-map Si-Attention is M = sigmoid(conv1×1(X)) broadcast over channels', async () => {
    const C = 3, H = 2, W = 3;
    const att = new ConvSiAttention(rt, C, new Rng(9));
    const x = randomData(C * H * W, 61);
    const got = await readT(att.forward(t32(x, [1, C, H, W])));
    const w = (await att.conv.weight.read()) as Float32Array, b = ((await att.conv.bias!.read()) as Float32Array)[0]!;
    for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) {
      let s = b;
      for (let c = 0; c < C; c++) s += w[c]! * x[c * H * W + h * W + q]!;
      const mask = 1 / (1 + Math.exp(-s));
      for (let c = 0; c < C; c++) close(got[c * H * W + h * W + q]!, mask * x[c * H * W + h * W + q]!, 1e-5);
    }
    att.dispose();
  });

  const photos = join(sharedDataDir(), 'mirflickr25k', 'images');
  it.skipIf(!existsSync(photos))('JSGHCA and DJSRH train end to end on real MIRFlickr photos (64 px)', async () => {
    const mf = loadDataset('mirflickr');
    const rows = mf.imageFiles!.map((f, i) => (f ? i : -1)).filter((i) => i >= 0).slice(0, 24);
    const S = 64, n = rows.length;
    const u8 = loadImageBatch(mf, rows, { width: S, height: S, mode: 'center-crop' });
    const pix = await readT(imageNormalize(rt, u8, { batch: n, height: S, width: S }));
    const gather = (src: Float32Array, d: number) => Float32Array.from({ length: n * d }, (_, t) => src[rows[Math.floor(t / d)]! * d + (t % d)]!);
    const all = Uint32Array.from({ length: n }, (_, i) => i);
    const ds: Dataset = validateDataset({
      name: 'photos', n, imageDim: 3 * S * S, textDim: mf.textDim, numLabels: mf.numLabels, image: pix, text: gather(mf.text, mf.textDim),
      labels: gather(mf.labels, mf.numLabels), labelNames: mf.labelNames,
      splits: { query: all.slice(0, 8), retrieval: all.slice(8), train: all.slice(8), val: new Uint32Array(0) },
    });
    for (const name of ['jsghca', 'djsrh']) {
      const model = await createModel(name, rt, { bits: 16, seed: 2, dims: { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels }, config: { hidden: 64, imageInput: 'cnnf', imageSize: S, ...(name === 'jsghca' ? { imageOnlyEpochs: 0, textOnlyEpochs: 0 } : {}) } });
      const conv1 = Float32Array.from((await model.namedParameters().get('image.cnnf.conv1.weight')!.read()) as Float32Array);
      if (name === 'jsghca') expect(model.namedParameters().has('image.cnnf.att.conv.weight')).toBe(true);
      const losses: number[] = [];
      await train(model, ds, { epochs: 2, batchSize: 8, seed: 2, evalEvery: 0, patience: 0 }, { onStep: (s) => losses.push(s.loss) });
      expect(losses.length).toBe(4);
      expect(losses.every(Number.isFinite)).toBe(true);
      const conv1After = (await model.namedParameters().get('image.cnnf.conv1.weight')!.read()) as Float32Array;
      expect(conv1After.some((x, i) => x !== conv1[i])).toBe(true); // gradients reach the conv stack
      const met = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval);
      expect(met.i2t.queries).toBe(8);
      expect(met.i2t.mapAll).toBeGreaterThan(0);
      model.dispose();
    }
    await expect(createModel('djsrh', rt, { bits: 16, seed: 1, dims: { imageDim: 128, textDim: 10, numLabels: 1 }, config: { imageInput: 'cnnf', imageSize: S } })).rejects.toThrow(/needs image rows of 3×64×64/);
  });
});

describe('short runs on the embedded dataset: loss falls, mAP beats the untrained net', () => {
  for (const name of ['djsrh', 'jsghca', 'umha']) {
    it(name, async () => {
      const ds = loadDataset('default');
      const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
      const config = { hidden: 1024, ...(name === 'jsghca' ? { imageOnlyEpochs: 0, textOnlyEpochs: 0 } : {}) };
      const untrained = await createModel(name, rt, { bits: 64, seed: 1, dims, config });
      await untrained.prepare?.(trainingSetView(ds));
      const base = await evaluateCrossModal(untrained, ds, ds.splits.query, ds.splits.retrieval);
      untrained.dispose();
      const model = await createModel(name, rt, { bits: 64, seed: 1, dims, config });
      const losses: number[] = [];
      await train(model, ds, { epochs: 3, batchSize: 32, seed: 1, evalEvery: 0, patience: 0 }, { onEpoch: (r) => losses.push(r.loss) });
      const met = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval);
      model.dispose();
      expect(losses[2]!).toBeLessThan(losses[0]!);
      expect(met.meanMap, `${name}: untrained ${base.meanMap.toFixed(4)}, trained ${met.meanMap.toFixed(4)}`).toBeGreaterThan(base.meanMap + 0.03);
    });
  }
});

describe('CLI: cmhash train --model djsrh|jsghca|umha --bits 16', () => {
  const root = join(__dirname, '..');
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  const cli = (...a: string[]) => spawnSync(process.execPath, [main, ...a], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() }, timeout: 300_000 });
  it.skipIf(!existsSync(main))('trains, evaluates and (umha) resumes with its code matrix', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cmhash-unsup-'));
    try {
      for (const model of ['djsrh', 'jsghca', 'umha']) {
        const out = join(tmp, model);
        const r = cli('train', '--model', model, '--bits', '16', '--data', 'default', '--epochs', '1', '--model-config', '{"hidden":128}', '--out', out, '--progress', 'lines');
        expect(r.status, r.stderr + r.stdout).toBe(0);
        const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, unknown>;
        expect(JSON.stringify(res)).toContain(model);
        expect(r.stdout).toMatch(/image→text\s+0\.\d+/);
      }
      const r = cli('train', '--resume', join(tmp, 'umha', 'checkpoints', 'last'), '--epochs', '2', '--progress', 'lines');
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/epoch 2\/2: loss/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
