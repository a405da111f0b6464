/** The benchmark harness contract: a suite measures a set of cases, each with our kernel and its peers. */
import type { Runtime } from '../../src/runtime/runtime.js';

export interface BenchArgs {
  /** Run only the suite with this name (default: all). */
  suite: string | null;
  /** Smaller sizes and budgets: a smoke test of the harness, not a measurement. */
  quick: boolean;
  /** Time budget per measured case in ms (tinybench `time`). */
  timeMs: number;
  /** Directory for <suite>.json. */
  outDir: string;
  /** Renice the polling main thread (see NodeRuntimeOptions.niceMainThread). */
  nice: boolean;
  /** Train suite: only these models (default: every known model; absent ones are reported missing). */
  models: string[] | null;
  /** Run the suites' CPU-peer phases (false with --no-peers: ours only). */
  peers: boolean;
  /** Only these case groups, in suites that have groups (dense: square, shapes, conv); null = all. */
  cases: string[] | null;
}

/** What a suite's CPU-peer phase gets: no GPU runtime exists yet (see Suite.peers). */
export interface PeerContext {
  args: BenchArgs;
  log: (line: string) => void;
}

export interface BenchContext {
  rt: Runtime;
  args: BenchArgs;
  /** Print a progress or diagnostic line. */
  log: (line: string) => void;
  /** What this suite's peers() phase returned (undefined without one). */
  peerData?: unknown;
}

export interface ResultRow {
  /** What is measured, e.g. "GEMM 1024³". */
  case: string;
  /** Who runs it, e.g. "cmhash gemm_sg", "tfjs-webgpu 4.22", "numpy OpenBLAS". */
  impl: string;
  /** Median wall time per call (submit + wait) in ms. */
  medianMs: number;
  samples: number;
  /** Worker-thread CPU ms per call (in-process GPU drivers only): robust to load from other processes. */
  workerCpuMs?: number | null;
  gflops?: number;
  gbps?: number;
  note?: string;
  /** Structured detail kept in the JSON only (memory, per-kernel profiles, peer metadata). */
  extra?: Record<string, unknown>;
}

export interface Suite {
  name: string;
  description: string;
  /**
   * Optional CPU-peer phase, run for every selected suite before the GPU runtime is created: the
   * runtime renices the Node main thread after its first submit and child processes spawned later
   * would inherit that priority. Its return value reaches run() as ctx.peerData.
   */
  peers?(ctx: PeerContext): Promise<unknown>;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}
