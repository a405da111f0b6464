/** Training progress on a terminal: a cli-progress bar with loss and items/s on a TTY, plain lines otherwise. */
import cliProgress from 'cli-progress';
import type { EpochRecord } from '../checkpoint.js';
import type { StepInfo, TrainHooks } from '../loop.js';

/** Where progress goes (process.stderr by default); structural, so the published types need no @types/node. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Force the bar on or off (default: on when stderr is a TTY). */
  tty?: boolean;
  stream?: ProgressStream;
  epochs: number;
  /** Print nothing at all (--quiet). */
  silent?: boolean;
}

/** Human duration: 45s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Estimated seconds until the last epoch ends (early stopping can end the run sooner). Once an epoch
 * of this process has finished, its average wall time (validation included) prices the remaining
 * epochs; before that, the time per step so far does (no validation time known yet).
 */
export function runEta(p: { epochs: number; epoch: number; step: number; steps: number; elapsed: number; epochSeconds: number[]; stepsThisRun: number }): number {
  const left = Math.max(0, p.epochs - p.epoch - 1); // whole epochs after the current one
  const fracLeft = p.steps > 0 ? 1 - p.step / p.steps : 0;
  if (p.epochSeconds.length > 0) {
    const perEpoch = p.epochSeconds.reduce((a, b) => a + b, 0) / p.epochSeconds.length;
    return (fracLeft + left) * perEpoch;
  }
  if (p.stepsThisRun <= 0) return NaN;
  const perStep = p.elapsed / p.stepsThisRun;
  return ((p.steps - p.step) + left * p.steps) * perStep;
}

/** Hooks that report progress; merge them into the loop's hooks. */
export function progressHooks(opts: ProgressOptions): Pick<TrainHooks, 'onStep' | 'onEpoch' | 'onEval'> & { stop(): void } {
  const stream = (opts.stream ?? process.stderr) as NodeJS.WriteStream;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let barEpoch = -1;
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));
  // Overall ETA bookkeeping (this process only: a resumed run starts counting again).
  let runStart = -1, epochStart = -1, stepsThisRun = 0, steps = 0;
  const epochSeconds: number[] = [];
  const now = () => performance.now() / 1000;
  const eta = (epoch: number, step: number) => formatDuration(runEta({ epochs: opts.epochs, epoch, step, steps, elapsed: now() - runStart, epochSeconds, stepsThisRun }));
  return {
    onStep(s: StepInfo) {
      if (runStart < 0) runStart = epochStart = now();
      stepsThisRun++;
      steps = s.steps;
      if (opts.silent || !tty) return;
      if (!bar || barEpoch !== s.epoch) {
        bar?.stop();
        bar = new cliProgress.SingleBar({
          stream, format: `epoch ${s.epoch + 1}/${opts.epochs} [{bar}] {value}/{total} | loss {loss} | {rate} items/s | eta {eta_formatted} | to epoch ${opts.epochs} ~{run_eta}`,
          hideCursor: true, clearOnComplete: false, etaBuffer: 20,
        }, cliProgress.Presets.shades_classic);
        bar.start(s.steps, 0, { loss: '-', rate: '-', run_eta: '-' });
        barEpoch = s.epoch;
      }
      bar.update(s.step, { loss: fmt(s.loss), rate: s.itemsPerSec.toFixed(0), run_eta: eta(s.epoch, s.step) });
    },
    onEpoch(r: EpochRecord) {
      if (bar) {
        bar.stop();
        bar = null;
      }
      if (epochStart >= 0) {
        epochSeconds.push(now() - epochStart);
        epochStart = now();
      }
      if (opts.silent) return;
      const val = r.val ? ` | val mAP I→T ${r.val.i2t.toFixed(4)} T→I ${r.val.t2i.toFixed(4)}` : '';
      const left = r.epoch < opts.epochs && epochSeconds.length > 0 ? ` | ~${eta(r.epoch, 0)} left to epoch ${opts.epochs}` : '';
      stream.write(`epoch ${r.epoch}/${opts.epochs}: loss ${fmt(r.loss)} | ${r.itemsPerSec.toFixed(0)} items/s | ${r.seconds.toFixed(1)} s${val}${left}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
