/** Reading photos for the raw-image path (Node): JPEG files → RGB images → augmented HWC u8 batches. */
import { join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { decodeJpeg, augmentBatch, augmentImage, type AugmentOptions, type RgbImage } from '../image.js';
import type { ImageInput } from '../batcher.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { imageNormalize } from '../../ops/image.js';
import { Rng as RngClass } from '../../util/rng.js';
import type { Dataset } from '../dataset.js';
import type { Rng } from '../../util/rng.js';
import { readBytes } from './files.js';

export function readJpegFile(file: string): RgbImage {
  return decodeJpeg(readBytes(file), file);
}

/** Decode the photos of some dataset rows (rows without a photo are an error naming the row). */
export function readDatasetImages(ds: Dataset, rows: ArrayLike<number>): RgbImage[] {
  if (!ds.imageFiles || !ds.imageRoot) throw new DataError(`${ds.name}: the dataset has no image files`);
  return Array.from(rows, (r) => {
    const f = ds.imageFiles![r];
    if (!f) throw new DataError(`${ds.name}: row ${r} has no image file`);
    return readJpegFile(join(ds.imageRoot!, f));
  });
}

/** Decode and augment the photos of some rows into one HWC u8 batch. */
export function loadImageBatch(ds: Dataset, rows: ArrayLike<number>, o: AugmentOptions, rng?: Rng): Uint8Array {
  return augmentBatch(readDatasetImages(ds, rows), o, rng);
}

export interface RawImageInputOptions {
  /** Output size (the conv net's input). */
  height: number;
  width: number;
  /** Training augmentation (default: random-crop with flips); evaluation always uses a centre crop. */
  train?: Omit<AugmentOptions, 'width' | 'height'>;
  /** Seed of the augmentation stream. */
  seed: number;
  /** Normalisation statistics on [0, 1] values (default ImageNet). */
  mean?: number[];
  std?: number[];
  /** Decoded photos kept in memory (default 1024; each 256-px photo is about 200 kB). */
  cacheSize?: number;
}

/**
 * The raw-image path as an ImageInput for the training loop and evaluation: decode the rows' JPEGs,
 * augment (seeded; state saved in checkpoints) or centre-crop, and normalise to NCHW f32 on the GPU.
 */
export function rawImageInput(rt: Runtime, ds: Dataset, o: RawImageInputOptions): ImageInput {
  const rng = new RngClass(o.seed);
  const cache = new Map<number, RgbImage>();
  const limit = o.cacheSize ?? 1024;
  const image = (row: number): RgbImage => {
    let img = cache.get(row);
    if (!img) {
      [img] = readDatasetImages(ds, [row]);
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
      cache.set(row, img!);
    }
    return img!;
  };
  const trainAug: AugmentOptions = { mode: 'random-crop', flip: true, ...o.train, width: o.width, height: o.height };
  const evalAug: AugmentOptions = { mode: 'center-crop', width: o.width, height: o.height };
  return {
    shape: [3, o.height, o.width],
    batch(rows: Uint32Array, mode: 'train' | 'eval'): Tensor {
      const per = o.width * o.height * 3;
      const pixels = new Uint8Array(rows.length * per);
      rows.forEach((r, i) => pixels.set(augmentImage(image(r), mode === 'train' ? trainAug : evalAug, mode === 'train' ? rng : undefined), i * per));
      return imageNormalize(rt, pixels, { batch: rows.length, height: o.height, width: o.width, mean: o.mean, std: o.std });
    },
    getState: () => rng.getState(),
    setState: (s: unknown) => rng.setState(s as ReturnType<RngClass['getState']>),
  };
}
