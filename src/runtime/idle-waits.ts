/**
 * Waiting for the GPU without polling all the time. Dawn's Node binding (the `webgpu` package) drives
 * every pending promise (mapAsync, onSubmittedWorkDone) by re-arming setImmediate until it settles: a
 * busy loop on the main thread for the whole wait. On lavapipe, whose "GPU" is the same 2 CPU cores, that
 * loop takes CPU from the kernels, and its garbage (≈ 30 MB per SSAH step) triggers GC pauses that later
 * land inside the next step's recording (measured: SSAH step 430–720 ms → 270 ms with a fixed 250 ms
 * sleep before the readback).
 *
 * So each wait first sleeps (setTimeout: no polling, no garbage) for most of what the same wait took
 * before, then polls the rest. "The same wait" is keyed by the dispatches recorded since the previous
 * wait — how many, and a fingerprint of their workgroup grids: a training loop's step readback always
 * follows the same dispatches. The count alone is not enough: a search of 1 query and one of 1,000
 * record the same 3–4 dispatches with different grids, and the small one slept 80 % of the large one's
 * wait (HammingIndex: a 1-query overflow redo after 1,000-query two-pass searches slept ≈ 0.7–1.3 s;
 * multiIndex 'auto' timed the 128-query scan slice at 2.9 ms/query instead of ≈ 0.5). The estimate is the last
 * measured wait, smoothed; the sleep is 80 % of it, so a wait that got shorter costs at most the 80 %
 * once before the estimate follows it down. Waits expected under 3 ms are not slept at all (timer
 * granularity; tests and small reads keep their latency).
 *
 * Waits may overlap: a training loop records and submits step n+1 before it awaits step n's loss. The GPU
 * runs them in order, so a wait is timed (and its sleep starts) from the later of its begin and the end of
 * the wait before it, and is keyed by the dispatches since the previous begin: each step's wait then
 * measures one step, as it does when nothing overlaps, instead of the two that were queued at its begin.
 */

const MIN_SLEEP_MS = 3;
/**
 * A measured wait enters the estimate as at most this many times the estimate so far, and no sleep is longer
 * than maxSleepMs: a wait that spans a stall of the whole process (SIGSTOP by /work/bench-quiet, a suspended
 * laptop) measures the stall, not the GPU. Unbounded, one 4-minute pause made the next waits of the same key
 * sleep 200 s, 100 s, 50 s, … (a training run stood still for 15 minutes after a 4-minute pause).
 */
const MAX_GROWTH = 4;
const DEFAULT_MAX_SLEEP_MS = 10_000;
const SLEEP_FRACTION = 0.8;
/** A wait that ends within this fraction of its sleep (or 1 ms) after the sleep counts as over-slept. */
const OVERSLEEP_SLACK = 0.05;
/** At most this many keys (distinct dispatch counts between waits) are remembered. */
const MAX_KEYS = 256;

export interface IdleWait {
  /** Resolves when the sleep part is over (at once when there is none). */
  sleep: Promise<void>;
  /** Call when the wait has finished (records how long it took). */
  done: () => void;
}

const NONE: IdleWait = { sleep: Promise.resolve(), done: () => {} };

export class IdleWaits {
  private readonly estimates = new Map<string, number>();
  /** The dispatch counter at the previous begin. */
  private last = 0;
  /** Settles when the latest begun wait is done (or has none before it). */
  private previous: Promise<void> = Promise.resolve();
  sleptMs = 0;

  constructor(private readonly enabled: boolean, private readonly maxSleepMs = DEFAULT_MAX_SLEEP_MS) {}

  /**
   * Start a wait; `dispatches` is the runtime's dispatch counter now (everything is submitted), `grids`
   * a fingerprint of the workgroup grids dispatched since the previous wait (gridFingerprint). `done`
   * must be called when it ends, also when it fails: a later overlapping wait starts after it.
   */
  begin(dispatches: number, grids = 0): IdleWait {
    if (!this.enabled) return NONE;
    const key = `${dispatches - this.last}/${grids}`;
    this.last = dispatches;
    const est = this.estimates.get(key);
    const sleepMs = est !== undefined && est >= MIN_SLEEP_MS ? Math.min(Math.floor(SLEEP_FRACTION * est), this.maxSleepMs) : 0;
    let t0 = performance.now();
    let finished = false, markDone = (): void => {};
    const before = this.previous;
    this.previous = new Promise<void>((resolve) => (markDone = resolve));
    // Timed from the end of the wait before this one when that ends later than this one began.
    const started = before.then(() => {
      t0 = Math.max(t0, performance.now());
    });
    return {
      sleep: started.then(() => {
        if (finished || sleepMs <= 0) return;
        this.sleptMs += sleepMs;
        return new Promise((resolve) => setTimeout(resolve, sleepMs));
      }),
      done: () => {
        if (finished) return;
        finished = true;
        const ms = Math.max(0, performance.now() - t0);
        markDone();
        if (!this.estimates.has(key) && this.estimates.size >= MAX_KEYS) this.estimates.clear();
        // A wait that ended right after its sleep was over-slept: it measured the sleep, not the GPU, so a smoothed
        // update would follow the true length down by only 10 % per wait (softmax after GEMM waits, both one
        // dispatch: 33 → 84 ms for 11 repetitions). Halve the estimate instead until a wait outlasts its sleep.
        const overslept = sleepMs > 0 && ms - sleepMs < Math.max(1, OVERSLEEP_SLACK * sleepMs);
        this.estimates.set(key, overslept ? 0.5 * sleepMs : est === undefined ? ms : 0.5 * est + 0.5 * Math.min(ms, MAX_GROWTH * est));
      },
    };
  }
}

/** Order-sensitive fingerprint of the workgroup grids dispatched since a wait: fold each (x, y, z) into `h` (FNV-1a style, start at 0). */
export function gridFingerprint(h: number, x: number, y: number, z: number): number {
  h = Math.imul(h ^ x, 16777619);
  h = Math.imul(h ^ y, 16777619);
  return Math.imul(h ^ z, 16777619);
}
