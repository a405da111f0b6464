/**
 * Issue 12, item 1: the models' faithfulness fixes from the code review, each pinned by a check that
 * failed before its fix (AWM centring and guards, JSGHCA-3 and staging defaults, text-net dropout,
 * UMHA's collaborative step and neighbourhood switch, label NLL against all n stored label features,
 * HFAH's Eq. 5 / four decoders / cumulative ablations, DJSRH's Wikipedia preset, rescale overrides,
 * --lr-schedule on the paired models).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../src/runtime/runtime.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { fromArray } from '../src/ops/elementwise.js';
import { adaptiveWeightFusion } from '../src/ops/similarity.js';
import { cosineSimilarityCpu, jointSimilarityCpu } from '../src/ops/cpu/similarity.js';
import { tidy } from '../src/tensor/scope.js';
import { noGrad } from '../src/autograd/tape.js';
import { Rng } from '../src/util/rng.js';
import { createModel } from '../src/models/registry.js';
import type { HashModel, TrainingSetView } from '../src/models/types.js';
import { jointTarget, type Fusion, type TargetConfig } from '../src/models/common/targets.js';
import type { PairedHashModel } from '../src/models/common/paired-model.js';
import type { LabelGuidedModel } from '../src/models/common/label-guided.js';
import { applyAblation as jsghcaAblation, jsghcaDefaults } from '../src/models/jsghca/config.js';
import { applyAblation as hfahAblation, hfahDefaults } from '../src/models/hfah/config.js';
import { udsphDefaults } from '../src/models/udsph/config.js';
import { updateCodes, type SparseRows, type UmhaModel } from '../src/models/umha/index.js';
import { loadDataset } from '../src/data/node/load.js';
import { train } from '../src/train/loop.js';
import { allClose, getRuntime, randomData } from './helpers.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await getRuntime();
});

type M = Float64Array;
const t32 = (a: ArrayLike<number>, shape: number[]): Tensor => fromArray(rt, Float32Array.from(a), shape, 'f32');
const readT = async (t: Tensor): Promise<Float32Array> => {
  const d = Float32Array.from((await t.read()) as Float32Array);
  t.dispose();
  return d;
};
const cosCpu = (a: ArrayLike<number>, m: number, d: number): M => cosineSimilarityCpu(a, a, m, m, d);
const jointCpu = (st: M, m: number, eta: number, mu: number): M => jointSimilarityCpu(st, m, eta, mu);
/** The AWM target as documented: S_f = ½(w_I ⊙ r_I(S_I) + w_T ⊙ r_T(S_T)), weights from the raw cosines; `uniform` sets w ≡ 1. */
function awmCpu(sI: M, sT: M, m: number, variant: 'eq5' | 'alg1' | 'uniform', rI: boolean, rT: boolean): M {
  const rowMean = (s: M) => Array.from({ length: m }, (_, a) => Math.max(s.subarray(a * m, a * m + m).reduce((x, y) => x + y, 0) / m, 0));
  const avg = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
  const mI = rowMean(sI), mT = rowMean(sT), tI = avg(mI), tT = avg(mT);
  const f = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    let wI = 1, wT = 1;
    if (variant !== 'uniform') {
      const g = variant === 'eq5' ? (tI + tT) / Math.max(mI[a]! + mT[a]!, 1e-6) : 1;
      wI = (mI[a]! / Math.max(tI, 1e-6)) * g;
      wT = (mT[a]! / Math.max(tT, 1e-6)) * g;
    }
    for (let b = 0; b < m; b++) {
      const i = a * m + b;
      f[i] = 0.5 * (wI * (rI ? 2 * sI[i]! - 1 : sI[i]!) + wT * (rT ? 2 * sT[i]! - 1 : sT[i]!));
    }
  }
  return f;
}

function tinyView(n: number, di: number, dt: number, seed: number): TrainingSetView {
  return { n, imageDim: di, textDim: dt, labelDim: 1, image: Float32Array.from(randomData(n * di, seed, 0, 1)), text: Float32Array.from(randomData(n * dt, seed + 1, 0, 1)) };
}

describe('AWM target (JSGHCA) centring and guards', () => {
  const m = 9, di = 6, dt = 11;
  const fi = randomData(m * di, 21, 0, 1), ft = randomData(m * dt, 22, 0, 1);
  const sI = cosCpu(fi, m, di), sT = cosCpu(ft, m, dt);
  for (const [rI, rT] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`each rescaled modality is centred (rescale image ${rI}, text ${rT}), Eq. 5 and Alg. 1`, async () => {
      for (const fusion of ['awm', 'awm-alg1'] as const) {
        const cfg: TargetConfig = { fusion, beta: 0.6, eta: 0.4, mu: 1.5, rescaleImage: rI, rescaleText: rT };
        const got = await readT(jointTarget(t32(fi, [m, di]), t32(ft, [m, dt]), cfg));
        const want = jointCpu(awmCpu(sI, sT, m, fusion === 'awm' ? 'eq5' : 'alg1', rI, rT), m, 0.4, 1.5);
        const r = allClose(got, want, 2e-5, 2e-5);
        expect(r.ok, `${fusion}: ${r.message}`).toBe(true);
      }
    });
  }

  it('JSGHCA-3 is AWM with uniform weights: β-mix with β = ½, nothing else changed', async () => {
    const full = jsghcaDefaults(), abl = jsghcaAblation(full, '3');
    expect(abl.target).toEqual({ ...full.target, fusion: 'beta', beta: 0.5 });
    expect({ ...abl, target: null }).toEqual({ ...full, target: null });
    for (const [rI, rT] of [[false, false], [true, false], [true, true]] as const) {
      const got = await readT(jointTarget(t32(fi, [m, di]), t32(ft, [m, dt]), { ...abl.target, rescaleImage: rI, rescaleText: rT }));
      const r = allClose(got, jointCpu(awmCpu(sI, sT, m, 'uniform', rI, rT), m, 0.4, 1.5), 2e-5, 2e-5);
      expect(r.ok, r.message).toBe(true);
    }
  });

  it('an all-zero row (and an all-zero batch) gets weight 0, never NaN or inf', async () => {
    const z = Float64Array.from(fi);
    const zt = Float64Array.from(ft);
    z.fill(0, 2 * di, 3 * di); // row 2: zero image and zero text features
    zt.fill(0, 2 * dt, 3 * dt);
    for (const fusion of ['awm', 'awm-alg1'] as Fusion[]) {
      const got = await readT(jointTarget(t32(z, [m, di]), t32(zt, [m, dt]), { fusion, beta: 0.6, eta: 0.4, mu: 1.5, rescaleImage: false, rescaleText: false }));
      expect(got.every(Number.isFinite), `${fusion}: ${Array.from(got.slice(0, 4))}`).toBe(true);
    }
    // The weights directly: zero similarity matrices (a batch of all-zero rows) fuse to zeros.
    const zero = new Float32Array(4 * 4);
    const fused = await readT(adaptiveWeightFusion(t32(zero, [4, 4]), t32(zero, [4, 4])));
    expect(Array.from(fused)).toEqual(Array.from(zero));
    const one = Float32Array.from(randomData(16, 5, 0.1, 1));
    const mixed = await readT(adaptiveWeightFusion(t32(one, [4, 4]), t32(zero, [4, 4]), { variant: 'alg1' }));
    expect(mixed.every(Number.isFinite)).toBe(true);
  });
});

describe('paired models (DJSRH, JSGHCA, UMHA)', () => {
  const dims = { imageDim: 7, textDim: 5, numLabels: 1 };

  it('text nets have no dropout (DJSRH reference); the image net keeps its own', async () => {
    for (const name of ['djsrh', 'jsghca', 'umha']) {
      const model = (await createModel(name, rt, { bits: 8, seed: 1, dims, config: { hidden: 32, ...(name === 'umha' ? { tokens: 4, heads: 2 } : {}) } })) as PairedHashModel;
      expect(model.textNet.drop.p, name).toBe(0);
      expect(model.imageNet.drop.p, name).toBe(0.5);
      // Training mode gives the same text codes as eval mode.
      const x = t32(randomData(4 * 5, 3, 0, 1), [4, 5]);
      model.textNet.train();
      const a = await readT(noGrad(() => model.textNet.forward(x)));
      model.textNet.eval();
      const b = await readT(noGrad(() => model.textNet.forward(x)));
      expect(Array.from(a)).toEqual(Array.from(b));
      x.dispose();
      model.dispose();
    }
  });

  it('JSGHCA is staged by default (5 image-only + 5 text-only epochs, the validation winner); an image-only epoch fits only ‖S − cos(B_I,B_I)‖²', async () => {
    expect(jsghcaDefaults().imageOnlyEpochs).toBe(5);
    expect(jsghcaDefaults().textOnlyEpochs).toBe(5);
    const v = tinyView(6, 7, 5, 31);
    const model = (await createModel('jsghca', rt, { bits: 8, seed: 3, dims, config: { hidden: 16, dropout: 0, imageOnlyEpochs: 1, textOnlyEpochs: 1, normalizeInputs: false } })) as PairedHashModel;
    await model.prepare!(v);
    const text0 = Float32Array.from((await model.textNet.fc1!.weight.read()) as Float32Array);
    model.startEpoch(0);
    expect(model.stage).toBe('image');
    const batch = { indices: Uint32Array.from({ length: 6 }, (_, i) => i), image: t32(v.image, [6, 7]), text: t32(v.text, [6, 5]) };
    const r = await model.trainStep(batch, 0);
    expect(r.loss).toBeCloseTo(r.terms!.intraImage!, 6);
    expect(r.loss).not.toBeCloseTo(r.terms!.inter! + 0.1 * r.terms!.intraImage! + 0.1 * r.terms!.intraText!, 4);
    expect(Array.from((await model.textNet.fc1!.weight.read()) as Float32Array)).toEqual(Array.from(text0));
    batch.image.dispose();
    batch.text.dispose();
    model.dispose();
  });

  it('a target.rescaleImage/Text from the model config is kept under rescale "auto"; contradicting "on"/"off" is an error', async () => {
    // Sparse non-negative text (mean pairwise cosine < 0.25): 'auto' alone would not rescale it.
    const n = 12, v = tinyView(n, 7, 5, 41);
    v.text = Float32Array.from({ length: n * 5 }, (_, t) => (t % 5 === Math.floor(t / 5) % 5 ? 1 : 0));
    const auto = (await createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { hidden: 16 } })) as PairedHashModel;
    await auto.prepare!(v);
    expect(auto.cfg.target.rescaleText).toBe(false);
    auto.dispose();
    const pinned = (await createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { hidden: 16, target: { rescaleText: true } } })) as PairedHashModel;
    await pinned.prepare!(v);
    expect(pinned.cfg.target.rescaleText).toBe(true);
    pinned.dispose();
    await expect(createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { rescale: 'off', target: { rescaleImage: true } } })).rejects.toThrow(/target\.rescaleImage = true contradicts rescale 'off'/);
  });

  it('--lr-schedule works for djsrh, jsghca and umha (setLrScale scales both nets)', async () => {
    const ds = loadDataset('default');
    const rows = ds.splits.train.slice(0, 64);
    const small = { ...ds, splits: { ...ds.splits, train: rows, val: new Uint32Array(0) } };
    const d = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    for (const name of ['djsrh', 'jsghca', 'umha']) {
      const model = (await createModel(name, rt, { bits: 16, seed: 1, dims: d, config: { hidden: 32, ...(name === 'umha' ? { tokens: 4, heads: 2 } : {}) } })) as PairedHashModel;
      const res = await train(model, small, { epochs: 2, batchSize: 32, seed: 1, evalEvery: 0, patience: 0, lrSchedule: { kind: 'step', every: 1, gamma: 0.5 } });
      expect(res.state.history.map((h) => h.lrScale)).toEqual([1, 0.5]);
      const { optim } = model as unknown as { optim: { lr(group: string): number } };
      expect(optim.lr('optImage')).toBeCloseTo(model.cfg.lrImage * 0.5, 12);
      expect(optim.lr('optText')).toBeCloseTo(model.cfg.lrText * 0.5, 12);
      model.dispose();
    }
  });

  it('DJSRH preset "wikipedia-ref": β 0.3, λ 0.3, lr 0.01 (further keys still apply)', async () => {
    const m = (await createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { preset: 'wikipedia-ref', hidden: 16 } })) as PairedHashModel;
    expect(m.cfg.target.beta).toBe(0.3);
    expect([m.cfg.lambda1, m.cfg.lambda2, m.cfg.lrImage, m.cfg.lrText, m.cfg.hidden]).toEqual([0.3, 0.3, 0.01, 0.01, 16]);
    m.dispose();
    await expect(createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { preset: 'mirflickr' } })).rejects.toThrow(/unknown preset 'mirflickr'/);
  });
});

describe('paired models: image-net-only regularisers (imageWeightDecayScale, imageInputDropout)', () => {
  const dims = { imageDim: 7, textDim: 5, numLabels: 1 };
  type Groups = { optim: { opt: { group(name: string): { hyper: { weightDecay: number } } } } };
  const wd = (m: PairedHashModel, g: string): number => (m as unknown as Groups).optim.opt.group(g).hyper.weightDecay;

  it('imageWeightDecayScale scales the image net\'s weight decay only; default 3 for DJSRH (its validation winner), 1 for JSGHCA / UMHA and the wikipedia-ref preset', async () => {
    for (const name of ['djsrh', 'jsghca', 'umha']) {
      const extra = name === 'umha' ? { tokens: 4, heads: 2 } : {};
      const def = (await createModel(name, rt, { bits: 8, seed: 1, dims, config: { hidden: 16, ...extra } })) as PairedHashModel;
      expect(wd(def, 'optImage'), name).toBeCloseTo(name === 'djsrh' ? 1.5e-3 : 5e-4, 12);
      expect(wd(def, 'optText'), name).toBe(5e-4);
      def.dispose();
      const m = (await createModel(name, rt, { bits: 8, seed: 1, dims, config: { hidden: 16, weightDecay: 1e-3, imageWeightDecayScale: 10, ...extra } })) as PairedHashModel;
      expect(wd(m, 'optImage'), name).toBeCloseTo(1e-2, 12);
      expect(wd(m, 'optText'), name).toBe(1e-3);
      m.dispose();
    }
    const ref = (await createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { preset: 'wikipedia-ref', hidden: 16 } })) as PairedHashModel;
    expect([wd(ref, 'optImage'), wd(ref, 'optText')]).toEqual([5e-4, 5e-4]);
    ref.dispose();
    await expect(createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { imageWeightDecayScale: -1 } })).rejects.toThrow(/imageWeightDecayScale must be a finite number ≥ 0, got -1/);
  });

  it('imageInputDropout drops whole input features (inverted scaling), image net only, training mode only', async () => {
    const d = 7, n = 64;
    const m = (await createModel('djsrh', rt, { bits: 8, seed: 2, dims, config: { hidden: 16, dropout: 0, imageInputDropout: 0.5, normalizeInputs: false } })) as PairedHashModel;
    expect(m.imageNet.inDrop?.p).toBe(0.5);
    expect(m.textNet.inDrop).toBeNull();
    // Each row has one non-zero feature: with it dropped the net sees 0, kept it sees 2x (scaled by 1/(1 − p)).
    const x = Float32Array.from({ length: n * d }, (_, i) => (i % d === Math.floor(i / d) % d ? 1 + (Math.floor(i / d) % 3) : 0));
    const run = async (rows: Float32Array, training: boolean): Promise<Float32Array> => {
      if (training) m.imageNet.train(); else m.imageNet.eval();
      return readT(noGrad(() => m.imageNet.forward(t32(rows, [n, d]))));
    };
    const trainOut = await run(x, true);
    const kept = await run(x.map((v) => 2 * v), false), dropped = await run(new Float32Array(n * d), false);
    const evalOut = await run(x, false);
    let nKept = 0, nDropped = 0;
    for (let r = 0; r < n; r++) {
      const row = (a: Float32Array) => Array.from(a.subarray(r * 8, r * 8 + 8));
      const isKept = allClose(row(trainOut), row(kept), 1e-5, 1e-5).ok, isDropped = allClose(row(trainOut), row(dropped), 1e-5, 1e-5).ok;
      expect(isKept || isDropped, `row ${r}`).toBe(true);
      if (isKept) nKept++; else nDropped++;
    }
    expect(nKept).toBeGreaterThan(10);
    expect(nDropped).toBeGreaterThan(10);
    expect(Array.from(evalOut)).not.toEqual(Array.from(trainOut)); // eval: no dropout (x itself)
    m.dispose();
    // Default 0: no module at all, so the nets (and checkpoints) are those without the knob.
    const def = (await createModel('djsrh', rt, { bits: 8, seed: 2, dims, config: { hidden: 16 } })) as PairedHashModel;
    expect(def.imageNet.inDrop).toBeNull();
    def.dispose();
    await expect(createModel('djsrh', rt, { bits: 8, seed: 1, dims, config: { imageInputDropout: 1 } })).rejects.toThrow(/imageInputDropout must be in \[0, 1\), got 1/);
    await expect(createModel('djsrh', rt, { bits: 8, seed: 1, dims: { imageDim: 3 * 64 * 64, textDim: 5, numLabels: 1 }, config: { imageInput: 'cnnf', imageSize: 64, imageInputDropout: 0.1 } })).rejects.toThrow(/imageInputDropout needs feature input/);
  });
});

describe('UMHA collaborative step and the neighbourhood switch', () => {
  // n = 40 items; only items 0–2 have neighbours. Item 0's own G is slightly negative, its two
  // neighbours' strongly positive. (With n this large, A·G/n is ~n/degree = 17× smaller than D⁻¹A·G.)
  const n = 40;
  const rowPtr = new Uint32Array(n + 1).fill(7);
  rowPtr.set([0, 3, 5, 7]);
  const a: SparseRows = { n, rowPtr, cols: Uint32Array.from([0, 1, 2, 0, 1, 0, 2]), vals: Float32Array.from([1, 0.8, 0.6, 0.8, 1, 0.6, 1]) };
  const hI = Float32Array.from({ length: n }, (_, i) => [-0.1, 0.9, 0.8][i] ?? 0.5), hT = Float32Array.from({ length: n }, (_, i) => [-0.05, 0.9, 0.7][i] ?? -0.2);

  it("B = sign(G + ρ·D⁻¹A·G) (degree-normalised) matches float64; 'n' keeps A·G/n", () => {
    const g = Array.from(hI, (v, i) => v + hT[i]!);
    const deg = [2.4, 1.8, 1.6];
    const acc = [1 * g[0]! + 0.8 * g[1]! + 0.6 * g[2]!, 0.8 * g[0]! + g[1]!, 0.6 * g[0]! + g[2]!];
    const want = g.map((v, r) => (v + (r < 3 ? acc[r]! / deg[r]! : 0) >= 0 ? 1 : -1));
    expect(Array.from(updateCodes(a, hI, hT, 1, 1))).toEqual(want);
    expect(want[0]).toBe(1); // the neighbourhood outweighs the item's own weak code
    const wantN = g.map((v, r) => (v + (r < 3 ? acc[r]! / n : 0) >= 0 ? 1 : -1));
    expect(wantN[0]).toBe(-1); // A·G/n barely moves it
    expect(Array.from(updateCodes(a, hI, hT, 1, 1, 'n'))).toEqual(wantN);
    // Rows with no entries get no neighbourhood term.
    const empty: SparseRows = { n, rowPtr: new Uint32Array(n + 1), cols: new Uint32Array(0), vals: new Float32Array(0) };
    expect(Array.from(updateCodes(empty, hI, hT, 1, 1))).toEqual(g.map((v) => (v >= 0 ? 1 : -1)));
  });

  it('neighbourhoods: false builds no A, trains on the batch S and sets B = sign(H_I + H_T)', async () => {
    const n = 10, v = tinyView(n, 6, 5, 51);
    const model = (await createModel('umha', rt, { bits: 8, seed: 2, dims: { imageDim: 6, textDim: 5, numLabels: 1 }, config: { hidden: 16, tokens: 4, heads: 2, neighbourhoods: false } })) as UmhaModel;
    await model.prepare(v);
    expect(model.affinity!.vals.length).toBe(0);
    const enc = async (mod: 'image' | 'text', x: Float32Array, d: number) => readT(model.encode(mod, t32(x, [n, d])));
    const gi = await enc('image', v.image, 6), gt = await enc('text', v.text, 5);
    expect(Array.from(model.codes!)).toEqual(Array.from(gi, (x, i) => (x + gt[i]! >= 0 ? 1 : -1)));
    const batch = { indices: Uint32Array.from([0, 3, 5, 7]), image: t32(v.image.subarray(0, 24), [4, 6]), text: t32(v.text.subarray(0, 20), [4, 5]) };
    const r = await model.trainStep(batch, 0);
    expect(Number.isFinite(r.loss)).toBe(true);
    batch.image.dispose();
    batch.text.dispose();
    model.dispose();
  });
});

describe('label-guided models: NLL against all n items\' label features, HFAH Eq. 5', () => {
  const n = 7, m = 3, c = 3, dims = { imageDim: 5, textDim: 12, numLabels: c };
  const rng = new Rng(7);
  const lab = new Float32Array(n * c);
  for (let i = 0; i < n; i++) lab[i * c + (i % c)] = 1;
  lab[1 * c + 2] = 1;
  const view: TrainingSetView = { n, imageDim: 5, textDim: 12, labelDim: c, image: Float32Array.from({ length: n * 5 }, () => rng.uniform(0, 1)), text: Float32Array.from({ length: n * 12 }, () => rng.uniform(0, 1)), labels: lab };
  const rows = [4, 1, 6];
  const pick = (src: Float32Array, d: number) => Float32Array.from({ length: m * d }, (_, t) => src[rows[Math.floor(t / d)]! * d + (t % d)]!);
  const batch = () => ({ indices: Uint32Array.from(rows), image: t32(pick(view.image, 5), [m, 5]), text: t32(pick(view.text, 12), [m, 12]), labels: t32(pick(lab, c), [m, c]) });
  const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  /** mean over [m, n] of softplus(θ) − sθ, θ = ½ a_i·b_j, s = shares a label. */
  const nllCpu = (A: Float32Array, B: Float32Array, k: number): number => {
    let s = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let th = 0;
      for (let t = 0; t < k; t++) th += A[i * k + t]! * B[j * k + t]!;
      th *= 0.5;
      let sh = 0;
      for (let q = 0; q < c; q++) sh += lab[rows[i]! * c + q]! * lab[j * c + q]!;
      s += softplus(th) - (sh > 0 ? th : 0);
    }
    return s / (m * n);
  };

  for (const name of ['ssah', 'hfah', 'udsph'] as const) {
    it(`${name}: label and modality NLLs pair the batch with the label features/codes of all n items`, async () => {
      const model = (await createModel(name, rt, { bits: 8, seed: 2, dims, config: { hidden: 16, feat: 16, tokenDim: 8, dropout: 0 } })) as LabelGuidedModel;
      await model.prepare(view);
      expect(model.labelsUnique!.shape).toEqual([4, c]); // 4 distinct label vectors among the 7 items
      const feat = 16, k = 8;
      const allLabels = t32(lab, [n, c]);
      const runAll = async () => {
        const o = noGrad(() => model.labelNet.run(allLabels));
        const r = { feat: await readT(o.feat), code: await readT(o.code) };
        o.labels.dispose();
        return r;
      };
      const pre = await runAll();
      const fPre = Float32Array.from(rows.flatMap((r) => Array.from(pre.feat.subarray(r * feat, r * feat + feat))));
      const hPre = Float32Array.from(rows.flatMap((r) => Array.from(pre.code.subarray(r * k, r * k + k))));
      const out = tidy(() => {
        const o = model.stepTensors(batch(), 'label');
        return [o.labelFeatNll!, o.labelCodeNll!, o.imageFeatNll!];
      });
      const got = await Promise.all(out.map((t) => readT(t)));
      expect(got[0]![0]).toBeCloseTo(nllCpu(fPre, pre.feat, feat), 4);
      expect(got[1]![0]).toBeCloseTo(nllCpu(hPre, pre.code, k), 4);
      // The image net's feature NLL pairs it with the updated label net's features of all n items.
      const post = await runAll();
      expect(post.feat.some((v, i) => v !== pre.feat[i])).toBe(true);
      const ox = noGrad(() => model.imageNet!.run(t32(pick(view.image, 5), [m, 5])));
      const fx = await readT(ox.feat);
      ox.code.dispose();
      ox.labels.dispose();
      expect(got[2]![0]).toBeCloseTo(nllCpu(fx, post.feat, feat), 4);
      allLabels.dispose();
      model.dispose();
    });
  }

  it("SSAH (and UDSPH) quantise like SSAH's reference from 32 bits: β 1, B = sign(H^l + H^x + H^y) over the training set (session 9: at 128 bits β .05 with B = sign(H^x + H^y) left the codes at chance)", async () => {
    // UDSPH inherits it (its own selection, seeds 1–3); HFAH keeps β .05 (β 1 lost its selection; its B already has H^l).
    // Below 32 bits the per-length selection chose β .05 with B = sign(H^x + H^y) (test/length-selection.test.ts).
    expect([udsphDefaults().beta, udsphDefaults().codeMatrix]).toEqual([1, 'label+modalities']);
    expect([udsphDefaults(16).beta, udsphDefaults(16).codeMatrix]).toEqual([0.05, 'modalities']);
    expect([hfahDefaults().beta, hfahDefaults().codeMatrix]).toEqual([0.05, 'label+modalities']);
    const model = (await createModel('ssah', rt, { bits: 8, seed: 3, dims, config: { hidden: 16, feat: 16, dropout: 0, beta: 1, codeMatrix: 'label+modalities' } })) as LabelGuidedModel;
    expect([model.cfg.beta, model.cfg.codeMatrix]).toEqual([1, 'label+modalities']);
    await model.prepare(view);
    const k = 8;
    /** The codes H a net gives for all n training rows (input and other outputs disposed). */
    const codeOf = async (net: { run(x: Tensor): { feat: Tensor; code: Tensor; labels: Tensor } }, rowsOf: Float32Array, d: number) => {
      const x = t32(rowsOf, [n, d]);
      const o = noGrad(() => net.run(x));
      x.dispose();
      o.feat.dispose();
      o.labels.dispose();
      return readT(o.code);
    };
    const hl = await codeOf(model.labelNet, lab, c);
    const hx = await codeOf(model.imageNet!, view.image, 5);
    const hy = await codeOf(model.textNet, view.text, 12);
    const want = Array.from({ length: n * k }, (_, i) => (hl[i]! + hx[i]! + hy[i]! >= 0 ? 1 : -1));
    const withoutLabel = Array.from({ length: n * k }, (_, i) => (hx[i]! + hy[i]! >= 0 ? 1 : -1));
    expect(want).not.toEqual(withoutLabel); // the check can tell the two code matrices apart
    expect(Array.from(await model.B!.read())).toEqual(want);
    model.dispose();
  });

  it('HFAH modality loss has no code NLL and no label prediction (Eq. 5); SSAH keeps both', async () => {
    expect([hfahDefaults().gammaModality, hfahDefaults().etaModality]).toEqual([0, 0]);
    for (const name of ['hfah', 'ssah'] as const) {
      const model = (await createModel(name, rt, { bits: 8, seed: 2, dims, config: { hidden: 16, feat: 16 } })) as LabelGuidedModel;
      await model.prepare(view);
      const keys = tidy(() => {
        const o = model.stepTensors(batch(), 'label');
        const ks = Object.keys(o);
        for (const t of Object.values(o)) t.dispose();
        return ks;
      });
      const has = (kk: string) => keys.includes(kk);
      expect([has('imageCodeNll'), has('imagePred'), has('textCodeNll'), has('textPred')]).toEqual(name === 'ssah' ? [true, true, true, true] : [false, false, false, false]);
      expect(has('labelCodeNll') && has('labelPred')).toBe(true);
      model.dispose();
    }
  });

  it('HFAH: four decoders from the codes, so the reconstruction alone moves the hash layers', async () => {
    const model = (await createModel('hfah', rt, {
      bits: 8, seed: 2, dims,
      config: { hidden: 16, feat: 16, alpha: 0, beta: 0, labelCode: 0, adversarial: 0, reconstruction: 1, lrImage: 0.05, lrText: 0.05 },
    })) as LabelGuidedModel;
    await model.prepare(view);
    expect([model.decImage, model.decText, model.decImageFromText, model.decTextFromImage].every((d) => d && d.fc1.inFeatures === 8)).toBe(true);
    const before = Float32Array.from((await model.imageNet!.hash.weight.read()) as Float32Array);
    const beforeT = Float32Array.from((await model.textNet.hash.weight.read()) as Float32Array);
    tidy(() => {
      model.stepTensors(batch(), 'generator');
    });
    const after = (await model.imageNet!.hash.weight.read()) as Float32Array;
    const afterT = (await model.textNet.hash.weight.read()) as Float32Array;
    expect(after.some((x, i) => x !== before[i])).toBe(true);
    expect(afterT.some((x, i) => x !== beforeT[i])).toBe(true);
    model.dispose();
  });

  it('HFAH ablations are cumulative: -1 base, -2 = -1 + hybrid attention, -3 = -2 + multi-scale fusion', () => {
    const full = hfahDefaults();
    const pick3 = (a: '1' | '2' | '3') => {
      const c3 = hfahAblation(full, a);
      return [c3.hybridAttention, c3.fusionWidths.length > 0, c3.reconstruction > 0, c3.adversarial > 0];
    };
    expect(pick3('1')).toEqual([false, false, false, false]);
    expect(pick3('2')).toEqual([true, false, false, false]);
    expect(pick3('3')).toEqual([true, true, false, false]);
    expect([full.hybridAttention, full.fusionWidths.length > 0, full.reconstruction > 0, full.adversarial > 0]).toEqual([true, true, true, true]);
  });

  it('UDSPH: adversarial weight 0 by default (the validation winner, [ours]); a weight > 0 builds SSAH\'s discriminators', async () => {
    expect(udsphDefaults().adversarial).toBe(0);
    const model = (await createModel('udsph', rt, { bits: 8, seed: 2, dims, config: { hidden: 16, feat: 16, tokenDim: 8, adversarial: 0.01 } })) as HashModel & LabelGuidedModel;
    expect(model.discImage && model.discText).toBeTruthy();
    model.dispose();
  });
});
