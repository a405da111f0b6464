/**
 * Shallow baselines (issue 12): the float64 linear algebra against defining identities, ITQ's rotation
 * and monotone quantisation loss, CCA against the closed-form multiple correlation, CMFH's monotone
 * objective, SCM-seq's generalised eigenproblem and factorised residual against brute force over explicit
 * n×n matrices, the models through the shared training loop (one epoch, GPU encode = host sign(xW + b),
 * checkpoint round trip) and the CLI on the embedded dataset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Runtime } from '../src/runtime/runtime.js';
import { Rng } from '../src/util/rng.js';
import { cholesky, mat, matmul, matmulTN, solveSpd, svd, symEig, transpose, type Mat } from '../src/models/shallow/linalg.js';
import { itq, padColumns, quantisationLoss } from '../src/models/shallow/itq.js';
import { centredData } from '../src/models/shallow/data.js';
import { cca } from '../src/models/cca-itq/index.js';
import { cmfhDefaults, cmfhSolve } from '../src/models/cmfh/index.js';
import { crossSimilarity, fitScmSeq, rowNormalise, scmResidual, topSingularPair } from '../src/models/scm-seq/index.js';
import { fitRidgeItq, ridge } from '../src/models/ridge-itq/index.js';
import { createModel } from '../src/models/registry.js';
import { decodeIndexFile } from '../src/retrieval/index-file.js';
import type { HashModel, TrainingSetView } from '../src/models/types.js';
import { train, trainingSetView } from '../src/train/loop.js';
import { captureCheckpoint, restoreCheckpoint } from '../src/train/checkpoint.js';
import { encodeFeatures } from '../src/train/evaluate.js';
import { loadDataset } from '../src/data/node/load.js';
import { gatherRows, type Dataset } from '../src/data/dataset.js';
import { getRuntime } from './helpers.js';

const gauss = (r: number, c: number, rng: Rng): Mat => mat(r, c, Float64Array.from({ length: r * c }, () => rng.normal()));
const maxAbsDiff = (a: Mat, b: Mat) => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
const expectOrthonormalColumns = (q: Mat, tol = 1e-10) => {
  const g = matmulTN(q, q);
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) expect(Math.abs(g.data[i * g.cols + j]! - (i === j ? 1 : 0))).toBeLessThan(tol);
};
const diagMat = (v: ArrayLike<number>) => {
  const d = mat(v.length, v.length);
  for (let i = 0; i < v.length; i++) d.data[i * v.length + i] = v[i]!;
  return d;
};

describe('float64 linear algebra', () => {
  it('symEig: A·V = V·Λ, VᵀV = I, descending; repeated eigenvalues', () => {
    const rng = new Rng(3);
    const g = gauss(23, 23, rng);
    const a = matmul(g, transpose(g));
    const { values, vectors } = symEig(a);
    expectOrthonormalColumns(vectors);
    expect(maxAbsDiff(matmul(a, vectors), matmul(vectors, diagMat(values)))).toBeLessThan(1e-9);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    // Q·diag(3,3,1,1,0)·Qᵀ: clustered spectrum, one zero eigenvalue.
    const q = svd(gauss(5, 5, rng)).u;
    const b = matmul(matmul(q, diagMat([3, 3, 1, 1, 0])), transpose(q));
    const e = symEig(b);
    expect(Array.from(e.values).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([3, 3, 1, 1, 0]);
    expect(maxAbsDiff(matmul(b, e.vectors), matmul(e.vectors, diagMat(e.values)))).toBeLessThan(1e-12);
    expectOrthonormalColumns(e.vectors);
  });

  it('svd: U·S·Vᵀ = A with orthonormal factors, tall, wide and rank-deficient', () => {
    const rng = new Rng(5);
    const rankDef = matmul(gauss(12, 3, rng), gauss(3, 12, rng));
    for (const a of [gauss(17, 9, rng), gauss(9, 17, rng), rankDef]) {
      const { u, s, v } = svd(a);
      expectOrthonormalColumns(u);
      expectOrthonormalColumns(v);
      expect(maxAbsDiff(matmul(matmul(u, diagMat(s)), transpose(v)), a)).toBeLessThan(1e-10);
      for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]! + 1e-12);
    }
    expect(svd(rankDef).s[3]!).toBeLessThan(1e-10); // rank 3
  });

  it('solveSpd solves A·X = B; cholesky names a non-positive-definite matrix', () => {
    const rng = new Rng(7);
    const g = gauss(11, 11, rng);
    const a = matmulTN(g, g);
    for (let i = 0; i < 11; i++) a.data[i * 11 + i]! += 0.5;
    const b = gauss(11, 4, rng);
    expect(maxAbsDiff(matmul(a, solveSpd(a, b)), b)).toBeLessThan(1e-10);
    expect(() => cholesky(mat(2, 2, [1, 2, 2, 1]))).toThrow(/not positive definite.*regularisation/);
  });
});

describe('ITQ', () => {
  it('the rotation is orthogonal and the quantisation loss never increases (also padded, c < k)', () => {
    const rng = new Rng(11);
    for (const [c, k] of [[8, 8], [3, 16]]) {
      const v = padColumns(matmul(gauss(300, c, rng), diagMat(Array.from({ length: c }, (_, i) => 2 / (i + 1)))), k);
      const { rotation, losses } = itq(v, 30, new Rng(1));
      expectOrthonormalColumns(rotation, 1e-9);
      expectOrthonormalColumns(transpose(rotation), 1e-9);
      for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-12));
      // ITQ beats the random rotation it started from.
      const { rotation: r0 } = itq(v, 0, new Rng(1));
      expect(losses[losses.length - 1]!).toBeLessThan(quantisationLoss(matmul(v, r0)));
    }
  });
});

describe('CCA, CMFH and SCM-seq fits', () => {
  it('CCA: the first canonical correlation with 1-d text equals the multiple correlation R of y on X; variates are uncorrelated, unit variance', () => {
    const rng = new Rng(13);
    const n = 400;
    const x = gauss(n, 4, rng);
    const y = mat(n, 1);
    for (let i = 0; i < n; i++) y.data[i] = 0.8 * x.data[i * 4]! - 0.5 * x.data[i * 4 + 2]! + rng.normal();
    const centre = (m: Mat) => {
      for (let j = 0; j < m.cols; j++) {
        let s = 0;
        for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + j]!;
        for (let i = 0; i < m.rows; i++) m.data[i * m.cols + j]! -= s / m.rows;
      }
      return m;
    };
    centre(x);
    centre(y);
    // Reference: R² = 1 − RSS/TSS of least squares y ~ X (normal equations, float64).
    const beta = solveSpd(matmulTN(x, x), matmulTN(x, y));
    const fit = matmul(x, beta);
    const rss = y.data.reduce((s, v, i) => s + (v - fit.data[i]!) ** 2, 0), tss = y.data.reduce((s, v) => s + v * v, 0);
    const { wx, wy, r } = cca(x, y, 1e-12, 4);
    expect(r[0]!).toBeCloseTo(Math.sqrt(1 - rss / tss), 8);
    expect(r[1]!).toBeLessThan(1e-6); // one text dimension: one correlated direction
    const u = matmul(x, wx), v = matmul(y, wy);
    const cov = (a: Mat, i: number, b: Mat, j: number) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += a.data[k * a.cols + i]! * b.data[k * b.cols + j]!;
      return s / (n - 1);
    };
    expect(cov(u, 0, u, 0)).toBeCloseTo(1, 6);
    expect(cov(v, 0, v, 0)).toBeCloseTo(1, 6);
    expect(cov(u, 0, v, 0)).toBeCloseTo(r[0]!, 6);
    expect(Math.abs(cov(u, 0, u, 1))).toBeLessThan(1e-8);
  });

  it('CMFH: every block update lowers the objective', () => {
    const rng = new Rng(17);
    const x = gauss(120, 9, rng), y = gauss(120, 5, rng);
    const { objectives, state } = cmfhSolve(x, y, 6, new Rng(2), { ...cmfhDefaults, maxIterations: 25, tolerance: 0 });
    expect(objectives.length).toBe(25);
    for (let i = 1; i < objectives.length; i++) expect(objectives[i]!).toBeLessThanOrEqual(objectives[i - 1]! * (1 + 1e-12));
    expect(objectives[24]!).toBeLessThan(objectives[0]! * 0.99);
    expect(state.p1t.rows).toBe(9);
    expect(state.p1t.cols).toBe(6);
  });

  it('SCM-seq: XᵀSY and the residual match explicit n×n matrices; the first bit solves the generalised eigenproblem', () => {
    const rng = new Rng(19);
    const n = 60, dx = 7, dy = 4, c = 5, k = 3;
    const view: TrainingSetView = {
      n, imageDim: dx, textDim: dy, labelDim: c,
      image: Float32Array.from({ length: n * dx }, () => rng.normal()),
      text: Float32Array.from({ length: n * dy }, () => rng.normal()),
      labels: Float32Array.from({ length: n * c }, () => (rng.next() < 0.3 ? 1 : 0)),
    };
    const data = centredData(view, 'scm-seq', true);
    const lhat = rowNormalise(data.labels!);
    const s = mat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let d = 0;
      for (let t = 0; t < c; t++) d += lhat.data[i * c + t]! * lhat.data[j * c + t]!;
      s.data[i * n + j] = 2 * d - 1;
    }
    const xsy = matmul(matmulTN(data.image, s), data.text);
    expect(maxAbsDiff(crossSimilarity(data.image, data.text, lhat), xsy)).toBeLessThan(1e-9);
    const fit = fitScmSeq(data, k, new Rng(0), { reg: 1e-9 });
    const sign = (m: Mat) => mat(m.rows, m.cols, m.data.map((v) => (v >= 0 ? 1 : -1)));
    const bx = sign(matmul(data.image, fit.image)), by = sign(matmul(data.text, fit.text));
    const diff = matmul(bx, transpose(by));
    let res = 0;
    for (let i = 0; i < n * n; i++) res += (diff.data[i]! - k * s.data[i]!) ** 2;
    expect(scmResidual(bx, by, lhat, k)).toBeCloseTo(res / (n * n * k * k), 9);
    expect(fit.loss).toBeCloseTo(res / (n * n * k * k), 9);
    // Bit 1: (XᵀSY)·wy ∥ (XᵀX)·wx and (XᵀSY)ᵀ·wx ∥ (YᵀY)·wy (the stationarity conditions of the eigenproblem).
    const col = (m: Mat, j: number) => mat(m.rows, 1, Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]!));
    const wx = col(fit.image, 0), wy = col(fit.text, 0);
    const cosine = (a: Mat, b: Mat) => {
      const d = a.data.reduce((t, v, i) => t + v * b.data[i]!, 0);
      return d / Math.sqrt(a.data.reduce((t, v) => t + v * v, 0) * b.data.reduce((t, v) => t + v * v, 0));
    };
    expect(cosine(matmul(xsy, wy), matmul(matmulTN(data.image, data.image), wx))).toBeCloseTo(1, 8);
    expect(cosine(matmul(transpose(xsy), wx), matmul(matmulTN(data.text, data.text), wy))).toBeCloseTo(1, 8);
    // topSingularPair agrees with the SVD.
    const m = gauss(6, 9, rng);
    expect(topSingularPair(m).sigma).toBeCloseTo(svd(m).s[0]!, 10);
  });
});

describe('ridge + ITQ', () => {
  it('ridge solves the regularised normal equations; more labels than bits goes through PCA to k columns', () => {
    const rng = new Rng(23);
    const x = gauss(80, 6, rng), t = gauss(80, 3, rng);
    const w = ridge(x, t, 0.1);
    const g = matmulTN(x, x);
    const lam = 0.1 * (Array.from({ length: 6 }, (_, i) => g.data[i * 6 + i]!).reduce((a, b) => a + b, 0) / 6);
    const lhs = matmul(g, w);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) lhs.data[i * 3 + j]! += lam * w.data[i * 3 + j]!;
    expect(maxAbsDiff(lhs, matmulTN(x, t))).toBeLessThan(1e-9);
    const n = 90, c = 24;
    const view: TrainingSetView = {
      n, imageDim: 7, textDim: 5, labelDim: c,
      image: Float32Array.from({ length: n * 7 }, () => rng.normal()), text: Float32Array.from({ length: n * 5 }, () => rng.normal()),
      labels: Float32Array.from({ length: n * c }, () => (rng.next() < 0.2 ? 1 : 0)),
    };
    const fit = fitRidgeItq(centredData(view, 'ridge-itq', true), 16, new Rng(1), { reg: 1e-2, itqIterations: 10 });
    expect([fit.image.rows, fit.image.cols, fit.text.rows, fit.text.cols]).toEqual([7, 16, 5, 16]);
    expect(fit.image.data.every(Number.isFinite)).toBe(true);
  });
});

describe('shallow baselines as HashModels', () => {
  let rt: Runtime;
  let ds: Dataset;
  beforeAll(async () => {
    rt = await getRuntime();
    ds = loadDataset('default', { valSeed: 1 });
  });
  const dims = () => ({ imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels });

  it('train runs one epoch (maxEpochs 1) for each baseline, beats random codes on validation, GPU encode = host sign(x·W + b), checkpoints round-trip', async () => {
    for (const name of ['cca-itq', 'cmfh', 'scm-seq', 'ridge-itq']) {
      const model: HashModel = await createModel(name, rt, { bits: 32, seed: 1, dims: dims() });
      try {
        const r = await train(model, ds, { epochs: 20, batchSize: 512, seed: 1, evalEvery: 1, patience: 5 });
        expect(r.state.epoch, name).toBe(1);
        expect(r.best?.epoch).toBe(1);
        expect(r.best!.score, name).toBeGreaterThan(0.18); // random codes ≈ 0.11 mAP@all here
        const ckpt = await captureCheckpoint(model, { config: {}, dims: dims(), loop: r.state });
        const w = ckpt.weights.get('image.weight')!.data as Float32Array, b = ckpt.weights.get('image.bias')!.data as Float32Array;
        const rows = ds.splits.query.subarray(0, 40);
        const codes = await encodeFeatures(model, 'image', ds.image, ds.imageDim, rows);
        const host = gatherRows(ds.image, ds.imageDim, rows);
        let agree = 0, total = 0;
        for (let i = 0; i < rows.length; i++) for (let j = 0; j < 32; j++) {
          let z = b[j]!;
          for (let d = 0; d < ds.imageDim; d++) z += host[i * ds.imageDim + d]! * w[d * 32 + j]!;
          const bit = (codes[i]! >>> j) & 1;
          total++;
          if (bit === (z >= 0 ? 1 : 0) || Math.abs(z) < 1e-5) agree++;
        }
        expect(agree, name).toBe(total);
        const fresh = await createModel(name, rt, { bits: 32, seed: 9, dims: dims() });
        await restoreCheckpoint(fresh, ckpt);
        expect(Array.from(await encodeFeatures(fresh, 'image', ds.image, ds.imageDim, rows))).toEqual(Array.from(codes));
        fresh.dispose();
      } finally {
        model.dispose();
      }
    }
  }, 300_000);

  it('clear errors: raw images, no labels for a supervised baseline, training without prepare, unknown config', async () => {
    await expect(createModel('cca-itq', rt, { bits: 16, seed: 1, dims: { ...dims(), imageShape: [3, 64, 64] } })).rejects.toThrow(/not raw images/);
    await expect(createModel('scm-seq', rt, { bits: 16, seed: 1, dims: { ...dims(), numLabels: 0 } })).rejects.toThrow(/supervised: the dataset has no labels/);
    await expect(createModel('cmfh', rt, { bits: 16, seed: 1, dims: dims(), config: { lamda: 0.3 } })).rejects.toThrow(/unknown config key 'lamda'/);
    const m = await createModel('ridge-itq', rt, { bits: 16, seed: 1, dims: dims() });
    await expect(m.trainStep({} as never, 0)).rejects.toThrow(/prepare\(trainingSet\) must be called/);
    const view = trainingSetView(ds);
    await m.prepare!({ ...view, labels: new Float32Array(view.labels!.length) });
    await expect(m.trainStep({} as never, 0)).rejects.toThrow(/every training label is 0/);
    m.dispose();
  });
});

describe('shallow baselines through the CLI', () => {
  const root = resolve(__dirname, '..');
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  const tmp = mkdtempSync(join(tmpdir(), 'cmhash-shallow-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() }, timeout: 300_000 });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };

  it('cmhash train --model cca-itq on the embedded dataset, then eval and encode from its checkpoint', () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does) before this file`);
    const out = join(tmp, 'cca');
    const r = cli('train', '--model', 'cca-itq', '--bits', '32', '--data', 'default', '--seed', '1', '--progress', 'lines', '--out', out);
    expect(r.code, r.err).toBe(0);
    const events = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
    expect(events).toEqual(['start', 'val', 'epoch', 'test']); // one closed-form epoch, although --epochs defaults to 20
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.i2t.mapAll).toBeGreaterThan(0.2); // CCA-ITQ ≈ 0.25 I→T here; random codes ≈ 0.11
    expect(res.t2i.mapAll).toBeGreaterThan(0.18);
    expect(res.randomCodes.i2t.mapAll).toBeLessThan(0.13);
    const ev = cli('eval', '--checkpoint', join(out, 'checkpoints', 'best'), '--out', join(tmp, 'eval'));
    expect(ev.code, ev.err).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'eval', 'results.json'), 'utf8')).i2t.mapAll).toBe(res.i2t.mapAll);
    const db = join(tmp, 'db.cmhi');
    const enc = cli('encode', '--checkpoint', join(out, 'checkpoints', 'best'), '--modality', 'text', '--data', 'default', '--split', 'retrieval', '--output', db);
    expect(enc.code, enc.err).toBe(0);
    const file = decodeIndexFile(new Uint8Array(readFileSync(db)), db);
    expect(file.codes.length).toBe(2173 * Math.ceil(file.bits / 32)); // one code per retrieval item
    expect(file.ids?.length).toBe(2173);
  }, 300_000);

  it('scripts/results.mjs: selection, runs and random codes recorded once; a restart skips finished runs; tables rendered', () => {
    const out = join(tmp, 'results');
    const driver = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'results.mjs'), '--models', 'ridge-itq', '--bits', '16', '--seeds', '1', '--out', out, ...args], {
        cwd: root, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() }, timeout: 300_000,
      });
      return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
    };
    const first = driver();
    expect(first.code, first.err).toBe(0);
    const lines = (f: string) => readFileSync(join(out, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines('selection.jsonl').map((r) => r.variant)).toEqual(['reg 1e-2', 'reg 1']);
    const runs = lines('runs.jsonl');
    expect(runs.map((r) => r.model)).toEqual(['ridge-itq', 'random']);
    expect(runs[0].variant).toBe('reg 1e-2'); // the validation winner
    expect(runs[0].test.i2t.mapAll).toBeGreaterThan(0.2);
    expect(runs[0].test.t2i.p100).toBeGreaterThan(0.15);
    const again = driver();
    expect(again.code, again.err).toBe(0);
    expect(again.out).not.toMatch(/ridge-itq 16 bits|select/); // nothing retrained
    expect(lines('runs.jsonl').length).toBe(2);
    const md = readFileSync(join(out, 'tables.md'), 'utf8');
    expect(md).toMatch(/\| ridge \+ ITQ \(shallow\) \| 0\.\d{3} \(1 seed\) \|/);
    expect(md).toMatch(/\| random codes \| 0\.1\d\d \(1 seed\) \|/);
    expect(JSON.parse(readFileSync(join(out, 'tables.json'), 'utf8')).models['ridge-itq']['16']['i2t.mapAll'].n).toBe(1);
  }, 300_000);
});
