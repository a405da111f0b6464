/**
 * The raw-image path shared by every model (MODELS.md "Shared pieces"): the CNN-F conv stack
 * (Chatfield et al. 2014, as used by DCMH/SSAH/DJSRH/JSGHCA) on NCHW images, optionally with JSGHCA's
 * conv-map Si-Attention after conv5, ending in fc6 → ReLU → dropout → fc7 → ReLU (the hidden vector the
 * hash head reads).
 *
 *   conv1 C1×11×11 s4 → ReLU → LRN → maxpool 3/2
 *   conv2 C2×5×5 p2   → ReLU → LRN → maxpool 3/2
 *   conv3/4/5 C×3×3 p1 → ReLU → [Si-Attention] → maxpool 3/2
 *   flatten → fc6 (hidden) → ReLU → dropout → fc7 (hidden) → ReLU
 *
 * Channels default to CNN-F's 64/256/256/256/256 (AlexNet's 96/256/384/384/256 is the same shape).
 * Pools round up (Caffe / MatConvNet, as the CNN-F weights were trained), so small inputs (≥ 35 px)
 * still reach a 1×1 map from 55 px up. No pretrained weights are available offline: the stack starts from seeded
 * random init unless weights are loaded from a safetensors file (see loadCnnfWeights).
 *
 * The model-facing input is either [m, 3, S, S] or the same flattened to [m, 3·S·S] (so a dataset whose
 * "image features" are normalised pixels flows through the shared loader, loop and evaluation unchanged).
 */
import { CmhashError, ShapeError, fmtShape } from '../../runtime/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mul, reshape } from '../../ops/elementwise.js';
import { Conv2d, Dropout, Linear, LocalResponseNorm, MaxPool2d, Module, type ParamData } from '../../nn/index.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import type { Rng } from '../../util/rng.js';
import type { HostFileReader, ModelDims } from '../registry.js';

/** How a model's image net reads its input: precomputed feature vectors, or raw images through CNN-F. */
export interface ImageInputConfig {
  /** 'features' (default: dataset feature vectors) or 'cnnf' (raw NCHW images). */
  imageInput: 'features' | 'cnnf';
  /** Side of the square input images for 'cnnf' (224 in the papers; 64–96 for CPU tests). */
  imageSize: number;
  /** CNN-F conv channels (5 values). */
  cnnfChannels: number[];
  /** Optional safetensors file with CNN-F weights (names as in CnnF.namedParameters(); '' = random init). */
  cnnfWeights: string;
}

export function imageInputDefaults(): ImageInputConfig {
  return { imageInput: 'features', imageSize: 224, cnnfChannels: [64, 256, 256, 256, 256], cnnfWeights: '' };
}

/**
 * Training on raw images (dims.imageShape [3, S, S], e.g. `cmhash train --raw-images S`) selects the
 * CNN-F input at size S, so that one flag is enough (the images' size wins over a config's imageSize).
 */
export function withRawImageDims<T extends ImageInputConfig>(model: string, cfg: T, dims: ModelDims): T {
  const shape = dims.imageShape;
  if (!shape) return cfg;
  const [c, h, w] = shape;
  if (shape.length !== 3 || c !== 3 || h !== w) throw new CmhashError(`${model}: raw images must be [3, S, S] (square RGB), got imageShape [${shape.join(', ')}]`);
  return { ...cfg, imageInput: 'cnnf', imageSize: h! };
}

export function validateImageInput(model: string, c: ImageInputConfig): void {
  if (c.imageInput !== 'features' && c.imageInput !== 'cnnf') throw new CmhashError(`${model}: imageInput must be 'features' or 'cnnf', got '${String(c.imageInput)}'`);
  if (c.imageInput === 'cnnf') {
    if (!Array.isArray(c.cnnfChannels) || c.cnnfChannels.length !== 5 || c.cnnfChannels.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new CmhashError(`${model}: cnnfChannels must be 5 positive integers, got ${JSON.stringify(c.cnnfChannels)}`);
    }
    cnnfMapSize(c.imageSize); // throws on a too-small image
  }
}

const convOut = (x: number, k: number, s: number, p: number): number => Math.floor((x + 2 * p - k) / s) + 1;
const poolOut = (x: number): number => Math.ceil((x - 3) / 2) + 1; // 3/2, ceil mode, no padding

/** Spatial size of the map after pool5 for an S×S input (throws when S is too small). */
export function cnnfMapSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new CmhashError(`CNN-F: imageSize must be a positive integer, got ${size}`);
  const p5 = mapSize(size);
  if (p5 < 1) {
    let min = size + 1;
    while (mapSize(min) < 1) min++;
    throw new CmhashError(`CNN-F: a ${size}×${size} image is too small for the conv stack (needs at least ${min} px; the papers use 224)`);
  }
  return p5;
}

function mapSize(size: number): number {
  const c1 = convOut(size, 11, 4, 0);
  const p1 = c1 >= 3 ? poolOut(c1) : 0;
  const p2 = p1 >= 3 ? poolOut(p1) : 0; // conv2 (5×5 p2) keeps the size
  const p5 = p2 >= 3 ? poolOut(p2) : 0; // conv3-5 (3×3 p1) keep it
  return p5;
}

/** JSGHCA Si-Attention on conv maps: M = sigmoid(conv1×1(X)) ∈ ℝ^{1×H×W}, Y = M ⊙ X (broadcast over channels). */
export class ConvSiAttention extends Module {
  readonly conv: Conv2d;
  constructor(rt: Runtime, channels: number, rng: Rng) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(rt, channels, 1, 1, { rng, activation: 'sigmoid' }));
  }
  forward(x: Tensor): Tensor {
    return mul(x, this.conv.forward(x));
  }
}

export interface CnnfOptions {
  imageSize: number;
  channels: number[];
  /** Width of fc6 / fc7. */
  hidden: number;
  dropout: number;
  /** JSGHCA conv-map Si-Attention after conv5. */
  siAttention: boolean;
  rng: Rng;
}

export class CnnF extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;
  readonly conv4: Conv2d;
  readonly conv5: Conv2d;
  readonly att: ConvSiAttention | null;
  readonly fc6: Linear;
  readonly fc7: Linear;
  private readonly lrn = new LocalResponseNorm();
  private readonly pool = new MaxPool2d({ kernel: 3, stride: 2, ceilMode: true });
  private readonly drop: Dropout;
  readonly imageSize: number;
  /** Width of the output vector (fc7). */
  readonly outDim: number;

  constructor(rt: Runtime, o: CnnfOptions) {
    super();
    const [c1, c2, c3, c4, c5] = o.channels as [number, number, number, number, number];
    const map = cnnfMapSize(o.imageSize);
    this.imageSize = o.imageSize;
    const relu = { rng: o.rng, activation: 'relu' as const };
    this.conv1 = this.registerModule('conv1', new Conv2d(rt, 3, c1, 11, { ...relu, stride: 4 }));
    this.conv2 = this.registerModule('conv2', new Conv2d(rt, c1, c2, 5, { ...relu, padding: 2 }));
    this.conv3 = this.registerModule('conv3', new Conv2d(rt, c2, c3, 3, { ...relu, padding: 1 }));
    this.conv4 = this.registerModule('conv4', new Conv2d(rt, c3, c4, 3, { ...relu, padding: 1 }));
    this.conv5 = this.registerModule('conv5', new Conv2d(rt, c4, c5, 3, { ...relu, padding: 1 }));
    this.att = o.siAttention ? this.registerModule('att', new ConvSiAttention(rt, c5, o.rng)) : null;
    this.fc6 = this.registerModule('fc6', new Linear(rt, c5 * map * map, o.hidden, relu));
    this.drop = this.registerModule('drop', new Dropout(o.dropout, { rng: o.rng.fork() }));
    this.fc7 = this.registerModule('fc7', new Linear(rt, o.hidden, o.hidden, relu));
    this.outDim = o.hidden;
  }

  /** x: [m, 3, S, S] or [m, 3·S·S] → [m, hidden]. */
  forward(x: Tensor): Tensor {
    const S = this.imageSize;
    let h: Tensor;
    if (x.rank === 2 && x.shape[1] === 3 * S * S) h = reshape(x, [x.shape[0]!, 3, S, S]);
    else if (x.rank === 4 && x.shape[1] === 3 && x.shape[2] === S && x.shape[3] === S) h = x;
    else throw new ShapeError(`CNN-F: images must be [m, 3, ${S}, ${S}] or flattened [m, ${3 * S * S}], got ${fmtShape(x.shape)}`);
    h = this.pool.forward(this.lrn.forward(this.conv1.forward(h)));
    h = this.pool.forward(this.lrn.forward(this.conv2.forward(h)));
    h = this.conv5.forward(this.conv4.forward(this.conv3.forward(h)));
    if (this.att) h = this.att.forward(h);
    h = this.pool.forward(h);
    h = reshape(h, [h.shape[0]!, h.size / h.shape[0]!]);
    return this.fc7.forward(this.drop.forward(this.fc6.forward(h)));
  }
}

/**
 * Load CNN-F weights from safetensors bytes. Tensor names are the stack's parameter names
 * (conv1.weight [out,in,kh,kw], conv1.bias, …, fc6.weight [in,out], …), optionally under `prefix`;
 * other tensors in the file are ignored. Every parameter of the stack must be present, except the
 * Si-Attention mask (kept at its init when absent: it is not part of CNN-F).
 */
export function loadCnnfWeights(net: CnnF, bytes: Uint8Array, file = 'safetensors', prefix = ''): void {
  const { tensors } = decodeSafetensors(bytes, file);
  const state: Record<string, ParamData> = {};
  const missing: string[] = [];
  for (const [name] of net.namedParameters()) {
    const t = tensors.get(prefix + name);
    if (!t) {
      if (!name.startsWith('att.')) missing.push(prefix + name);
      continue;
    }
    if (!(t.data instanceof Float32Array)) throw new CmhashError(`${file}: tensor ${prefix + name} has dtype ${t.dtype}, CNN-F weights must be floating point`);
    state[name] = { shape: [...t.shape], data: t.data };
  }
  if (missing.length) throw new CmhashError(`${file}: missing CNN-F weights [${missing.join(', ')}] (names as CnnF.namedParameters()${prefix ? `, prefix '${prefix}'` : ''})`);
  net.loadStateDict(state, false);
}

/** Read a weights file through the reader the caller injected (ModelFactoryOptions.readFile; browsers may pass bytes to loadCnnfWeights). */
export async function readWeightsFile(model: string, path: string, read: HostFileReader | undefined): Promise<Uint8Array> {
  if (!read) throw new CmhashError(`${model}: cnnfWeights '${path}' names a file, but the model was created without readFile (ModelFactoryOptions.readFile, e.g. fs.promises.readFile in Node)`);
  try {
    return new Uint8Array(await read(path));
  } catch (e) {
    throw new CmhashError(`CNN-F weights: cannot read ${path} (${(e as Error).message})`);
  }
}
