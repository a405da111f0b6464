/**
 * Training steps with the next one recorded while the GPU runs the current one (browser-safe).
 *
 * HashModel.trainStep records and submits all of a step's GPU work before its first await and then
 * reads the loss back. So step n+1 can be started before step n's loss has come back: the GPU runs the
 * two in submission order (step n+1's forward reads the weights step n updated), and the result is the
 * same as one step at a time, bit for bit (test/overlap.test.ts). What changes is that the host's
 * recording of step n+1 and the readback's latency no longer leave the GPU idle. On lavapipe
 * (2 cores, the "GPU" is the CPU) this took JSGHCA's step from 25.5 to 22.5 ms and DJSRH's from 19.9 to
 * 18.1 (train suite, BENCHMARKS.md); UMHA, whose step is 95 % GPU time, is unchanged.
 */
import type { StepResult } from '../models/types.js';

/** Steps in flight in the training loop and the train bench (1: each loss is read back before the next step). */
export const STEPS_IN_FLIGHT = 2;

export interface OverlappedSteps<B> {
  /** The next step's input, or null when there is none. */
  next: () => B | null;
  /** Start a step (e.g. model.trainStep(batch)): record and submit, resolve with its result. */
  start: (item: B) => Promise<StepResult>;
  /** Called once per started step after it has settled (free its batch), in start order. */
  cleanup?: (item: B) => void;
  /** Called with each step's result in start order; return true to start no more steps. */
  done: (result: StepResult, item: B) => boolean | void;
  /** Steps in flight (default STEPS_IN_FLIGHT). */
  depth?: number;
}

/**
 * Run steps until `next` returns null or `done` asks to stop, `depth` in flight. A failing step stops
 * the loop: the steps already started are awaited and cleaned up, then its error is thrown.
 * Returns whether `done` asked to stop.
 */
export async function runOverlappedSteps<B>(o: OverlappedSteps<B>): Promise<boolean> {
  const depth = o.depth ?? STEPS_IN_FLIGHT;
  if (!(Number.isInteger(depth) && depth >= 1)) throw new RangeError(`runOverlappedSteps: depth must be an integer ≥ 1, got ${depth}`);
  const inflight: { item: B; result: Promise<StepResult> }[] = [];
  const startOne = (item: B): void => {
    let result: Promise<StepResult>;
    try {
      result = o.start(item);
    } catch (e) {
      result = Promise.reject(e);
    }
    // Handled now: a later step may fail while the loop still awaits an earlier one.
    result.catch(() => {});
    inflight.push({ item, result });
  };
  const finishOldest = async (): Promise<boolean> => {
    const { item, result } = inflight.shift()!;
    try {
      const r = await result;
      return o.done(r, item) === true;
    } finally {
      o.cleanup?.(item);
    }
  };
  let stopped = false;
  try {
    for (let item = o.next(); item !== null; item = o.next()) {
      startOne(item);
      if (inflight.length >= depth && (await finishOldest())) {
        stopped = true;
        break;
      }
    }
    while (inflight.length && !stopped) stopped = await finishOldest();
  } finally {
    // Stopped or failed: the started steps still run on the GPU; wait for them and free their inputs.
    for (const { item, result } of inflight.splice(0)) {
      await result.catch(() => {});
      o.cleanup?.(item);
    }
  }
  return stopped;
}
