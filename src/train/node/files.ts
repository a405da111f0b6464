/** Node-only checkpoint folders and the JSON-lines log. */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { readBytes, readText } from '../../data/node/files.js';
import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint } from '../checkpoint.js';

/**
 * Write a checkpoint folder (model.safetensors, state.safetensors, checkpoint.json). Files go to a
 * temporary sibling folder first, which then replaces `dir`, so an interrupted save never leaves a
 * half-written checkpoint behind.
 */
export function saveCheckpointDir(dir: string, ckpt: Checkpoint): void {
  const files = serializeCheckpoint(ckpt);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Read a checkpoint folder written by saveCheckpointDir. */
export function loadCheckpointDir(dir: string): Checkpoint {
  if (!existsSync(join(dir, 'checkpoint.json'))) throw new DataError(`${dir}: not a checkpoint folder (no checkpoint.json)`);
  const state = existsSync(join(dir, 'state.safetensors')) ? readBytes(join(dir, 'state.safetensors')) : null;
  return deserializeCheckpoint({ model: readBytes(join(dir, 'model.safetensors')), state, json: readText(join(dir, 'checkpoint.json')) }, dir);
}

/** Append-only JSON-lines log: one object per line with a timestamp. */
export class JsonlLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  write(event: string, data: Record<string, unknown>): void {
    appendFileSync(this.file, JSON.stringify({ time: new Date().toISOString(), event, ...data }) + '\n');
  }
}
