/**
 * Crash-safe checkpoints (issue 16): a save interrupted after any of its steps leaves a folder set the
 * next load recovers into one complete checkpoint, and the run resumes exactly from it; run identities;
 * finite checks on loaded tensors; a missing state file is an error unless explicitly reset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRuntime } from './helpers.js';
import * as lib from '../src/node.js';
import { CHECKPOINT_FORMAT, serializeCheckpoint, type Checkpoint } from '../src/train/checkpoint.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { train, type TrainConfig } from '../src/train/loop.js';
import { loadCheckpointDir, recoverCheckpointDir, saveCheckpointDir, SAVE_STEPS, type SaveStep } from '../src/train/node/files.js';
import { makeDirs } from '../src/train/node/durable.js';
import type { HashModel } from '../src/models/types.js';
import { smallDataset } from './fixtures/small-dataset.js';
// @ts-expect-error plain JS fixture shared with the CLI plugin
import { tinyModelFactory } from './fixtures/tiny-model.mjs';
import { expectDataError } from './expect-error.js';

const tmp = mkdtempSync(join(tmpdir(), 'cmhash-ckfault-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A host-only checkpoint whose weights encode its epoch (so a mix of two saves is detectable). */
function fakeCheckpoint(epoch: number, runId = 'run-a'): Checkpoint {
  const w = new Float32Array(6).fill(epoch);
  return {
    meta: {
      format: CHECKPOINT_FORMAT, model: { name: 'tiny', bits: 16, supervised: false, config: {} }, config: {}, dims: { imageDim: 2, textDim: 3, numLabels: 1 },
      loop: { runId, epoch, sampler: { epoch, batch: 0, rng: { state: 1, spare: null } } as never, best: null, badEvals: 0, stopped: false, history: [] },
      savedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, epoch)).toISOString(),
    },
    weights: new Map([['w', { dtype: 'F32', shape: [2, 3], data: w }]]),
    stateTensors: new Map([['opt.w.m', { dtype: 'F32', shape: [2, 3], data: new Float32Array(6).fill(-epoch) }]]),
  };
}

class Crash extends Error {}
const crashAt = (at: SaveStep) => (s: SaveStep) => {
  if (s === at) throw new Crash(`simulated kill after ${s}`);
};

function siblings(dir: string): string[] {
  const base = dir.split('/').pop()!;
  return readdirSync(join(dir, '..')).filter((n) => n.startsWith(`${base}.`));
}


describe('crash-safe checkpoint saves', () => {
  it('replacing a checkpoint: a kill after any step leaves the old or the new checkpoint, whole, after recovery', () => {
    const newFrom = SAVE_STEPS.indexOf('rename-old');
    for (const [i, step] of SAVE_STEPS.entries()) {
      const dir = join(tmp, `replace-${i}`, 'checkpoints', 'last');
      saveCheckpointDir(dir, fakeCheckpoint(1));
      expect(() => saveCheckpointDir(dir, fakeCheckpoint(2), { afterStep: crashAt(step) }), step).toThrow(Crash);
      const notes: string[] = [];
      const got = loadCheckpointDir(dir, { requireState: true, note: (m) => notes.push(m) });
      const want = i >= newFrom ? 2 : 1;
      expect(got.meta.loop.epoch, step).toBe(want);
      // Files of one save only: weights, state and JSON agree.
      expect(Array.from(got.weights.get('w')!.data), step).toEqual(new Array(6).fill(want));
      expect(Array.from(got.stateTensors.get('opt.w.m')!.data), step).toEqual(new Array(6).fill(-want));
      // The folder was missing only between the two renames: exactly then recovery says so.
      expect(notes.length, `${step}: ${notes.join()}`).toBe(step === 'rename-old' ? 1 : 0);
      expect(siblings(dir), step).toEqual([]);
      // The next save works and leaves nothing behind.
      saveCheckpointDir(dir, fakeCheckpoint(3));
      expect(loadCheckpointDir(dir).meta.loop.epoch).toBe(3);
      expect(siblings(dir)).toEqual([]);
    }
  });

  it('first save: a kill before the files are complete is reported with the folders; after, it is recovered', () => {
    for (const [i, step] of SAVE_STEPS.entries()) {
      const dir = join(tmp, `first-${i}`, 'last');
      expect(() => saveCheckpointDir(dir, fakeCheckpoint(1), { afterStep: crashAt(step) })).toThrow(Crash);
      const complete = SAVE_STEPS.indexOf(step) >= SAVE_STEPS.indexOf('write:checkpoint.json');
      if (complete) expect(loadCheckpointDir(dir, { note: () => {} }).meta.loop.epoch, step).toBe(1);
      else {
        expectDataError(() => loadCheckpointDir(dir), new RegExp(`last: missing; an interrupted save left .*last\\.tmp-${process.pid}, but none holds a complete checkpoint`));
        // The run's next save is not blocked by the incomplete remains.
        saveCheckpointDir(dir, fakeCheckpoint(2));
        expect(loadCheckpointDir(dir).meta.loop.epoch).toBe(2);
        expect(siblings(dir)).toEqual([]);
      }
    }
  });

  it('recovery picks the newest complete copy, removes superseded ones, and never touches a live process\'s folder', () => {
    const dir = join(tmp, 'multi', 'last');
    makeDirs(join(tmp, 'multi'));
    // Two dead processes' leftovers (pids that cannot exist) and one of a live process (pid 1).
    const write = (name: string, epoch: number) => {
      const files = serializeCheckpoint(fakeCheckpoint(epoch));
      mkdirSync(join(tmp, 'multi', name));
      for (const [f, d] of Object.entries(files)) writeFileSync(join(tmp, 'multi', name, f), d);
    };
    write('last.old-999999991', 4);
    write('last.tmp-999999991', 5);
    write('last.tmp-1', 9);
    expect(recoverCheckpointDir(dir, () => {})).toBe(true);
    expect(loadCheckpointDir(dir).meta.loop.epoch).toBe(5);
    expect(siblings(dir)).toEqual(['last.tmp-1']);
  });

  it('a kill at each step of a real training run: the run resumes and ends bit-identical to an uninterrupted one', async () => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    const factory = tinyModelFactory(lib);
    const make = () => factory(rt, { bits: 16, seed: 3, dims, lr: 0.2 }) as HashModel;
    const config: TrainConfig = { epochs: 3, batchSize: 32, seed: 5, evalEvery: 0, patience: 0, checkpointEvery: 1 };
    const weights = async (m: HashModel) => Promise.all([...m.namedParameters().values()].map(async (t) => Array.from(await t.read())));

    // Uninterrupted run: remember the epoch-1 folder and the epoch-2 checkpoint.
    const a = make();
    const base = join(tmp, 'run-base', 'last');
    let ck2: Checkpoint | null = null;
    await train(a, ds, config, {
      saveCheckpoint: async (c) => {
        if (c.meta.loop.epoch === 1) saveCheckpointDir(base, c);
        if (c.meta.loop.epoch === 2) ck2 = c;
      },
    });
    const want = await weights(a);
    a.dispose();

    for (const [i, step] of SAVE_STEPS.entries()) {
      // The run was killed while replacing the epoch-1 checkpoint by the epoch-2 one.
      const dir = join(tmp, `run-${i}`, 'last');
      cpSync(base, dir, { recursive: true });
      expect(() => saveCheckpointDir(dir, ck2!, { afterStep: crashAt(step) })).toThrow(Crash);
      const resume = loadCheckpointDir(dir, { requireState: true, note: () => {} });
      const b = make();
      const res = await train(b, ds, config, {}, resume, { where: dir });
      expect(res.state.runId, step).toBe(ck2!.meta.loop.runId);
      expect(await weights(b), step).toEqual(want);
      b.dispose();
    }
  }, 600_000);

  it('library resume: a NaN checkpoint is refused naming the tensor (was: "diverged; lower the learning rate" after a step)', async () => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    const make = () => tinyModelFactory(lib)(rt, { bits: 16, seed: 3, dims, lr: 0.2 }) as HashModel;
    const a = make();
    let ck: Checkpoint | null = null;
    await train(a, ds, { epochs: 1, batchSize: 32, seed: 5, evalEvery: 0, patience: 0 }, { saveCheckpoint: async (c) => { ck = c; } });
    a.dispose();
    (ck!.weights.get('text.w')!.data as Float32Array)[3] = NaN;
    const b = make();
    await expect(train(b, ds, { epochs: 2, batchSize: 32, seed: 5, evalEvery: 0, patience: 0 }, {}, ck!, { where: 'runs/x/last' })).rejects.toThrow(/runs\/x\/last\/model\.safetensors: tensor 'text\.w' has NaN at index \[0, 3\]/);
    b.dispose();
  });
});

describe('loaded checkpoints are checked', () => {
  it('NaN or Infinity in model.safetensors or state.safetensors: an error naming the file and the tensor', () => {
    const dir = join(tmp, 'nan', 'best');
    saveCheckpointDir(dir, fakeCheckpoint(1));
    const bad = new Float32Array(6).fill(1);
    bad[4] = NaN;
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(new Map([['w', { shape: [2, 3], data: bad }]])));
    expectDataError(() => loadCheckpointDir(dir), /nan\/best\/model\.safetensors: tensor 'w' has NaN at index \[1, 1\] .*corrupt or its run diverged/);
    saveCheckpointDir(dir, fakeCheckpoint(1));
    writeFileSync(join(dir, 'state.safetensors'), encodeSafetensors(new Map([['opt.w.m', { shape: [2, 3], data: new Float32Array(6).fill(Infinity) }]])));
    expectDataError(() => loadCheckpointDir(dir), /best\/state\.safetensors: tensor 'opt\.w\.m' has Infinity at index \[0, 0\]/);
    // The library path (restoreCheckpoint on an in-memory checkpoint) checks too.
    const ck = fakeCheckpoint(1);
    (ck.weights.get('w')!.data as Float32Array)[0] = -Infinity;
    expect(() => lib.checkCheckpointFinite(ck, 'mem')).toThrow(/mem\/model\.safetensors: tensor 'w' has -Infinity/);
  });

  it('a missing state.safetensors is an error on resume, with the opt-in named; evaluation does not need it', () => {
    const dir = join(tmp, 'nostate', 'last');
    saveCheckpointDir(dir, fakeCheckpoint(2));
    rmSync(join(dir, 'state.safetensors'));
    expectDataError(() => loadCheckpointDir(dir, { requireState: true, resetHint: '; pass --reset-optimizer' }), /nostate\/last\/state\.safetensors is missing: .*would not continue exactly; pass --reset-optimizer/);
    expect(loadCheckpointDir(dir).stateTensors.size).toBe(0);
  });

  it('every checkpoint carries the run identity; a resume keeps it', () => {
    const ck = fakeCheckpoint(1, 'abc');
    const dir = join(tmp, 'ids', 'last');
    saveCheckpointDir(dir, ck);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).loop.runId).toBe('abc');
    const a = lib.newRunId(), b = lib.newRunId();
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(existsSync(dir)).toBe(true);
  });
});
