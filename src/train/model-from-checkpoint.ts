/** Rebuild the model a checkpoint was trained with (browser-safe): the CLI, the library's loadModel and the demo use it. */
import type { Runtime } from '../runtime/runtime.js';
import { createModel, type HostFileReader } from '../models/registry.js';
import type { HashModel } from '../models/types.js';
import { restoreCheckpoint, type Checkpoint } from './checkpoint.js';

/**
 * Create the checkpoint's model (name, bits, dims, run settings) on `rt` and load its weights and state.
 * `readFile` reads host files the model configuration names (CNN-F weights); Node passes fs.promises.readFile.
 */
export async function modelFromCheckpoint(rt: Runtime, ckpt: Checkpoint, where: string, opts: { readFile?: HostFileReader } = {}): Promise<HashModel> {
  const cli = (ckpt.meta.config.cli ?? {}) as { seed?: number; lr?: number; batch?: number; modelConfig?: Record<string, unknown> };
  const model = await createModel(ckpt.meta.model.name, rt, {
    bits: ckpt.meta.model.bits,
    seed: cli.seed ?? 0,
    dims: ckpt.meta.dims,
    lr: cli.lr,
    batchSize: cli.batch,
    config: cli.modelConfig,
    readFile: opts.readFile,
  });
  try {
    await restoreCheckpoint(model, ckpt, where);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
