/** Timing helpers: tinybench around an async call that ends with the GPU queue drained. */
import { Bench } from 'tinybench';

export interface Measurement {
  medianMs: number;
  meanMs: number;
  minMs: number;
  samples: number;
}

export interface MeasureOptions {
  /** Minimum measured iterations (default 3). */
  iterations?: number;
  /** Time budget in ms; iterations continue until both limits are met (default 2000). */
  timeMs?: number;
  /** Warm-up iterations before timing (default 1: pipeline creation and first-dispatch JIT happen there). */
  warmupIterations?: number;
}

/** Median wall time of `fn`, which must wait for its own GPU work (rt.sync() or equivalent). */
export async function measure(name: string, fn: () => Promise<void>, o: MeasureOptions = {}): Promise<Measurement> {
  const warm = o.warmupIterations ?? 1;
  for (let i = 0; i < warm; i++) await fn();
  const bench = new Bench({ name, iterations: o.iterations ?? 3, time: o.timeMs ?? 2000, warmup: false, throws: true });
  bench.add(name, fn);
  const [task] = await bench.run();
  const r = task!.result;
  if (r.state !== 'completed') throw new Error(`benchmark ${name}: ${r.state}${'error' in r ? `: ${r.error.message}` : ''}`);
  return { medianMs: r.latency.p50, meanMs: r.latency.mean, minMs: r.latency.min, samples: r.latency.samplesCount };
}

/** GFLOP/s for `flops` floating-point operations in `ms` milliseconds. */
export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;

export const gemmFlops = (m: number, n: number, k: number, batch = 1): number => 2 * m * n * k * batch;

export function convFlops(n: number, c: number, o: number, oh: number, ow: number, kh: number, kw: number): number {
  return 2 * n * o * oh * ow * c * kh * kw;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
