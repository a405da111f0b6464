/** Shared pieces of the CLI commands: option parsing, runtime creation, plugins, model rebuilding. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { CmhashError, DataError } from '../runtime/errors.js';
import { createNodeRuntime, type NodeBackend } from '../runtime/node-provider.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HashModel } from '../models/types.js';
import type { Checkpoint } from '../train/checkpoint.js';
import { modelFromCheckpoint as modelFromCheckpointWith } from '../train/model-from-checkpoint.js';
import { loadDataset, parseSplitSpec } from '../data/node/load.js';
import { photoSubset, type Dataset } from '../data/dataset.js';
import { rawImageInput } from '../data/node/images.js';
import type { ImageInput } from '../data/batcher.js';

/** Thrown for bad command-line usage: printed with the command's help, exit code 2. */
export class UsageError extends CmhashError {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  backend: { type: 'string' },
  device: { type: 'string' },
  plugin: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const COMMON_HELP = `  --backend <auto|vulkan|opengles|swiftshader>  WebGPU backend (default auto: Vulkan, then OpenGL ES); --device is an alias
  --plugin <file.js>       import a module that registers extra models (repeatable)
  --quiet, -q              no progress or status lines (errors and data output still print)
  --help                   this text`;

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export function parse(args: string[], options: Options): Values {
  try {
    const v = parseArgs({ args, options, allowPositionals: false, strict: true }).values as Values;
    if (v.device !== undefined) {
      if (v.backend !== undefined && v.backend !== v.device) throw new UsageError(`--device ${String(v.device)} and --backend ${String(v.backend)} disagree`);
      v.backend = v.device;
    }
    return v;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

// Number('') and Number(' ') are 0 and Number('0x10') is 16: option values must be spelled as plain decimals.
const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function int(name: string, v: unknown, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const s = String(v).trim();
  const x = Number(s);
  if (!INT_RE.test(s) || !Number.isSafeInteger(x) || x < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${String(v)}'`);
  return x;
}

export function num(name: string, v: unknown, dflt: number | undefined, min = 0): number | undefined {
  if (v === undefined) return dflt;
  const s = String(v).trim();
  const x = Number(s);
  if (!NUM_RE.test(s) || !Number.isFinite(x) || x < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got '${String(v)}'`);
  return x;
}

/** A comma-separated list of integers (e.g. --rows 0,5,9); empty lists and empty items are errors. */
export function intList(name: string, v: string, min = 0): number[] {
  if (v.trim() === '') throw new UsageError(`--${name} is empty: give a comma-separated list such as 0,5,9`);
  return v.split(',').map((item, i) => {
    if (item.trim() === '') throw new UsageError(`--${name} '${v}': item ${i + 1} is empty (give a comma-separated list such as 0,5,9)`);
    return int(name, item, 0, min);
  });
}

export function backendOf(v: unknown): NodeBackend {
  const b = (v as string | undefined) ?? 'auto';
  if (!['auto', 'vulkan', 'opengles', 'swiftshader'].includes(b)) throw new UsageError(`--backend must be auto, vulkan, opengles or swiftshader, got '${b}'`);
  return b as NodeBackend;
}

export async function runtimeFor(backend: unknown): Promise<Runtime> {
  return createNodeRuntime({ backend: backendOf(backend) });
}

/** Import plugin modules (they call registerModel). */
export async function loadPlugins(files: unknown): Promise<void> {
  for (const f of (files as string[] | undefined) ?? []) await import(pathToFileURL(resolve(f)).href);
}

/** Rebuild a checkpoint's model (src/train/model-from-checkpoint.ts) with Node's file reader for weight files it names. */
export function modelFromCheckpoint(rt: Runtime, ckpt: Checkpoint, where: string): Promise<HashModel> {
  return modelFromCheckpointWith(rt, ckpt, where, { readFile: (p) => readFile(p) });
}

/** The dataset's feature widths must be the checkpoint's (the error names both, instead of a GEMM shape error later). */
export function checkDims(ckpt: Checkpoint, ds: Dataset, where: string, keys: ('imageDim' | 'textDim')[] = ['imageDim', 'textDim']): void {
  for (const k of keys) {
    if (ckpt.meta.dims[k] !== ds[k]) {
      throw new DataError(`${where}: the checkpoint was trained on ${k === 'imageDim' ? 'image' : 'text'} features of width ${ckpt.meta.dims[k]}, dataset ${ds.name} has width ${ds[k]} (use the dataset the checkpoint was trained on)`);
    }
  }
}

/** The dataset part of a run configuration (stored in checkpoints as config.cli). */
export interface DataConfig {
  data: string;
  text?: string;
  valSize?: number;
  seed?: number;
  /** Train on raw photos resized/cropped to this square size (the rows that have photos). */
  rawImages?: number;
  /** Queries drawn from the photo rows when rawImages is set. */
  photoQueries?: number;
  /** MIRFlickr split: fixed | random:<seed> | per-label:<seed>. */
  split?: string;
}

/** Load the dataset a configuration names (the photo subset when it trains on raw images). */
export function datasetFor(c: DataConfig, dataOverride?: string): Dataset {
  const ds = loadDataset(dataOverride ?? c.data, { text: c.text, valSize: c.valSize, valSeed: c.seed, split: c.split ? parseSplitSpec(c.split) : undefined });
  if (!c.rawImages) return ds;
  // A dataset with a photo for every row (e.g. packed by `cmhash pack --images`) keeps its own split;
  // where only some rows have photos (MIRFlickr: 730) the photo rows get a seeded split of their own.
  if (c.photoQueries === undefined && ds.imageFiles && ds.imageFiles.length > 0 && ds.imageFiles.every((f) => f)) return ds;
  return photoSubset(ds, { numQuery: c.photoQueries ?? 100, seed: c.seed ?? 0, valSize: c.valSize });
}

/** The raw-image input of a configuration, if it trains on pixels. */
export function imageInputFor(rt: Runtime, ds: Dataset, c: DataConfig): ImageInput | undefined {
  if (!c.rawImages) return undefined;
  if (!ds.imageFiles) throw new UsageError(`--raw-images: dataset ${ds.name} has no photos (MIRFlickr's images/ folder has 730)`);
  return rawImageInput(rt, ds, { height: c.rawImages, width: c.rawImages, seed: c.seed ?? 0 });
}
