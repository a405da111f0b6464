/** Learning-rate schedules as a factor on each model's base learning rates (browser-safe). */
import { CmhashError } from '../runtime/errors.js';

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'cosine'; minScale?: number }
  | { kind: 'warmup'; epochs: number };

/** Factor for 0-based `epoch` of `total`. */
export function lrScale(s: LrSchedule, epoch: number, total: number): number {
  switch (s.kind) {
    case 'constant': return 1;
    case 'step': return s.gamma ** Math.floor(epoch / s.every);
    case 'cosine': {
      const lo = s.minScale ?? 0;
      return lo + (1 - lo) * 0.5 * (1 + Math.cos((Math.PI * epoch) / Math.max(1, total)));
    }
    case 'warmup': return Math.min(1, (epoch + 1) / s.epochs);
  }
}

/** Parse `constant`, `step:<every>:<gamma>`, `cosine[:<minScale>]` or `warmup:<epochs>`. */
export function parseLrSchedule(text: string): LrSchedule {
  const [kind, a, b] = text.split(':');
  const num = (v: string | undefined, what: string, int = false) => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x <= 0 || (int && !Number.isInteger(x))) throw new CmhashError(`--lr-schedule ${text}: ${what} must be a positive ${int ? 'integer' : 'number'}`);
    return x;
  };
  switch (kind) {
    case 'constant': return { kind };
    case 'step': return { kind, every: num(a, 'every', true), gamma: num(b, 'gamma') };
    case 'cosine': return a === undefined ? { kind } : { kind, minScale: num(a, 'minScale') };
    case 'warmup': return { kind, epochs: num(a, 'epochs', true) };
    default: throw new CmhashError(`--lr-schedule ${text}: unknown schedule (constant, step:<every>:<gamma>, cosine[:<min>], warmup:<epochs>)`);
  }
}
