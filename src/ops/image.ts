/**
 * Image normalisation on the GPU (kernels/image_normalize.wgsl): a batch of HWC images (u8 bytes packed
 * four per u32, or f32) → NCHW f32 with per-channel (x·scale − mean) / std, the input layout of the conv
 * nets. Input data, so no gradient.
 */
import type { Runtime } from '../runtime/runtime.js';
import { DataError, ShapeError } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from './elementwise.js';
import { launch } from './launch.js';

export interface ImageNormalizeOptions {
  batch: number;
  height: number;
  width: number;
  /** Output channels (1..4; default 3). */
  channels?: number;
  /** Channels per input pixel (default = channels; 4 for RGBA input whose alpha is dropped). */
  stride?: number;
  /** Per-channel mean and std, applied after `scale` (defaults: ImageNet mean/std). */
  mean?: readonly number[];
  std?: readonly number[];
  /** Multiplier applied to the raw value first (default 1/255 for u8, 1 for f32). */
  scale?: number;
}

/** ImageNet statistics (torchvision convention, on [0, 1] values). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * Normalise a batch. `pixels`: Uint8Array (HWC bytes), Float32Array (HWC floats), or a GPU tensor
 * holding either (u32 = packed bytes, f32 = floats). Returns [batch, channels, height, width] f32.
 */
export function imageNormalize(rt: Runtime, pixels: Uint8Array | Float32Array | Tensor, o: ImageNormalizeOptions): Tensor {
  const C = o.channels ?? 3;
  const stride = o.stride ?? C;
  const { batch: B, height: H, width: W } = o;
  for (const [k, v] of Object.entries({ batch: B, height: H, width: W })) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`imageNormalize: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(C) || C < 1 || C > 4) throw new ShapeError(`imageNormalize: channels must be 1..4, got ${C}`);
  if (!Number.isInteger(stride) || stride < C) throw new ShapeError(`imageNormalize: stride ${stride} must be an integer ≥ channels ${C}`);
  const mean = o.mean ?? (C === 3 ? IMAGENET_MEAN : new Array<number>(C).fill(0));
  const std = o.std ?? (C === 3 ? IMAGENET_STD : new Array<number>(C).fill(1));
  if (mean.length !== C || std.length !== C) throw new ShapeError(`imageNormalize: mean and std need ${C} values (got ${mean.length} and ${std.length})`);
  if (std.some((s) => !(s > 0) || !Number.isFinite(s))) throw new DataError(`imageNormalize: std values must be positive and finite, got [${std.join(', ')}]`);
  const elems = B * H * W * stride;
  let u8: boolean;
  let src: Tensor;
  let owned = false;
  if (pixels instanceof Tensor) {
    pixels.assertLive('imageNormalize(pixels)');
    u8 = pixels.dtype === 'u32';
    if (!u8 && pixels.dtype !== 'f32') throw new DataError(`imageNormalize: pixel tensor must be u32 (packed bytes) or f32, got ${pixels.dtype}`);
    const need = u8 ? Math.ceil(elems / 4) : elems;
    if (pixels.size < need) throw new ShapeError(`imageNormalize: pixel tensor has ${pixels.size} elements, ${B}×${H}×${W}×${stride} ${u8 ? 'bytes need ' + need + ' words' : 'needs ' + need}`);
    src = pixels;
  } else {
    u8 = pixels instanceof Uint8Array;
    if (pixels.length !== elems) throw new ShapeError(`imageNormalize: ${pixels.length} pixel values, ${B}×${H}×${W}×${stride} needs ${elems}`);
    if (u8) {
      const words = new Uint32Array(Math.ceil(elems / 4));
      new Uint8Array(words.buffer).set(pixels as Uint8Array);
      src = fromArray(rt, words, [words.length], 'u32');
    } else {
      src = fromArray(rt, pixels, [elems], 'f32');
    }
    owned = true;
  }
  const out = Tensor.empty(rt, [B, C, H, W], 'f32');
  const n = B * C * H * W;
  launch(rt, 'image_normalize', [src.buffer, out.buffer], {
    n, batch: B, height: H, width: W, channels: C, stride, scale: o.scale ?? (u8 ? 1 / 255 : 1),
    mean: [0, 1, 2, 3].map((c) => mean[c] ?? 0), invStd: [0, 1, 2, 3].map((c) => (c < C ? 1 / std[c]! : 0)),
  }, { constants: { U8: u8 } });
  if (owned) src.dispose();
  return out;
}
