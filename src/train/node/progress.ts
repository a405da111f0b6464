/** Training progress on a terminal: a cli-progress bar with loss and items/s on a TTY, plain lines otherwise. */
import cliProgress from 'cli-progress';
import type { EpochRecord } from '../checkpoint.js';
import type { StepInfo, TrainHooks } from '../loop.js';

export interface ProgressOptions {
  /** Force the bar on or off (default: on when stderr is a TTY). */
  tty?: boolean;
  stream?: NodeJS.WriteStream;
  epochs: number;
}

/** Hooks that report progress; merge them into the loop's hooks. */
export function progressHooks(opts: ProgressOptions): Pick<TrainHooks, 'onStep' | 'onEpoch' | 'onEval'> & { stop(): void } {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let barEpoch = -1;
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));
  return {
    onStep(s: StepInfo) {
      if (!tty) return;
      if (!bar || barEpoch !== s.epoch) {
        bar?.stop();
        bar = new cliProgress.SingleBar({
          stream, format: `epoch ${s.epoch + 1}/${opts.epochs} [{bar}] {value}/{total} | loss {loss} | {rate} items/s | eta {eta_formatted}`,
          hideCursor: true, clearOnComplete: false, etaBuffer: 20,
        }, cliProgress.Presets.shades_classic);
        bar.start(s.steps, 0, { loss: '-', rate: '-' });
        barEpoch = s.epoch;
      }
      bar.update(s.step, { loss: fmt(s.loss), rate: s.itemsPerSec.toFixed(0) });
    },
    onEpoch(r: EpochRecord) {
      if (bar) {
        bar.stop();
        bar = null;
      }
      const val = r.val ? ` | val mAP I→T ${r.val.i2t.toFixed(4)} T→I ${r.val.t2i.toFixed(4)}` : '';
      stream.write(`epoch ${r.epoch}/${opts.epochs}: loss ${fmt(r.loss)} | ${r.itemsPerSec.toFixed(0)} items/s | ${r.seconds.toFixed(1)} s${val}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
