/** Reading photos for the raw-image path (Node): JPEG files → RGB images → augmented HWC u8 batches. */
import { join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { decodeJpeg, augmentBatch, type AugmentOptions, type RgbImage } from '../image.js';
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
