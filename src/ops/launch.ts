/**
 * Dispatch a described kernel (src/kernels/descriptors.ts): uniforms packed by name, the WG override
 * always set (the descriptor's default unless the caller passes one), and for 1-D kernels the grid
 * derived from the descriptor's count fields: ceil(count / WG) workgroups, folded by rt.grid.
 */
import type { DispatchResource, Runtime, Workgroups } from '../runtime/runtime.js';
import type { OverrideConstants } from '../runtime/pipeline-cache.js';
import { KERNELS, type DescribedKernel } from '../kernels/descriptors.js';
import { packUniformsScratch, type UniformValues } from '../kernels/params.js';

export interface LaunchOptions {
  /** Entry point (default `main`). */
  entry?: string;
  /** Override constants besides WG (WG may be given to change the workgroup size). */
  constants?: OverrideConstants;
  /** Workgroups, for kernels whose descriptor has no 1-D grid. */
  workgroups?: Workgroups;
}

/** Invocation count of a 1-D kernel from its uniforms (the product of the descriptor's grid fields, over its epi). */
function gridCount(kernel: DescribedKernel, values: Readonly<Record<string, unknown>>): number {
  const d: { grid: readonly string[] | null; epi?: number } = KERNELS[kernel];
  if (!d.grid) throw new RangeError(`${kernel}: the descriptor has no 1-D grid; pass workgroups`);
  return Math.ceil(d.grid.reduce((n, f) => n * (values[f] as number), 1) / (d.epi ?? 1));
}

export function launch<K extends DescribedKernel>(
  rt: Runtime, kernel: K, buffers: readonly DispatchResource[], values: UniformValues<K>, opts: LaunchOptions = {},
): void {
  const d = KERNELS[kernel] as { wg: number | null };
  const constants: OverrideConstants = d.wg === null ? { ...opts.constants } : { WG: d.wg, ...opts.constants };
  const wg = opts.workgroups ?? rt.grid(Math.ceil(gridCount(kernel, values as Readonly<Record<string, unknown>>) / (constants.WG as number)));
  // The block is copied into the uniform arena by dispatch, so the shared scratch is free again after it.
  rt.dispatch({ kernel, entry: opts.entry, constants }, buffers, wg, packUniformsScratch(kernel, values));
}
