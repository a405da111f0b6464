/**
 * The one place that decides how GEMM-shaped kernels (matmul, conv2d) are tiled on an adapter.
 * CPU Vulkan drivers (lavapipe/llvmpipe, SwiftShader) run each workgroup on one CPU thread with
 * 8-wide SIMD and pay dearly for workgroupBarrier: they get the barrier-free register-blocked
 * kernel. Real GPUs get the classic workgroup-memory tiled kernel.
 */
import type { Runtime } from '../runtime/runtime.js';

export interface RegGemmConfig {
  kind: 'reg';
  /** Invocations per workgroup (along N). */
  WG: number;
  /** Rows per invocation (≤ 16). */
  TM: number;
  /** Columns per invocation (≤ 8, TM·TN ≤ 64). */
  TN: number;
  /** K-loop unroll factor. */
  KU: number;
}

export interface TiledGemmConfig {
  kind: 'tiled';
  TX: number;
  TY: number;
  /** Rows / columns per invocation (≤ 8 each). */
  RM: number;
  RN: number;
  BK: number;
}

export type GemmConfig = RegGemmConfig | TiledGemmConfig;

export const CPU_GEMM: RegGemmConfig = { kind: 'reg', WG: 16, TM: 8, TN: 2, KU: 4 };
export const GPU_GEMM: TiledGemmConfig = { kind: 'tiled', TX: 16, TY: 16, RM: 4, RN: 4, BK: 16 };

/** True for CPU implementations of Vulkan/WebGPU (lavapipe/llvmpipe, SwiftShader, WARP). */
export function isCpuAdapter(rt: Runtime): boolean {
  const i = rt.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  return i.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp/.test(text);
}

const overrides = new WeakMap<Runtime, GemmConfig>();

/** The GEMM tiling for this runtime's adapter (or the one set with `setGemmConfig`). */
export function gemmConfig(rt: Runtime): GemmConfig {
  return overrides.get(rt) ?? (isCpuAdapter(rt) ? CPU_GEMM : GPU_GEMM);
}

/** Force a tiling on one runtime (benchmarks, tests of the other path); `null` restores the default. */
export function setGemmConfig(rt: Runtime, cfg: GemmConfig | null): void {
  if (cfg) {
    validateGemmConfig(cfg);
    overrides.set(rt, cfg);
  } else overrides.delete(rt);
}

export function validateGemmConfig(cfg: GemmConfig): void {
  const bad = (msg: string): never => {
    throw new RangeError(`gemm config ${JSON.stringify(cfg)}: ${msg}`);
  };
  if (cfg.kind === 'reg') {
    if (cfg.TM < 1 || cfg.TM > 16 || cfg.TN < 1 || cfg.TN > 8 || cfg.TM * cfg.TN > 64) bad('need 1 ≤ TM ≤ 16, 1 ≤ TN ≤ 8, TM·TN ≤ 64');
    if (![1, 2, 4, 8].includes(cfg.KU)) bad('KU must be 1, 2, 4 or 8');
  } else {
    if (cfg.RM < 1 || cfg.RM > 8 || cfg.RN < 1 || cfg.RN > 8) bad('need 1 ≤ RM, RN ≤ 8');
    if ((cfg.TY * cfg.RM + cfg.TX * cfg.RN) * cfg.BK * 4 > 16384) bad('workgroup tiles exceed 16 KiB');
  }
}
