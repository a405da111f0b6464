/**
 * Overlapped training steps (src/train/overlap.ts): the next step is recorded before this one's loss is
 * read back. Every model must give the same losses and weights as one step at a time, and the runner must
 * keep order, free every batch once, and surface failures.
 */
import { describe, expect, it } from 'vitest';
import { getRuntime } from './helpers.js';
import { smallDataset } from './fixtures/small-dataset.js';
import { disposeBatch, makeBatch } from '../src/data/batcher.js';
import type { Batch } from '../src/data/batch.js';
import { createModel } from '../src/models/registry.js';
import { train, trainingSetView } from '../src/train/loop.js';
import type { HashModel } from '../src/models/types.js';
import { runOverlappedSteps } from '../src/train/overlap.js';
import { IdleWaits } from '../src/runtime/idle-waits.js';

const DEEP = ['djsrh', 'jsghca', 'umha', 'dcmh', 'ssah', 'hfah', 'udsph'] as const;

describe('overlapped training steps', () => {
  it.each(DEEP)('%s: two steps in flight give the losses and weights of one at a time, bit for bit', async (name) => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
    const view = trainingSetView(ds);
    // Dropout stays on: its masks must come out in the same order too.
    const run = async (depth: number): Promise<{ losses: number[]; weights: Map<string, Float32Array> }> => {
      const model = await createModel(name, rt, { bits: 16, seed: 5, dims, batchSize: 16, config: { hidden: 128 } });
      expect(model.overlapsSteps).toBe(true);
      await model.prepare?.(view);
      model.startEpoch?.(0);
      const losses: number[] = [];
      let i = 0;
      await runOverlappedSteps<Batch>({
        next: () => {
          if (i >= 4) return null;
          const rows = Uint32Array.from({ length: 16 }, (_, r) => ds.splits.train[(i * 16 + r * 7) % ds.splits.train.length]!);
          i++;
          const batch = makeBatch(rt, ds, rows, { labels: true });
          batch.indices = Uint32Array.from(rows);
          return batch;
        },
        start: (batch) => model.trainStep(batch, 0),
        cleanup: (batch) => {
          disposeBatch(batch);
        },
        done: (r) => {
          losses.push(r.loss);
        },
        depth,
      });
      await model.endEpoch?.(0);
      const weights = new Map<string, Float32Array>();
      for (const [k, t] of model.namedParameters()) weights.set(k, new Float32Array(await t.read()));
      model.dispose();
      return { losses, weights };
    };
    const one = await run(1), two = await run(2);
    expect(one.losses.length).toBe(4);
    expect(two.losses).toEqual(one.losses);
    expect([...two.weights.keys()]).toEqual([...one.weights.keys()]);
    for (const [k, w] of one.weights) expect(Buffer.from(two.weights.get(k)!.buffer).equals(Buffer.from(w.buffer)), k).toBe(true);
  });

  it('the training loop overlaps only models that declare overlapsSteps (a plugin may read back mid-step)', async () => {
    const rt = await getRuntime();
    const ds = smallDataset();
    const fakeModel = (overlapsSteps: boolean | undefined, log: string[]): HashModel => {
      let k = 0;
      return {
        info: { name: 'fake', bits: 8, supervised: false, config: {} },
        runtime: rt,
        ...(overlapsSteps === undefined ? {} : { overlapsSteps }),
        namedParameters: () => new Map(),
        async trainStep() {
          const i = k++;
          log.push(`begin ${i}`);
          await new Promise((r) => setTimeout(r, 2)); // a mid-step readback
          log.push(`end ${i}`);
          return { loss: i };
        },
        encode: () => { throw new Error('not used'); },
        dispose: () => {},
      };
    };
    const cfg = { epochs: 1, batchSize: 32, seed: 1, evalEvery: 0, patience: 0 };
    for (const flag of [undefined, false, true]) {
      const log: string[] = [];
      const losses: number[] = [];
      await train(fakeModel(flag, log), ds, cfg, { onStep: (s) => losses.push(s.loss) });
      expect(losses, String(flag)).toEqual([0, 1, 2, 3, 4]); // 160 items / 32, in order
      // Overlapped: step 1 begins before step 0 has ended; otherwise never.
      const firstTwo = log.slice(0, 2).join();
      if (flag === true) expect(firstTwo).toBe('begin 0,begin 1');
      else expect(log.join(), String(flag)).toBe([0, 1, 2, 3, 4].map((i) => `begin ${i},end ${i}`).join());
    }
  });

  it('keeps start order, frees each item once, and stops when asked', async () => {
    const log: string[] = [];
    let n = 0;
    const stopped = await runOverlappedSteps<number>({
      next: () => (n < 5 ? n++ : null),
      start: async (i) => {
        log.push(`start ${i}`);
        await new Promise((r) => setTimeout(r, i === 0 ? 20 : 1)); // step 0 finishes last
        return { loss: i };
      },
      cleanup: (i) => log.push(`free ${i}`),
      done: (r) => {
        log.push(`done ${r.loss}`);
        return r.loss === 2;
      },
      depth: 2,
    });
    expect(stopped).toBe(true);
    // Step 1 starts before step 0's result; step 3, started before 2 finished, is drained and freed, never reported.
    expect(log).toEqual(['start 0', 'start 1', 'done 0', 'free 0', 'start 2', 'done 1', 'free 1', 'start 3', 'done 2', 'free 2', 'free 3']);
  });

  it('a failing step (thrown or rejected) is reported after the others are drained and freed', async () => {
    for (const how of ['throw', 'reject'] as const) {
      const log: string[] = [];
      let n = 0;
      const p = runOverlappedSteps<number>({
        next: () => (n < 5 ? n++ : null),
        start: (i) => {
          log.push(`start ${i}`);
          if (i === 1 && how === 'throw') throw new Error('step 1 failed');
          if (i === 1) return Promise.reject(new Error('step 1 failed'));
          return new Promise((resolve) => setTimeout(() => resolve({ loss: i }), 10));
        },
        cleanup: (i) => log.push(`free ${i}`),
        done: () => {},
        depth: 3,
      });
      await expect(p).rejects.toThrow(/step 1 failed/);
      // Failures surface in step order: step 0 completes, step 3 starts, step 1's failure ends the loop (no step 4);
      // step 3, still running, is waited for and freed too.
      expect(log.filter((l) => l.startsWith('start')), how).toEqual(['start 0', 'start 1', 'start 2', 'start 3']);
      expect(log.filter((l) => l.startsWith('free')).sort(), how).toEqual(['free 0', 'free 1', 'free 2', 'free 3']);
    }
    await expect(runOverlappedSteps({ next: () => null, start: async () => ({ loss: 0 }), done: () => {}, depth: 0 })).rejects.toThrow(/depth must be an integer ≥ 1, got 0/);
  });
});

describe('idle waits that overlap', () => {
  it('time a wait from the end of the one before it, keyed by the dispatches since the previous begin', async () => {
    const w = new IdleWaits(true);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Steady state of a 2-deep loop: each wait begins while the previous step's wait is still open; every step
    // takes ~40 ms on the "GPU". Waits are timed from the previous wait's end, so each estimate is one step.
    let prev = w.begin(10);
    for (let step = 2; step <= 5; step++) {
      const cur = w.begin(10 * step);
      await sleep(40);
      prev.done();
      prev = cur;
    }
    await sleep(40);
    prev.done();
    const before = w.sleptMs;
    const next = w.begin(60);
    await next.sleep;
    // One step's estimate (~40 ms → sleep ~32), not two steps' (~80 → 64).
    expect(w.sleptMs - before).toBeGreaterThanOrEqual(20);
    expect(w.sleptMs - before).toBeLessThan(50);
    next.done();
    // A wait begun behind an unfinished one does not start sleeping before that one is done.
    const a = w.begin(60), b = w.begin(70);
    let bSlept = false;
    void b.sleep.then(() => (bSlept = true));
    await sleep(5);
    expect(bSlept).toBe(false);
    a.done();
    await b.sleep;
    b.done();
  });
});
