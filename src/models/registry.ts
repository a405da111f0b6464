/**
 * Model registry: name → factory(rt, options) → HashModel. The training loop, CLI and demo look models
 * up here and never import a model directly.
 *
 * A model registers itself in one of two ways:
 *  - explicitly: `registerModel('djsrh', factory, { description, supervised })` (tests, plug-ins);
 *  - by convention: a folder `src/models/<name>/index.ts` exporting `createModel: ModelFactory`
 *    (and optionally `description` and `supervised`). Known names are imported lazily on first use,
 *    so models can arrive in any order and a missing one is a clear error, not a build failure.
 */
import type { Runtime } from '../runtime/runtime.js';
import { CmhashError } from '../runtime/errors.js';
import type { HashModel } from './types.js';

export interface ModelDims {
  /** Width of image feature vectors (0 when the model gets raw images only). */
  imageDim: number;
  textDim: number;
  numLabels: number;
  /** Raw-image input shape [3, H, W] when training on pixels (the CNN-F path). */
  imageShape?: number[];
}

/** Reads a host file named by a model option (CNN-F weights): Node callers pass fs.promises.readFile. */
export type HostFileReader = (path: string) => Promise<Uint8Array>;

export interface ModelFactoryOptions {
  bits: number;
  seed: number;
  dims: ModelDims;
  /** Base learning rate (the model's own default when absent). */
  lr?: number;
  /** Mini-batch size the loop will use (models that size buffers by it). */
  batchSize?: number;
  /** Model-specific overrides (β, η, μ, λ, ablation switches …), merged over the model's defaults. */
  config?: Record<string, unknown>;
  /** How to read files that `config` names (e.g. cnnfWeights); absent: naming a file is an error. Keeps models free of Node's fs. */
  readFile?: HostFileReader;
}

export type ModelFactory = (rt: Runtime, opts: ModelFactoryOptions) => HashModel | Promise<HashModel>;

export interface ModelEntry {
  name: string;
  factory: ModelFactory;
  description: string;
  supervised: boolean;
  /** Mini-batch the model's published settings (and its validation-selected defaults) use: the CLI's default --batch. */
  batchSize: number;
}

/** The batch a model gets when neither it nor the user names one. */
export const DEFAULT_BATCH = 32;

/** Model folders the lazy loader knows about (MODELS.md). */
export const KNOWN_MODELS = ['jsghca', 'djsrh', 'umha', 'hfah', 'udsph', 'dcmh', 'ssah', 'cca-itq', 'cmfh', 'scm-seq', 'ridge-itq'] as const;

const registry = new Map<string, ModelEntry>();

export function registerModel(name: string, factory: ModelFactory, meta: { description?: string; supervised?: boolean; batchSize?: number } = {}): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new CmhashError(`registerModel: invalid model name '${name}' (lowercase letters, digits, - and _)`);
  const batchSize = meta.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new CmhashError(`registerModel '${name}': batchSize must be an integer ≥ 2, got ${batchSize}`);
  registry.set(name, { name, factory, description: meta.description ?? '', supervised: meta.supervised ?? false, batchSize });
}

export function unregisterModel(name: string): boolean {
  return registry.delete(name);
}

interface ModelModule {
  createModel?: ModelFactory;
  description?: string;
  supervised?: boolean;
  batchSize?: number;
}

function isMissingModule(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  const msg = String((e as Error)?.message ?? '');
  return code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to fetch dynamically imported module|error loading dynamically imported module/.test(msg);
}

/** Try to load a known model folder; returns false when it does not exist (yet). */
async function loadKnown(name: string): Promise<boolean> {
  if (!(KNOWN_MODELS as readonly string[]).includes(name)) return false;
  let mod: ModelModule;
  try {
    // A computed specifier: the folder may not exist in this build.
    const spec = `./${name}/index.js`;
    mod = (await import(/* @vite-ignore */ spec)) as ModelModule;
  } catch (e) {
    if (isMissingModule(e)) return false;
    throw e;
  }
  if (registry.has(name)) return true; // the module registered itself on import
  if (typeof mod.createModel !== 'function') {
    throw new CmhashError(`model '${name}': src/models/${name}/index.ts neither registers the model nor exports createModel(rt, options)`);
  }
  registerModel(name, mod.createModel, { description: mod.description, supervised: mod.supervised, batchSize: mod.batchSize });
  return true;
}

/** Look a model up by name (loading its folder on first use). */
export async function getModelEntry(name: string): Promise<ModelEntry> {
  const hit = registry.get(name) ?? ((await loadKnown(name)) ? registry.get(name) : undefined);
  if (!hit) {
    const avail = (await listModels()).map((m) => m.name);
    throw new CmhashError(`unknown model '${name}'. Available in this build: ${avail.length ? avail.join(', ') : 'none'}`);
  }
  return hit;
}

/** Build a model. */
export async function createModel(name: string, rt: Runtime, opts: ModelFactoryOptions): Promise<HashModel> {
  const e = await getModelEntry(name);
  const model = await e.factory(rt, opts);
  if (model.info.bits !== opts.bits) throw new CmhashError(`model '${name}' was asked for ${opts.bits} bits and reports ${model.info.bits}`);
  return model;
}

/** Every model available in this build (registered ones plus the known folders that exist). */
export async function listModels(): Promise<ModelEntry[]> {
  for (const n of KNOWN_MODELS) if (!registry.has(n)) await loadKnown(n);
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}
