/**
 * The raw-image path (browser-safe): JPEG decoding (jpeg-js), resize / crop / flip augmentation as 2-D
 * affine transforms composed with gl-matrix `mat3`, applied by bilinear sampling on the CPU, and batching
 * into HWC u8 for `imageNormalize` (GPU) which produces the NCHW f32 input of the conv nets.
 *
 * Coordinates: continuous pixel coordinates, pixel (i, j) covers [j, j+1) × [i, i+1) with its centre at
 * (j + ½, i + ½). A transform maps an output point to a source point; sampling reads the source at the
 * image of each output pixel centre.
 */
import jpeg from 'jpeg-js';
import { mat3, vec2 } from 'gl-matrix';
import { DataError } from '../runtime/errors.js';
import type { Rng } from '../util/rng.js';

/** An 8-bit RGB image, HWC row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decode a baseline or progressive JPEG to RGB. `file` names the source in errors. */
export function decodeJpeg(bytes: Uint8Array, file = 'jpeg'): RgbImage {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new DataError(`${file}: not a JPEG file (no SOI marker 0xFFD8 at the start)`);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
  } catch (e) {
    throw new DataError(`${file}: corrupt or truncated JPEG (${(e as Error).message})`);
  }
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new DataError(`${file}: JPEG decoded to ${img.width}×${img.height} with ${img.data.length} bytes (expected RGB)`);
  }
  return { width: img.width, height: img.height, data: img.data };
}

export interface AugmentOptions {
  /** Output size. */
  width: number;
  height: number;
  /**
   * 'resize': the whole image stretched to the output; 'center-crop': scale the short side to fit and
   * take the centre (evaluation); 'random-crop': random area/aspect crop resized to the output
   * (RandomResizedCrop, training).
   */
  mode: 'resize' | 'center-crop' | 'random-crop';
  /** random-crop: area fraction range (default [0.5, 1]). */
  scale?: [number, number];
  /** random-crop: aspect-ratio range w/h (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Random horizontal flip with probability ½ (needs an Rng). */
  flip?: boolean;
}

/** A source crop box [x, y, w, h] in continuous pixel coordinates. */
export type CropBox = [number, number, number, number];

/** Output → source transform for a crop box resized to (outW, outH), optionally mirrored left–right. */
export function cropTransform(box: CropBox, outW: number, outH: number, flip = false): mat3 {
  const m = mat3.create();
  mat3.translate(m, m, [box[0], box[1]]);
  mat3.scale(m, m, [box[2] / outW, box[3] / outH]);
  if (flip) {
    mat3.translate(m, m, [outW, 0]);
    mat3.scale(m, m, [-1, 1]);
  }
  return m;
}

/** The crop box and flip an augmentation draws for a source of size (w, h). */
export function augmentBox(w: number, h: number, o: AugmentOptions, rng?: Rng): { box: CropBox; flip: boolean } {
  const target = o.width / o.height;
  let box: CropBox;
  if (o.mode === 'resize') box = [0, 0, w, h];
  else if (o.mode === 'center-crop') {
    const cw = Math.min(w, h * target), ch = cw / target;
    box = [(w - cw) / 2, (h - ch) / 2, cw, ch];
  } else {
    if (!rng) throw new DataError('augment: random-crop needs an Rng');
    const [s0, s1] = o.scale ?? [0.5, 1];
    const [r0, r1] = o.ratio ?? [3 / 4, 4 / 3];
    box = [0, 0, 0, 0];
    let found = false;
    for (let attempt = 0; attempt < 10 && !found; attempt++) {
      const area = w * h * rng.uniform(s0, s1);
      const ratio = Math.exp(rng.uniform(Math.log(r0), Math.log(r1)));
      const cw = Math.sqrt(area * ratio), ch = Math.sqrt(area / ratio);
      if (cw <= w && ch <= h) {
        box = [rng.uniform(0, w - cw), rng.uniform(0, h - ch), cw, ch];
        found = true;
      }
    }
    if (!found) {
      const cw = Math.min(w, h * target), ch = cw / target;
      box = [(w - cw) / 2, (h - ch) / 2, cw, ch];
    }
  }
  if (o.flip && !rng) throw new DataError('augment: flip needs an Rng');
  const flip = o.flip ? rng!.next() < 0.5 : false;
  return { box, flip };
}

/**
 * Resample `img` through `m` (output → source) with bilinear interpolation, clamping at the borders.
 * Returns HWC RGB u8 (rounded to nearest).
 */
export function warpBilinear(img: RgbImage, m: mat3, outW: number, outH: number): Uint8Array {
  const { width: W, height: H, data } = img;
  const out = new Uint8Array(outW * outH * 3);
  const p = vec2.create();
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      vec2.set(p, x + 0.5, y + 0.5);
      vec2.transformMat3(p, p, m);
      // Source sample position in index space (pixel centres at integers).
      const sx = Math.min(Math.max(p[0]! - 0.5, 0), W - 1);
      const sy = Math.min(Math.max(p[1]! - 0.5, 0), H - 1);
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, W - 1), y1 = Math.min(y0 + 1, H - 1);
      const fx = sx - x0, fy = sy - y0;
      const o = (y * outW + x) * 3;
      const a = (y0 * W + x0) * 3, b = (y0 * W + x1) * 3, c = (y1 * W + x0) * 3, d = (y1 * W + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch]! * (1 - fx) + data[b + ch]! * fx;
        const bot = data[c + ch]! * (1 - fx) + data[d + ch]! * fx;
        out[o + ch] = Math.round(top * (1 - fy) + bot * fy);
      }
    }
  }
  return out;
}

/** One augmented view of an image. */
export function augmentImage(img: RgbImage, o: AugmentOptions, rng?: Rng): Uint8Array {
  const { box, flip } = augmentBox(img.width, img.height, o, rng);
  return warpBilinear(img, cropTransform(box, o.width, o.height, flip), o.width, o.height);
}

/** Augment several images into one HWC u8 batch [n, height, width, 3] (the input of imageNormalize). */
export function augmentBatch(images: readonly RgbImage[], o: AugmentOptions, rng?: Rng): Uint8Array {
  const per = o.width * o.height * 3;
  const out = new Uint8Array(images.length * per);
  images.forEach((img, i) => out.set(augmentImage(img, o, rng), i * per));
  return out;
}
