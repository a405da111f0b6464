/** Encoding item sets into packed binary codes with a model, and cross-modal retrieval evaluation (browser-safe). */
import { fromArray } from '../ops/elementwise.js';
import { packBits, wordsFor } from '../ops/hashing.js';
import { noGrad } from '../autograd/tape.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataError } from '../runtime/errors.js';
import type { HashModel, Modality } from '../models/types.js';
import { gatherRows, type Dataset } from '../data/dataset.js';
import type { ImageInput } from '../data/batcher.js';
import { evaluateRetrieval, type RetrievalMetrics } from '../retrieval/index.js';

/** Packed codes of n items whose model inputs come in chunks from `input(lo, hi)`: [n, ceil(bits/32)] u32, row-major. */
export async function encodeWith(model: HashModel, modality: Modality, n: number, input: (lo: number, hi: number) => Tensor, chunk = 512): Promise<Uint32Array> {
  const rt = model.runtime;
  const bits = model.info.bits;
  const words = wordsFor(bits);
  const packed: Tensor[] = [];
  try {
    for (let lo = 0; lo < n; lo += chunk) {
      const hi = Math.min(n, lo + chunk);
      packed.push(tidy(() => noGrad(() => {
        const codes = model.encode(modality, input(lo, hi));
        if (codes.shape.length !== 2 || codes.shape[0] !== hi - lo || codes.shape[1] !== bits) {
          throw new DataError(`encode: model ${model.info.name} returned codes [${codes.shape.join(', ')}] for ${hi - lo} ${modality} rows, expected [${hi - lo}, ${bits}]`);
        }
        return packBits(codes);
      })));
    }
    const parts = await rt.readMany(packed.map((t) => ({ buffer: t.buffer, bytes: t.byteLength })));
    const out = new Uint32Array(n * words);
    let off = 0;
    for (const p of parts) {
      const a = new Uint32Array(p);
      out.set(a, off);
      off += a.length;
    }
    return out;
  } finally {
    for (const t of packed) t.dispose();
  }
}

/** Packed codes of `rows` (all rows when null) of one modality's feature matrix. */
export async function encodeFeatures(model: HashModel, modality: Modality, features: Float32Array, dim: number, rows: ArrayLike<number> | null, chunk = 512): Promise<Uint32Array> {
  const n = rows ? rows.length : features.length / dim;
  if (!Number.isInteger(n)) throw new DataError(`encode: ${features.length} values is not a whole number of ${dim}-d rows`);
  return encodeWith(model, modality, n, (lo, hi) => {
    const host = rows ? gatherRows(features, dim, Array.prototype.slice.call(rows, lo, hi) as number[]) : features.subarray(lo * dim, hi * dim);
    return fromArray(model.runtime, host, [hi - lo, dim], 'f32');
  }, chunk);
}

/** Packed image codes of dataset rows, from features or from an ImageInput (raw images, 'eval' mode). */
export async function encodeImages(model: HashModel, ds: Dataset, rows: Uint32Array, imageInput?: ImageInput): Promise<Uint32Array> {
  if (imageInput) return encodeWith(model, 'image', rows.length, (lo, hi) => imageInput.batch(rows.slice(lo, hi), 'eval'), 128);
  if (ds.imageDim === 0) throw new DataError(`${ds.name}: cannot encode images without image features or an image input`);
  return encodeFeatures(model, 'image', ds.image, ds.imageDim, rows);
}

export interface CrossModalMetrics {
  i2t: RetrievalMetrics;
  t2i: RetrievalMetrics;
  /** Mean of I→T and T→I mAP@all (the model-selection score). */
  meanMap: number;
}

/** I→T and T→I retrieval of `queryRows` against `dbRows` of a dataset. */
export async function evaluateCrossModal(model: HashModel, ds: Dataset, queryRows: Uint32Array, dbRows: Uint32Array, opts: { mapK?: number; topK?: number[]; imageInput?: ImageInput } = {}): Promise<CrossModalMetrics> {
  const qI = await encodeImages(model, ds, queryRows, opts.imageInput);
  const qT = await encodeFeatures(model, 'text', ds.text, ds.textDim, queryRows);
  const dI = await encodeImages(model, ds, dbRows, opts.imageInput);
  const dT = await encodeFeatures(model, 'text', ds.text, ds.textDim, dbRows);
  const qL = gatherRows(ds.labels, ds.numLabels, queryRows);
  const dL = gatherRows(ds.labels, ds.numLabels, dbRows);
  const mapK = Math.min(opts.mapK ?? 50, dbRows.length);
  const common = { bits: model.info.bits, queryLabels: qL, dbLabels: dL, numLabels: ds.numLabels, mapAt: [mapK], topK: opts.topK, rt: model.runtime };
  const i2t = await evaluateRetrieval({ ...common, queryCodes: qI, dbCodes: dT });
  const t2i = await evaluateRetrieval({ ...common, queryCodes: qT, dbCodes: dI });
  return { i2t, t2i, meanMap: (i2t.mapAll + t2i.mapAll) / 2 };
}
