/** Helpers for model training steps: one readback per step (optimiser groups: optim-groups.ts). */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { StepResult } from '../types.js';

/** Read several scalar tensors with one submit and one map, then dispose them. */
export async function readScalars(rt: Runtime, named: Record<string, Tensor>): Promise<Record<string, number>> {
  const names = Object.keys(named);
  const bufs = await rt.readMany(names.map((n) => ({ buffer: named[n]!.buffer, byteOffset: 0, bytes: 4 })));
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    out[n] = new Float32Array(bufs[i]!)[0]!;
    named[n]!.dispose();
  });
  return out;
}

/** Turn a record of scalars into a StepResult (loss = `total`), failing loudly on a non-finite loss. */
export function stepResult(model: string, v: Record<string, number>): StepResult {
  const { total, ...terms } = v;
  if (!Number.isFinite(total)) throw new Error(`${model}: loss became ${total} (terms ${JSON.stringify(terms)}); lower the learning rate`);
  return { loss: total!, terms };
}
