/**
 * The high-level library API (browser-safe): a trained checkpoint → an encoder of images and texts
 * into packed binary codes. `loadModel(url)` fetches `checkpoint.json`, `model.safetensors` and
 * `state.safetensors` from a checkpoint folder served over HTTP(S); the Node entry's `loadModel` also
 * takes a folder path. Captions go through the vocabulary the model was trained with (saved in the
 * checkpoint by `cmhash train` on a packed dataset made from captions).
 */
import { DataError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { createBrowserRuntime } from '../runtime/browser-provider.js';
import type { HashModel, Modality, ModelInfo } from '../models/types.js';
import type { HostFileReader } from '../models/registry.js';
import { deserializeCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { encodeFeatures } from '../train/evaluate.js';
import { modelFromCheckpoint } from '../train/model-from-checkpoint.js';
import { checkTextVectorizer, vectorizeText, type TextVectorizerSpec } from '../data/text-vectorizer.js';
import { wordsFor } from '../ops/hashing.js';

export interface LoadModelOptions {
  /** Run on this runtime (default: a new one, destroyed by `dispose()`). */
  runtime?: Runtime;
  /** Reads host files the model's configuration names (CNN-F weights); the Node entry passes fs.promises.readFile. */
  readFile?: HostFileReader;
}

/** Feature rows: a row-major Float32Array of n × dim values, or an array of rows. */
export type FeatureRows = Float32Array | readonly (readonly number[])[];

/** A trained model ready to encode: codes come back packed, n × ceil(bits / 32) u32 words, row-major. */
export class CmhashModel {
  readonly info: ModelInfo;
  readonly bits: number;
  /** u32 words per packed code. */
  readonly words: number;
  readonly dims: { imageDim: number; textDim: number; numLabels: number; imageShape?: number[] };
  /** The training set's label names (when the checkpoint records them). */
  readonly labelNames?: string[];
  /** The caption vectorizer the text network was trained with, if it was trained from captions. */
  readonly textVectorizer?: TextVectorizerSpec;

  constructor(readonly model: HashModel, readonly checkpoint: Checkpoint, private readonly ownsRuntime: boolean, where: string) {
    this.info = model.info;
    this.bits = model.info.bits;
    this.words = wordsFor(this.bits);
    this.dims = checkpoint.meta.dims;
    const names = (checkpoint.meta.dataset as { labelNames?: unknown } | undefined)?.labelNames;
    if (Array.isArray(names)) this.labelNames = names as string[];
    const tv = checkpoint.meta.config.textVectorizer;
    if (tv !== undefined) this.textVectorizer = checkTextVectorizer(tv, `${where}/checkpoint.json config.textVectorizer`);
  }

  get runtime(): Runtime {
    return this.model.runtime;
  }

  private rows(modality: Modality, x: FeatureRows, dim: number): Float32Array {
    const what = `encode${modality === 'image' ? 'Image' : 'Text'}`;
    let data: Float32Array;
    if (x instanceof Float32Array) {
      if (x.length % dim !== 0) throw new DataError(`${what}: ${x.length} values is not a whole number of ${dim}-d rows (the model's ${modality} input width)`);
      data = x;
    } else if (Array.isArray(x)) {
      data = new Float32Array(x.length * dim);
      x.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== dim) throw new DataError(`${what}: row ${i} has ${Array.isArray(r) ? r.length : typeof r} values, the model expects ${dim}`);
        data.set(r, i * dim);
      });
    } else throw new DataError(`${what}: expected a Float32Array or an array of rows`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new DataError(`${what}: value ${data[i]} at row ${Math.floor(i / dim)}, column ${i % dim} (values must be finite)`);
    }
    return data;
  }

  /** Packed codes of image feature rows (imageDim wide). */
  async encodeImage(features: FeatureRows): Promise<Uint32Array> {
    if (this.dims.imageShape) throw new DataError(`encodeImage: ${this.info.name} was trained on raw images ${JSON.stringify(this.dims.imageShape)}; encode photos with 'cmhash encode --data'`);
    return encodeFeatures(this.model, 'image', this.rows('image', features, this.dims.imageDim), this.dims.imageDim, null);
  }

  /** Captions → the text features the model was trained on (through the saved vocabulary). */
  vectorize(captions: readonly string[]): Float32Array {
    if (!this.textVectorizer) throw new DataError(`encodeText: this model was trained on text features, not captions (its checkpoint has no vocabulary); pass ${this.dims.textDim}-d feature rows`);
    return vectorizeText(this.textVectorizer, captions);
  }

  /** Packed codes of texts: captions (strings, through the saved vocabulary) or text feature rows. */
  async encodeText(input: readonly string[] | FeatureRows): Promise<Uint32Array> {
    const strings = Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string');
    const features = strings ? this.vectorize(input as readonly string[]) : this.rows('text', input as FeatureRows, this.dims.textDim);
    return encodeFeatures(this.model, 'text', features, this.dims.textDim, null);
  }

  /** Free the model's GPU memory (and the runtime, when loadModel created it). */
  async dispose(): Promise<void> {
    const rt = this.model.runtime;
    this.model.dispose();
    if (this.ownsRuntime) await rt.destroy();
  }
}

/** A model from checkpoint files already in memory (`where` names them in errors). */
export async function modelFromFiles(files: { model: Uint8Array; state: Uint8Array | null; json: string }, where: string, opts: LoadModelOptions & { createRuntime: () => Promise<Runtime> }): Promise<CmhashModel> {
  const ckpt = deserializeCheckpoint(files, where);
  const rt = opts.runtime ?? await opts.createRuntime();
  try {
    return new CmhashModel(await modelFromCheckpoint(rt, ckpt, where, { readFile: opts.readFile }), ckpt, !opts.runtime, where);
  } catch (e) {
    if (!opts.runtime) await rt.destroy();
    throw e;
  }
}

/** Fetch the three checkpoint files from a folder URL (state.safetensors may be absent). */
export async function fetchCheckpointFiles(url: string): Promise<{ model: Uint8Array; state: Uint8Array | null; json: string }> {
  // A relative URL resolves against the page (browsers); Node callers pass absolute URLs or use paths.
  const loc = (globalThis as { location?: { href: string } }).location?.href;
  let base: string;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`, loc).href;
  } catch {
    throw new DataError(`loadModel: ${JSON.stringify(url)} is not a URL${loc ? '' : ' (give an absolute http(s) URL, or a folder path from the Node entry)'}`);
  }
  const get = async (name: string, optional = false): Promise<Response | null> => {
    const u = new URL(name, base).href;
    let res: Response;
    try {
      res = await fetch(u);
    } catch (e) {
      throw new DataError(`${u}: cannot fetch (${(e as Error).message})`);
    }
    if (res.ok) return res;
    if (optional && res.status === 404) return null;
    throw new DataError(`${u}: HTTP ${res.status} ${res.statusText}`);
  };
  const [json, model, state] = await Promise.all([get('checkpoint.json'), get('model.safetensors'), get('state.safetensors', true)]);
  return {
    json: await json!.text(),
    model: new Uint8Array(await model!.arrayBuffer()),
    state: state ? new Uint8Array(await state.arrayBuffer()) : null,
  };
}

/**
 * Load a trained model from a checkpoint folder URL (e.g. `runs/mine/checkpoints/best/` served by
 * your web server) and rebuild it on the GPU. In Node, the `cmhash` entry's loadModel also takes a path.
 */
export async function loadModel(url: string | URL, opts: LoadModelOptions = {}): Promise<CmhashModel> {
  const href = String(url);
  return modelFromFiles(await fetchCheckpointFiles(href), href, { ...opts, createRuntime: () => createBrowserRuntime() });
}
