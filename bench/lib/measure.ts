/** Timing helpers: tinybench around an async call that ends with the GPU queue drained. */
import { readFileSync, readdirSync } from 'node:fs';
import { Bench } from 'tinybench';

/**
 * CPU time (ms) used so far by this process's threads other than the main one: on a CPU Vulkan
 * driver that is the shader work itself (lavapipe's worker threads), which stays meaningful when
 * other processes load the machine and wall time does not. null where /proc is unavailable.
 */
export function workerCpuMs(): number | null {
  try {
    let ticks = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      if (tid === String(process.pid)) continue;
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks * 10; // USER_HZ = 100 on Linux
  } catch {
    return null;
  }
}

export interface Measurement {
  medianMs: number;
  meanMs: number;
  minMs: number;
  samples: number;
  /** Worker-thread CPU ms per call (see workerCpuMs), over the measured iterations. */
  workerCpuMs: number | null;
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
  let calls = 0;
  bench.add(name, async () => {
    calls++;
    await fn();
  });
  const cpu0 = workerCpuMs();
  const [task] = await bench.run();
  const cpu1 = workerCpuMs();
  const r = task!.result;
  if (r.state !== 'completed') throw new Error(`benchmark ${name}: ${r.state}${'error' in r ? `: ${r.error.message}` : ''}`);
  const cpu = cpu0 !== null && cpu1 !== null && calls > 0 ? (cpu1 - cpu0) / calls : null;
  return { medianMs: r.latency.p50, meanMs: r.latency.mean, minMs: r.latency.min, samples: r.latency.samplesCount, workerCpuMs: cpu };
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
