/** Node-only checkpoint folders (crash-safe saves, recovery of interrupted saves) and the JSON-lines log. */
import { appendFileSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { readBytes, readText } from '../../data/node/files.js';
import { checkCheckpointFinite, deserializeCheckpoint, serializeCheckpoint, type Checkpoint } from '../checkpoint.js';
import { fsyncDir, makeDirs, writeFileDurable } from './durable.js';

/**
 * The steps of a checkpoint save, in order. A crash after any of them leaves a folder set that
 * `recoverCheckpointDir` turns back into one complete checkpoint (the previous or the new one).
 */
export const SAVE_STEPS = [
  'mkdir-tmp', 'write:model.safetensors', 'write:state.safetensors', 'write:checkpoint.json', 'fsync-tmp',
  'rename-old', 'rename-tmp', 'fsync-parent', 'remove-old',
] as const;
export type SaveStep = (typeof SAVE_STEPS)[number];

export interface SaveOptions {
  /** Called after each step (tests inject faults here: throw, or kill the process). */
  afterStep?: (step: SaveStep) => void;
}

/** Test hook: CMHASH_TEST_KILL_AT=<tag>:<step>[:<epoch>] kills the process with SIGKILL right after that step of a save. */
function envFault(dir: string, ckpt: Checkpoint, step: SaveStep): void {
  const spec = process.env.CMHASH_TEST_KILL_AT;
  if (!spec) return;
  const [tag, at, epoch] = splitKill(spec);
  if (tag === basename(dir) && at === step && (epoch === undefined || Number(epoch) === ckpt.meta.loop.epoch)) process.kill(process.pid, 'SIGKILL');
}

function splitKill(spec: string): [string, string, string | undefined] {
  // tag:step[:epoch] where step may itself contain a colon (write:model.safetensors).
  const parts = spec.split(':');
  const tag = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length >= 3 && /^\d+$/.test(last)) return [tag, parts.slice(1, -1).join(':'), last];
  return [tag, parts.slice(1).join(':'), undefined];
}

/**
 * Write a checkpoint folder (model.safetensors, state.safetensors, checkpoint.json) crash-safely:
 * the files go to `<dir>.tmp-<pid>` and are fsynced with their folder; then `dir` (if any) is renamed
 * to `<dir>.old-<pid>`, the temporary folder to `dir`, the parent folder is fsynced and the old copy
 * removed. A kill at any point leaves either `dir` complete or the data in the .tmp/.old folders,
 * which the next load or save recovers automatically (recoverCheckpointDir).
 */
export function saveCheckpointDir(dir: string, ckpt: Checkpoint, opts: SaveOptions = {}): void {
  const files = serializeCheckpoint(ckpt);
  recoverCheckpointDir(dir, () => {}, { discardIncomplete: true });
  const parent = dirname(dir);
  makeDirs(parent, 'checkpoint folder');
  const step = (s: SaveStep) => {
    envFault(dir, ckpt, s);
    opts.afterStep?.(s);
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  makeDirs(tmp, 'checkpoint folder');
  step('mkdir-tmp');
  for (const [name, data] of Object.entries(files)) {
    writeFileDurable(join(tmp, name), data, 'checkpoint file');
    step(`write:${name}` as SaveStep);
  }
  fsyncDir(tmp);
  step('fsync-tmp');
  const old = `${dir}.old-${process.pid}`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  step('rename-old');
  renameSync(tmp, dir);
  step('rename-tmp');
  fsyncDir(parent);
  step('fsync-parent');
  rmSync(old, { recursive: true, force: true });
  step('remove-old');
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftovers are from an earlier, failed save
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<dir>.tmp-<pid>` / `<dir>.old-<pid>` folders left by saves of processes that are no longer running. */
function leftovers(dir: string): { path: string; kind: 'tmp' | 'old' }[] {
  const parent = dirname(dir);
  const base = basename(dir);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const out: { path: string; kind: 'tmp' | 'old' }[] = [];
  for (const n of names) {
    const m = /^(.*)\.(tmp|old)-(\d+)$/.exec(n);
    if (!m || m[1] !== base || pidAlive(Number(m[3]))) continue;
    out.push({ path: join(parent, n), kind: m[2] as 'tmp' | 'old' });
  }
  return out;
}

function tryLoad(dir: string): Checkpoint | null {
  try {
    return readCheckpointFiles(dir, false);
  } catch {
    return null;
  }
}

/**
 * Repair the effects of an interrupted save of `dir`. When `dir` is complete, stale .tmp/.old folders
 * are removed. When `dir` is missing, the newest complete checkpoint among `<dir>.tmp-*` and
 * `<dir>.old-*` is renamed to `dir` (and `note` told); when none is complete, a DataError names the
 * folders that hold the remains. Returns true when it restored `dir`.
 */
export function recoverCheckpointDir(dir: string, note: (msg: string) => void = (m) => console.error(m), opts: { discardIncomplete?: boolean } = {}): boolean {
  const found = leftovers(dir);
  if (found.length === 0) return false;
  if (existsSync(dir)) {
    // The save finished its rename: the .old copy is superseded, a .tmp one was never published.
    for (const f of found) rmSync(f.path, { recursive: true, force: true });
    return false;
  }
  const loaded = found.map((f) => ({ ...f, ckpt: tryLoad(f.path) })).filter((f) => f.ckpt !== null);
  if (loaded.length === 0) {
    if (opts.discardIncomplete) {
      // About to write a new checkpoint: incomplete remains hold nothing that could be resumed.
      for (const f of found) rmSync(f.path, { recursive: true, force: true });
      return false;
    }
    throw new DataError(`${dir}: missing; an interrupted save left ${found.map((f) => f.path).join(', ')}, but none holds a complete checkpoint (model.safetensors, state.safetensors, checkpoint.json)`);
  }
  // Newest first; for one save, .tmp (the new data) is newer than .old.
  loaded.sort((a, b) => b.ckpt!.meta.savedAt.localeCompare(a.ckpt!.meta.savedAt) || (a.kind === 'tmp' ? -1 : 1));
  const pick = loaded[0]!;
  renameSync(pick.path, dir);
  fsyncDir(dirname(dir));
  for (const f of found) if (f.path !== pick.path) rmSync(f.path, { recursive: true, force: true });
  note(`cmhash: recovered ${dir} from ${basename(pick.path)} (a checkpoint save was interrupted; epoch ${pick.ckpt!.meta.loop.epoch})`);
  return true;
}

function readCheckpointFiles(dir: string, requireState: boolean, resetHint = ''): Checkpoint {
  if (!existsSync(join(dir, 'checkpoint.json'))) throw new DataError(`${dir}: not a checkpoint folder (no checkpoint.json)`);
  const stateFile = join(dir, 'state.safetensors');
  const hasState = existsSync(stateFile);
  if (!hasState && requireState) {
    throw new DataError(`${stateFile} is missing: without the optimiser and model state the run would not continue exactly${resetHint}`);
  }
  return deserializeCheckpoint({ model: readBytes(join(dir, 'model.safetensors')), state: hasState ? readBytes(stateFile) : null, json: readText(join(dir, 'checkpoint.json')) }, dir);
}

export interface LoadOptions {
  /** Require state.safetensors (resuming a run needs it; evaluation does not). */
  requireState?: boolean;
  /** Appended to the missing-state error (e.g. how to opt into a reset). */
  resetHint?: string;
  /** Where recovery notes go (default stderr). */
  note?: (msg: string) => void;
}

/**
 * Read a checkpoint folder written by saveCheckpointDir, first recovering an interrupted save of it.
 * Every float tensor is checked finite (the error names the file and the tensor).
 */
export function loadCheckpointDir(dir: string, opts: LoadOptions = {}): Checkpoint {
  recoverCheckpointDir(dir, opts.note);
  const ckpt = readCheckpointFiles(dir, opts.requireState ?? false, opts.resetHint);
  checkCheckpointFinite(ckpt, dir);
  return ckpt;
}

/** Append-only JSON-lines log: one object per line with a timestamp. */
export class JsonlLog {
  constructor(readonly file: string) {
    makeDirs(dirname(file), 'log folder');
  }

  write(event: string, data: Record<string, unknown>): void {
    appendFileSync(this.file, JSON.stringify({ time: new Date().toISOString(), event, ...data }) + '\n');
  }
}
