/** Raw-image path: JPEG decoding of real MIRFlickr photos, affine augmentation, GPU normalisation vs CPU. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mat3, vec2 } from 'gl-matrix';
import { allClose, getRuntime } from './helpers.js';
import { augmentBox, augmentImage, cropTransform, decodeJpeg, warpBilinear, type RgbImage } from '../src/data/image.js';
import { readJpegFile, loadImageBatch } from '../src/data/node/images.js';
import { loadMirflickr } from '../src/data/node/mirflickr.js';
import { sharedDataDir } from '../src/data/node/files.js';
import { imageNormalize, IMAGENET_MEAN, IMAGENET_STD } from '../src/ops/image.js';
import { imageNormalizeCpu } from '../src/ops/cpu/image.js';
import { fromArray } from '../src/ops/elementwise.js';
import { DataError } from '../src/runtime/errors.js';
import { Rng } from '../src/util/rng.js';

const dataDir = (() => { try { return sharedDataDir(); } catch { return null; } })();
const imgDir = dataDir ? join(dataDir, 'mirflickr25k', 'images') : '';
const tmp = mkdtempSync(join(tmpdir(), 'cmhash-img-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function synthetic(w: number, h: number, seed: number): RgbImage {
  const r = new Rng(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, () => r.int(256)) };
}

describe('affine augmentation', () => {
  it('identity resize reproduces the image; a double flip is the identity; a flip mirrors columns', () => {
    const img = synthetic(17, 11, 1);
    expect(Array.from(augmentImage(img, { width: 17, height: 11, mode: 'resize' }))).toEqual(Array.from(img.data));
    const f = warpBilinear(img, cropTransform([0, 0, 17, 11], 17, 11, true), 17, 11);
    for (let y = 0; y < 11; y++) for (let x = 0; x < 17; x++) for (let c = 0; c < 3; c++) expect(f[(y * 17 + x) * 3 + c]).toBe(img.data[(y * 17 + (16 - x)) * 3 + c]);
    const ff = warpBilinear({ width: 17, height: 11, data: f }, cropTransform([0, 0, 17, 11], 17, 11, true), 17, 11);
    expect(Array.from(ff)).toEqual(Array.from(img.data));
  });

  it('bilinear resampling matches a float64 formula; 2× downscale averages 2×2 blocks', () => {
    const img = synthetic(8, 6, 2);
    const down = augmentImage(img, { width: 4, height: 3, mode: 'resize' });
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) {
      const px = (yy: number, xx: number) => img.data[(yy * 8 + xx) * 3 + c]!;
      const want = (px(2 * y, 2 * x) + px(2 * y, 2 * x + 1) + px(2 * y + 1, 2 * x) + px(2 * y + 1, 2 * x + 1)) / 4;
      expect(Math.abs(down[(y * 4 + x) * 3 + c]! - want)).toBeLessThanOrEqual(0.5);
    }
    // Arbitrary crop: compare with an explicit map (x+½)·sx + x0 − ½.
    const box: [number, number, number, number] = [1.25, 0.5, 5.5, 4];
    const out = warpBilinear(img, cropTransform(box, 7, 5), 7, 5);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) {
      const sx = Math.min(Math.max(box[0] + (x + 0.5) * box[2] / 7 - 0.5, 0), 7), sy = Math.min(Math.max(box[1] + (y + 0.5) * box[3] / 5 - 0.5, 0), 5);
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(Math.min(yy, 5) * 8 + Math.min(xx, 7)) * 3 + c]!;
        const v = (p(y0, x0) * (1 - fx) + p(y0, x0 + 1) * fx) * (1 - fy) + (p(y0 + 1, x0) * (1 - fx) + p(y0 + 1, x0 + 1) * fx) * fy;
        expect(Math.abs(out[(y * 7 + x) * 3 + c]! - v)).toBeLessThanOrEqual(0.5 + 1e-9);
      }
    }
  });

  it('crop transforms are gl-matrix affines: corners map to the box; random crops stay inside and are seeded', () => {
    const m = cropTransform([10, 20, 100, 50], 224, 224, true);
    const p = vec2.transformMat3(vec2.create(), [0, 0], m);
    expect([p[0], p[1]]).toEqual([110, 20]); // flipped: output left edge = box right edge
    expect(mat3.determinant(m)).toBeCloseTo(-(100 / 224) * (50 / 224), 6);
    const a = augmentBox(300, 200, { width: 64, height: 64, mode: 'random-crop', flip: true }, new Rng(3));
    const b = augmentBox(300, 200, { width: 64, height: 64, mode: 'random-crop', flip: true }, new Rng(3));
    expect(a).toEqual(b);
    const [x, y, w, h] = a.box;
    expect(x >= 0 && y >= 0 && x + w <= 300 + 1e-9 && y + h <= 200 + 1e-9).toBe(true);
    expect(() => augmentBox(10, 10, { width: 4, height: 4, mode: 'random-crop' })).toThrow(/needs an Rng/);
  });
});

describe('imageNormalize (GPU) vs float64 reference', () => {
  it('u8 HWC and f32 HWC inputs, odd sizes, RGBA stride', async () => {
    const rt = await getRuntime();
    for (const [B, H, W] of [[1, 1, 1], [2, 17, 5], [3, 9, 31]] as const) {
      const r = new Rng(B * 100 + H);
      const bytes = Uint8Array.from({ length: B * H * W * 3 }, () => r.int(256));
      const want = imageNormalizeCpu(bytes, { batch: B, height: H, width: W, channels: 3, mean: IMAGENET_MEAN, std: IMAGENET_STD, scale: 1 / 255 });
      const got = await imageNormalize(rt, bytes, { batch: B, height: H, width: W }).read();
      expect(allClose(got, want, 1e-5, 1e-5).ok, `u8 ${B}x${H}x${W}`).toBe(true);
      const floats = Float32Array.from(bytes, (v) => v / 255);
      const got2 = await imageNormalize(rt, floats, { batch: B, height: H, width: W }).read();
      expect(allClose(got2, want, 1e-5, 1e-5).ok, `f32 ${B}x${H}x${W}`).toBe(true);
    }
    // RGBA input (stride 4), custom statistics, packed-u32 tensor input.
    const r = new Rng(9);
    const rgba = Uint8Array.from({ length: 2 * 3 * 5 * 4 }, () => r.int(256));
    const want = imageNormalizeCpu(rgba, { batch: 2, height: 3, width: 5, channels: 3, stride: 4, mean: [10, 20, 30], std: [2, 4, 8], scale: 1 });
    const words = new Uint32Array(rgba.buffer.slice(0));
    const t = fromArray(rt, words, [words.length], 'u32');
    const got = await imageNormalize(rt, t, { batch: 2, height: 3, width: 5, stride: 4, mean: [10, 20, 30], std: [2, 4, 8], scale: 1 }).read();
    expect(allClose(got, want, 1e-5, 1e-5).ok).toBe(true);
    expect(() => imageNormalize(rt, new Uint8Array(5), { batch: 1, height: 2, width: 2 })).toThrow(/5 pixel values, 1×2×2×3 needs 12/);
    expect(() => imageNormalize(rt, new Uint8Array(12), { batch: 1, height: 2, width: 2, std: [1, 0, 1] })).toThrow(/std values must be positive/);
  });
});

describe.runIf(dataDir !== null && existsSync(join(imgDir, 'rows.tsv')))('real photos (MIRFlickr images/)', () => {
  it('decodes, augments and normalises a batch of real photos; GPU equals the CPU reference', async () => {
    const rt = await getRuntime();
    const ds = loadMirflickr(join(dataDir!, 'mirflickr25k'));
    const rows = [0, 1, 5, 729];
    for (const row of rows) {
      const img = readJpegFile(join(imgDir, ds.imageFiles![row]!));
      expect(Math.min(img.width, img.height), `row ${row}`).toBe(256);
    }
    const rng = new Rng(1);
    const opts = { width: 64, height: 48, mode: 'random-crop' as const, flip: true };
    const batch = loadImageBatch(ds, rows, opts, rng);
    expect(batch.length).toBe(4 * 64 * 48 * 3);
    // Same seed → same batch.
    expect(Array.from(loadImageBatch(ds, rows, opts, new Rng(1)))).toEqual(Array.from(batch));
    // Real photos are not constant: each image's pixels have some spread.
    for (let i = 0; i < 4; i++) {
      const px = batch.subarray(i * 64 * 48 * 3, (i + 1) * 64 * 48 * 3);
      expect(Math.max(...px) - Math.min(...px), `row ${rows[i]}`).toBeGreaterThan(50);
    }
    const want = imageNormalizeCpu(batch, { batch: 4, height: 48, width: 64, channels: 3, mean: IMAGENET_MEAN, std: IMAGENET_STD, scale: 1 / 255 });
    const t = imageNormalize(rt, batch, { batch: 4, height: 48, width: 64 });
    expect(t.shape).toEqual([4, 3, 48, 64]);
    expect(allClose(await t.read(), want, 1e-5, 1e-5).ok).toBe(true);
    // Center crop of a real photo equals resize of the same box.
    const img = readJpegFile(join(imgDir, 'im1.jpg'));
    const cc = augmentImage(img, { width: 32, height: 32, mode: 'center-crop' });
    const s = Math.min(img.width, img.height);
    const same = warpBilinear(img, cropTransform([(img.width - s) / 2, (img.height - s) / 2, s, s], 32, 32), 32, 32);
    expect(Array.from(cc)).toEqual(Array.from(same));
  });

  it('corrupt and non-JPEG files are DataErrors naming the file', () => {
    const bytes = readFileSync(join(imgDir, 'im1.jpg'));
    const trunc = join(tmp, 'trunc.jpg');
    writeFileSync(trunc, bytes.subarray(0, 600));
    expect(() => readJpegFile(trunc)).toThrow(DataError);
    expect(() => readJpegFile(trunc)).toThrow(/trunc\.jpg: corrupt or truncated JPEG/);
    const txt = join(tmp, 'x.jpg');
    writeFileSync(txt, 'not an image at all');
    expect(() => readJpegFile(txt)).toThrow(/x\.jpg: not a JPEG file/);
    expect(() => decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'tiny.jpg')).toThrow(/tiny\.jpg/);
  });
});

describe.runIf(dataDir !== null && existsSync(join(imgDir, 'rows.tsv')))('training on raw photos (loop + rawImageInput)', () => {
  it('trains the tiny model on MIRFlickr photos + tags and resumes bit for bit (augmentation state in the checkpoint)', async () => {
    const rt = await getRuntime();
    const lib = await import('../src/node.js');
    // @ts-expect-error plain JS fixture shared with the CLI plugin
    const { tinyModelFactory } = await import('./fixtures/tiny-model.mjs');
    const { train } = await import('../src/train/loop.js');
    const { rawImageInput } = await import('../src/data/node/images.js');
    const { photoSubset } = await import('../src/data/dataset.js');
    const ds = photoSubset(loadMirflickr(join(dataDir!, 'mirflickr25k')), { numQuery: 16, seed: 2, limit: 96, valSize: 16 });
    expect([ds.n, ds.splits.query.length, ds.splits.train.length, ds.splits.val.length]).toEqual([96, 16, 64, 16]);
    const input = () => rawImageInput(rt, ds, { height: 12, width: 12, seed: 9 });
    const make = () => tinyModelFactory(lib)(rt, { bits: 16, seed: 1, dims: { imageDim: 0, textDim: ds.textDim, numLabels: ds.numLabels, imageShape: [3, 12, 12] }, lr: 0.3 });
    const cfg = { epochs: 2, batchSize: 16, seed: 3, evalEvery: 1, patience: 0, checkpointEvery: 1 };
    const a = make();
    let mid: import('../src/train/checkpoint.js').Checkpoint | null = null;
    const resA = await train(a, ds, cfg, { imageInput: input(), saveCheckpoint: async (c, t) => { if (t === 'last' && c.meta.loop.epoch === 1) mid = c; } });
    expect(resA.state.history[1]!.val!.mean).toBeGreaterThan(0);
    expect(mid!.meta.dims.imageShape).toEqual([3, 12, 12]);
    expect(mid!.meta.loop.imageInput).toBeDefined();
    const b = make();
    await train(b, ds, cfg, { imageInput: input() }, mid!);
    for (const [k, t] of a.namedParameters()) expect(Array.from(await b.namedParameters().get(k)!.read()), k).toEqual(Array.from(await t.read()));
    // Negative control: a different augmentation stream after the resume gives other weights.
    const c = make();
    const other = rawImageInput(rt, ds, { height: 12, width: 12, seed: 10 });
    const mid2 = { ...mid!, meta: { ...mid!.meta, loop: { ...mid!.meta.loop, imageInput: other.getState!() } } };
    await train(c, ds, cfg, { imageInput: other }, mid2);
    const wa = Array.from(await a.namedParameters().get('image.w')!.read());
    expect(Array.from(await c.namedParameters().get('image.w')!.read())).not.toEqual(wa);
    for (const m of [a, b, c]) m.dispose();
  });
});
