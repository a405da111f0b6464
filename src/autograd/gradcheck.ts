/**
 * Finite-difference gradient check: the analytic gradient of a GPU op (through the tape) against
 * central differences of its float64 CPU reference. Loss = Σ w ⊙ f(x) with a fixed random w, so
 * every output element contributes with a distinct weight.
 */
import type { Runtime } from '../runtime/runtime.js';
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { Rng } from '../util/rng.js';
import { backward, requireGrad } from './tape.js';

export interface GradcheckInput {
  shape: number[];
  data: Float64Array | number[];
  /** Skip the numeric check for this input (e.g. integer indices or a constant). */
  constant?: boolean;
}

export interface GradcheckOptions {
  rt: Runtime;
  inputs: GradcheckInput[];
  /** The op under test, on the GPU. */
  gpu: (...xs: Tensor[]) => Tensor;
  /** Its float64 CPU reference: returns the flat output. */
  cpu: (...xs: Float64Array[]) => ArrayLike<number>;
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsErr: number;
  maxRelErr: number;
  /** Worst element: input index, flat element index, analytic and numeric values. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/** f32 upload without the ops layer (the autograd layer sits below it). */
function upload(rt: Runtime, data: Float64Array, shape: readonly number[]): Tensor {
  const t = Tensor.empty(rt, shape, 'f32');
  if (t.size > 0) rt.write(t.buffer, Float32Array.from(data));
  return t;
}

export async function gradcheck(o: GradcheckOptions): Promise<GradcheckResult> {
  const eps = o.eps ?? 1e-3;
  const atol = o.atol ?? 2e-3;
  const rtol = o.rtol ?? 2e-2;
  const rng = new Rng(o.seed ?? 7);
  const xs = o.inputs.map((i) => Float64Array.from(i.data));
  const y0 = o.cpu(...xs);
  const w = Float64Array.from({ length: y0.length }, () => rng.uniform(-1, 1));

  // Analytic gradients via the tape.
  const leaves = tidy(() => {
    const ts = o.inputs.map((inp, k) => {
      const t = upload(o.rt, xs[k]!, inp.shape);
      return inp.constant ? t : requireGrad(t);
    });
    const y = o.gpu(...ts);
    backward(y, upload(o.rt, w, y.shape));
    return ts;
  });
  const grads = await Promise.all(leaves.map((t) => (t.grad ? t.grad.read() : Promise.resolve(null))));
  for (const t of leaves) t.dispose();

  const loss = (args: Float64Array[]): number => {
    const y = o.cpu(...args);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
    return s;
  };

  let maxAbsErr = 0, maxRelErr = 0, ok = true;
  let worst: GradcheckResult['worst'] = null;
  o.inputs.forEach((inp, k) => {
    if (inp.constant) return;
    const x = xs[k]!;
    const g = grads[k];
    for (let i = 0; i < x.length; i++) {
      const orig = x[i]!;
      x[i] = orig + eps;
      const lp = loss(xs);
      x[i] = orig - eps;
      const lm = loss(xs);
      x[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = g ? g[i]! : 0;
      const abs = Math.abs(a - numeric);
      const rel = abs / Math.max(1e-8, Math.abs(numeric));
      if (abs > atol + rtol * Math.abs(numeric)) ok = false;
      if (abs > maxAbsErr) {
        maxAbsErr = abs;
        worst = { input: k, index: i, analytic: a, numeric };
      }
      maxRelErr = Math.max(maxRelErr, Math.min(rel, abs));
    }
  });
  return { ok, maxAbsErr, maxRelErr, worst };
}
