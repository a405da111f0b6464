/**
 * The one place that decides how GEMM-shaped kernels (matmul, conv2d) are tiled on an adapter.
 * CPU Vulkan drivers (lavapipe/llvmpipe, SwiftShader) run each workgroup on one CPU thread with
 * 8-wide SIMD and pay dearly for workgroupBarrier: they get the barrier-free register-blocked
 * kernel, with subgroup broadcasts of A when the adapter has subgroups of size 4 or 8
 * (kernels/gemm_sg.wgsl), else kernels/gemm_reg.wgsl. Real GPUs get the classic workgroup-memory
 * tiled kernel for matmul (kernels/gemm_tiled.wgsl) and the register-blocked one for convolution.
 * Measurements behind these numbers: BENCHMARKS.md, "Dense kernels".
 */
import type { Runtime } from '../runtime/runtime.js';

/** Barrier-free register blocking with subgroup broadcasts (gemm_sg.wgsl). */
export interface SgGemmConfig {
  kind: 'sg';
  /** Invocations per workgroup (along N), a multiple of SGK. */
  WG: number;
  /** Rows per invocation (≤ 32). */
  TM: number;
  /** Columns per invocation (≤ 8, TM·TN ≤ 64). */
  TN: number;
  /** The adapter's subgroup size (4 or 8). */
  SGK: number;
}

/** Barrier-free register blocking without subgroups (gemm_reg.wgsl). */
export interface RegGemmConfig {
  kind: 'reg';
  WG: number;
  TM: number;
  TN: number;
}

/** Workgroup-memory tiling (gemm_tiled.wgsl, dense matmul only). */
export interface TiledGemmConfig {
  kind: 'tiled';
  TX: number;
  TY: number;
  /** Rows / columns per invocation (≤ 8 each). */
  RM: number;
  RN: number;
  BK: number;
}

export type GemmConfig = SgGemmConfig | RegGemmConfig | TiledGemmConfig;
/** Convolution runs on the register-blocked kernels only. */
export type ConvConfig = SgGemmConfig | RegGemmConfig;

export const SG_GEMM: SgGemmConfig = { kind: 'sg', WG: 8, TM: 16, TN: 2, SGK: 8 };
export const REG_GEMM: RegGemmConfig = { kind: 'reg', WG: 16, TM: 8, TN: 2 };
export const TILED_GEMM: TiledGemmConfig = { kind: 'tiled', TX: 16, TY: 16, RM: 4, RN: 4, BK: 16 };

/** True for CPU implementations of Vulkan/WebGPU (lavapipe/llvmpipe, SwiftShader, WARP). */
export function isCpuAdapter(rt: Runtime): boolean {
  const i = rt.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  return i.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp/.test(text);
}

/** The adapter's fixed subgroup size when it is one the subgroup kernel supports (4 or 8), else null. */
export function subgroupBlock(rt: Runtime): number | null {
  if (!rt.hasFeature('subgroups')) return null;
  const { subgroupMinSize: lo, subgroupMaxSize: hi } = rt.info;
  return lo !== undefined && lo === hi && (lo === 4 || lo === 8) ? lo : null;
}

function registerConfig(rt: Runtime): ConvConfig {
  const sg = subgroupBlock(rt);
  return sg ? { ...SG_GEMM, SGK: sg, WG: Math.max(sg, Math.ceil(SG_GEMM.WG / sg) * sg) } : REG_GEMM;
}

/**
 * When to split K over several workgroups (split-K: each split writes partial sums, a second pass
 * kernels/gemm_splitk.wgsl adds them and applies the epilogue). It pays when the output tiles alone
 * give too few workgroups to fill the device — M = 32 rows times a narrow N against K = 4096 runs
 * on a handful of workgroups — and costs one extra dispatch plus S·M·N partials written and read.
 */
export interface SplitKPolicy {
  /** Split only while the output tiles give fewer workgroups than this; split up to about this many. */
  minWorkgroups: number;
  /** Least k per split. */
  minK: number;
  /** Most splits. */
  maxSplits: number;
}

/** The k range of each split: nsplit workgroups along K, each summing ksplit values (the last fewer). */
export interface SplitK {
  nsplit: number;
  ksplit: number;
}

/**
 * Lavapipe runs one workgroup per thread at a time: enough workgroups for every core with room to
 * balance (two per core), and long splits, since every workgroup pays its set-up and a scattered store
 * of its tile (≈ 1 µs here) and the second pass a dispatch (≈ 90 µs). A GPU wants many more
 * workgroups in flight (one per SM or CU at least; 128 covers most) and can afford shorter splits.
 */
export function splitKPolicy(rt: Runtime): SplitKPolicy {
  const forced = splitOverrides.get(rt);
  if (forced) return forced;
  if (isCpuAdapter(rt)) return { minWorkgroups: 2 * cpuThreads(), minK: 512, maxSplits: 16 };
  return { minWorkgroups: 128, minK: 256, maxSplits: 32 };
}

/** Logical CPU count where the platform says (browsers, Node ≥ 21), else 4. */
function cpuThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 4;
}

/**
 * Pure choice of the split for a GEMM with `tiles` output workgroups and inner dimension K; `align`
 * is the kernel's k block (SGK for gemm_sg, BK for gemm_tiled), so every split but the last runs
 * whole blocks. Returns { nsplit: 1, ksplit: K } when splitting does not pay.
 */
export function chooseSplitK(tiles: number, K: number, align: number, policy: SplitKPolicy): SplitK {
  const none = { nsplit: 1, ksplit: K };
  if (tiles >= policy.minWorkgroups || K < 2 * policy.minK) return none;
  const want = Math.min(Math.ceil(policy.minWorkgroups / tiles), Math.floor(K / policy.minK), policy.maxSplits);
  if (want < 2) return none;
  const ksplit = Math.ceil(Math.ceil(K / want) / align) * align;
  const nsplit = Math.ceil(K / ksplit);
  return nsplit < 2 ? none : { nsplit, ksplit };
}

const splitOverrides = new WeakMap<Runtime, SplitKPolicy>();

/** Force a split-K policy on one runtime (tests, benchmarks); `null` restores the adapter's default. */
export function setSplitKPolicy(rt: Runtime, policy: SplitKPolicy | null): void {
  if (policy) {
    if (!(policy.minK >= 1 && policy.maxSplits >= 1 && policy.minWorkgroups >= 0)) throw new RangeError(`split-K policy ${JSON.stringify(policy)}: need minK ≥ 1, maxSplits ≥ 1, minWorkgroups ≥ 0`);
    splitOverrides.set(rt, policy);
  } else splitOverrides.delete(rt);
}

/**
 * When a dense GEMM on the subgroup kernel reads B through a texture instead (B copied into an rgba32float
 * texture, then gemm_tex): on lavapipe a texel fetch is one vectorised gather of four floats per lane where
 * a storage-buffer load is a per-lane loop per float, so the GEMM runs ≈ 1.5× faster (UMHA's 34 GEMMs
 * 213 → 144 ms per step; BENCHMARKS.md, issue 13, s5-big), but the copy is one more command and pass over B:
 * small GEMMs keep gemm_sg. `minMacs`: least M·N·K; `minN`: least N (a lane owns 4 adjacent columns).
 * Only B layouts a plain copy can fill qualify (matmul.ts textureLayout).
 */
export interface TextureBPolicy {
  minMacs: number;
  minN: number;
}

const textureOverrides = new WeakMap<Runtime, TextureBPolicy | 'off'>();

/** The texture-B policy of this runtime: CPU adapters with the subgroup kernel; null = never. */
export function textureBPolicy(rt: Runtime): TextureBPolicy | null {
  const forced = textureOverrides.get(rt);
  if (forced) return forced === 'off' ? null : forced;
  return isCpuAdapter(rt) && subgroupBlock(rt) !== null ? { minMacs: 1 << 20, minN: 16 } : null;
}

/** Force the texture-B policy on one runtime ('off': never; tests, benchmarks); `null` restores the default. */
export function setTextureBPolicy(rt: Runtime, policy: TextureBPolicy | 'off' | null): void {
  if (policy === null) textureOverrides.delete(rt);
  else {
    if (policy !== 'off' && !(policy.minMacs >= 0 && policy.minN >= 1)) throw new RangeError(`texture-B policy ${JSON.stringify(policy)}: need minMacs ≥ 0, minN ≥ 1`);
    textureOverrides.set(rt, policy);
  }
}

/** Pure choice: does a GEMM of this shape read B through a texture of width × height texels (within the size limit)? */
export function useTextureB(policy: TextureBPolicy | null, M: number, N: number, K: number, width: number, height: number, maxDim: number): boolean {
  if (!policy) return false;
  return N >= policy.minN && M * N * K >= policy.minMacs && width <= maxDim && height <= maxDim;
}

const overrides = new WeakMap<Runtime, GemmConfig>();
const convOverrides = new WeakMap<Runtime, ConvConfig>();

/** The matmul tiling for this runtime's adapter (or the one set with `setGemmConfig`). */
export function gemmConfig(rt: Runtime): GemmConfig {
  return overrides.get(rt) ?? (isCpuAdapter(rt) ? registerConfig(rt) : TILED_GEMM);
}

/** The convolution tiling for this runtime's adapter (or the one set with `setConvConfig`). */
export function convConfig(rt: Runtime): ConvConfig {
  return convOverrides.get(rt) ?? registerConfig(rt);
}

/** Force a matmul tiling on one runtime (benchmarks, tests of the other paths); `null` restores the default. */
export function setGemmConfig(rt: Runtime, cfg: GemmConfig | null): void {
  if (cfg) {
    validateGemmConfig(cfg, rt);
    overrides.set(rt, cfg);
  } else overrides.delete(rt);
}

/** Force a convolution tiling on one runtime; `null` restores the default. */
export function setConvConfig(rt: Runtime, cfg: ConvConfig | null): void {
  if (cfg) {
    validateGemmConfig(cfg, rt);
    convOverrides.set(rt, cfg);
  } else convOverrides.delete(rt);
}

export function validateGemmConfig(cfg: GemmConfig, rt?: Runtime): void {
  const bad = (msg: string): never => {
    throw new RangeError(`gemm config ${JSON.stringify(cfg)}: ${msg}`);
  };
  if (cfg.kind === 'sg' || cfg.kind === 'reg') {
    if (cfg.TM < 1 || cfg.TM > 32 || cfg.TN < 1 || cfg.TN > 8 || cfg.TM * cfg.TN > 64) bad('need 1 ≤ TM ≤ 32, 1 ≤ TN ≤ 8, TM·TN ≤ 64');
  }
  if (cfg.kind === 'sg') {
    if (cfg.SGK !== 4 && cfg.SGK !== 8) bad('SGK must be 4 or 8');
    if (cfg.WG % cfg.SGK !== 0) bad('WG must be a multiple of SGK');
    if (rt && subgroupBlock(rt) !== cfg.SGK) bad(`the adapter's subgroup size is ${subgroupBlock(rt) ?? 'not fixed at 4 or 8 (or subgroups are missing)'}`);
  }
  if (cfg.kind === 'tiled') {
    if (cfg.RM < 1 || cfg.RM > 8 || cfg.RN < 1 || cfg.RN > 8) bad('need 1 ≤ RM, RN ≤ 8');
    if ((cfg.TY * cfg.RM + cfg.TX * cfg.RN) * cfg.BK * 4 > 16384) bad('workgroup tiles exceed 16 KiB');
  }
}
