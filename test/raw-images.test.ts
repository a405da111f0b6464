/**
 * The raw-image path from one setting: a model created with dims.imageShape [3, S, S] (what
 * `cmhash train --raw-images S` passes) selects CNN-F at size S by itself, for every model with an
 * image net; the supervised models (DCMH, SSAH, HFAH, UDSPH) train on real MIRFlickr photos (64 px).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createModel } from '../src/models/registry.js';
import { train, evaluateCrossModal } from '../src/train/index.js';
import { loadDataset } from '../src/data/node/load.js';
import { sharedDataDir } from '../src/data/node/files.js';
import { rawImageInput } from '../src/data/node/images.js';
import { photoSubset } from '../src/data/dataset.js';
import { getRuntime } from './helpers.js';

const rt = await getRuntime();

const S = 64;
/** The models with an image network (the shallow ones, cca-itq …, are linear maps of feature vectors). */
const DEEP_MODELS = ['jsghca', 'djsrh', 'umha', 'dcmh', 'ssah', 'hfah', 'udsph'];
const small = { hidden: 64, cnnfChannels: [8, 16, 16, 16, 16] };
const dims = { imageDim: 0, textDim: 20, numLabels: 5, imageShape: [3, S, S] };

describe('raw images from one flag', () => {
  it('dims.imageShape alone selects CNN-F at that size for every model (no --model-config)', async () => {
    for (const name of DEEP_MODELS) {
      const model = await createModel(name, rt, { bits: 16, seed: 1, dims, config: { hidden: 128 } });
      const cfg = model.info.config as { imageInput?: string; imageSize?: number };
      expect(cfg.imageInput, name).toBe('cnnf');
      expect(cfg.imageSize, name).toBe(S);
      expect([...model.namedParameters().keys()].some((k) => k.includes('cnnf.conv1.weight')), name).toBe(true);
      model.dispose();
    }
    // Without imageShape the same models keep the feature input (a negative control for the test above).
    const plain = await createModel('ssah', rt, { bits: 16, seed: 1, dims: { imageDim: 128, textDim: 20, numLabels: 5 }, config: { hidden: 128 } });
    expect((plain.info.config as { imageInput: string }).imageInput).toBe('features');
    expect([...plain.namedParameters().keys()].some((k) => k.includes('cnnf'))).toBe(false);
    plain.dispose();
    await expect(createModel('dcmh', rt, { bits: 16, seed: 1, dims: { ...dims, imageShape: [3, S, S + 1] } })).rejects.toThrow(/square RGB/);
  });

  const photos = join(sharedDataDir(), 'mirflickr25k', 'images');
  it.skipIf(!existsSync(photos))('DCMH, SSAH, HFAH and UDSPH train on real MIRFlickr photos through CNN-F (64 px)', async () => {
    const ds = photoSubset(loadDataset('mirflickr'), { numQuery: 6, seed: 1, valSize: 0, limit: 22 });
    expect(ds.imageDim).toBe(0); // pixels come only through the image input, as with --raw-images
    const imageInput = rawImageInput(rt, ds, { height: S, width: S, seed: 1 });
    for (const name of ['dcmh', 'ssah', 'hfah', 'udsph']) {
      const model = await createModel(name, rt, { bits: 16, seed: 2, dims: { imageDim: 0, textDim: ds.textDim, numLabels: ds.numLabels, imageShape: [...imageInput.shape] }, config: small });
      const key = [...model.namedParameters().keys()].find((k) => k.endsWith('cnnf.conv1.weight'))!;
      const before = Float32Array.from((await model.namedParameters().get(key)!.read()) as Float32Array);
      const losses: number[] = [];
      await train(model, ds, { epochs: 1, batchSize: 8, seed: 2, evalEvery: 0, patience: 0 }, { imageInput, onStep: (s) => losses.push(s.loss) });
      expect(losses.length, name).toBe(2);
      expect(losses.every(Number.isFinite), `${name}: ${losses}`).toBe(true);
      const after = (await model.namedParameters().get(key)!.read()) as Float32Array;
      expect(after.some((x, i) => x !== before[i]), `${name}: gradients reach the conv stack`).toBe(true);
      const met = await evaluateCrossModal(model, ds, ds.splits.query, ds.splits.retrieval, { imageInput });
      expect(met.i2t.queries).toBe(6);
      expect(Number.isFinite(met.i2t.mapAll) && met.i2t.mapAll > 0, name).toBe(true);
      model.dispose();
    }
  });
});
