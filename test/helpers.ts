/** Shared test fixtures: one poisoned-allocation runtime per test file, seeded random data, comparisons. */
import { afterAll } from 'vitest';
import { createNodeRuntime } from '../src/node.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { KernelSpec } from '../src/runtime/pipeline-cache.js';
import { Rng } from '../src/util/rng.js';

let rt: Runtime | null = null;

/** The test file's runtime; every storage buffer it hands out is pre-filled with NaN. */
export async function getRuntime(): Promise<Runtime> {
  if (!rt) {
    rt = await createNodeRuntime({ poisonBuffers: true });
    afterAll(async () => {
      await rt?.destroy();
      rt = null;
    });
  }
  return rt;
}

/** Fresh random data (never zeros): uniform in [lo, hi). Seed varies per call site. */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n }, () => r.uniform(lo, hi));
}

export interface CloseResult {
  ok: boolean;
  maxErr: number;
  index: number;
}

/** |got − want| ≤ atol + rtol·|want| everywhere; NaN anywhere fails. */
export function allClose(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): CloseResult {
  if (got.length !== want.length) return { ok: false, maxErr: Infinity, index: -1 };
  let maxErr = 0, index = -1, ok = true;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= atol + rtol * Math.abs(want[i]!))) ok = false;
    if (!(e <= maxErr)) {
      maxErr = Number.isNaN(e) ? Infinity : e;
      index = i;
    }
  }
  return { ok, maxErr, index };
}

export const ODD_SIZES = [1, 17, 255, 1023];

/**
 * Run `body` with every kernel dispatch on `rt` recorded (fills excluded: the poisoning runtime fills every new
 * buffer). `body` gets the list as it grows, to check the forward's dispatches before the backward's. `name`
 * turns a dispatch into its recorded name (default: the kernel's name).
 */
export function recordKernels(rt: Runtime, body: (kernels: readonly string[]) => void, name: (spec: KernelSpec) => string = (spec) => spec.kernel): string[] {
  const kernels: string[] = [];
  const orig = rt.dispatch.bind(rt);
  rt.dispatch = (spec, ...rest) => {
    if (spec.kernel !== 'fill') kernels.push(name(spec));
    orig(spec, ...rest);
  };
  try {
    body(kernels);
  } finally {
    rt.dispatch = orig;
  }
  return kernels;
}
