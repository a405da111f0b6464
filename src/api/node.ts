/** The library API's Node side: loadModel from a folder path (or URL), index files on disk. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../runtime/errors.js';
import { createNodeRuntime, type NodeBackend } from '../runtime/node-provider.js';
import { readBytes, readText } from '../data/node/files.js';
import { decodeIndexFile, encodeIndexFile, type IndexFileContents } from '../retrieval/index-file.js';
import { fetchCheckpointFiles, modelFromFiles, type CmhashModel, type LoadModelOptions } from './load-model.js';

/**
 * Load a trained model: a checkpoint folder (`runs/mine/checkpoints/best`), a run folder (its
 * checkpoints/best is used), a file: URL, or an http(s) URL of a served checkpoint folder.
 */
export async function loadModel(source: string | URL, opts: LoadModelOptions & { backend?: NodeBackend } = {}): Promise<CmhashModel> {
  const s = String(source);
  const createRuntime = () => createNodeRuntime({ backend: opts.backend });
  opts = { readFile: (p) => readFile(p), ...opts };
  if (/^https?:\/\//i.test(s)) return modelFromFiles(await fetchCheckpointFiles(s), s, { ...opts, createRuntime });
  let dir = resolve(/^file:/i.test(s) ? fileURLToPath(s) : s);
  if (!existsSync(join(dir, 'checkpoint.json')) && existsSync(join(dir, 'checkpoints', 'best', 'checkpoint.json'))) dir = join(dir, 'checkpoints', 'best');
  if (!existsSync(join(dir, 'checkpoint.json'))) throw new DataError(`${dir}: not a checkpoint folder (no checkpoint.json; 'cmhash train' writes <out>/checkpoints/best)`);
  const state = existsSync(join(dir, 'state.safetensors')) ? readBytes(join(dir, 'state.safetensors')) : null;
  return modelFromFiles({ model: readBytes(join(dir, 'model.safetensors')), state, json: readText(join(dir, 'checkpoint.json')) }, dir, { ...opts, createRuntime });
}

/** Read an index file (.cmhi, any version) from disk. */
export function readIndexFile(file: string): IndexFileContents {
  return decodeIndexFile(readBytes(resolve(file)), file);
}

/** Write codes (and ids, labels, metadata) as an index file; creates the folder. */
export function writeIndexFile(file: string, contents: IndexFileContents): void {
  const out = resolve(file);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, encodeIndexFile(contents));
}
