/**
 * The kernel-correctness suite that runs inside a real browser page (test/browser.test.ts). Each kernel
 * family is one entry of FAMILIES: cases run ops from the library bundle (imported through
 * src/index.ts, which the bundler maps to ./cmhash.js) on fresh random data and return checks against
 * the same float64 CPU references the Node tests use (src/ops/cpu). Sizes are small: SwiftShader is slow.
 *
 * Adding a family = adding one `{ family, cases }` entry to FAMILIES.
 */
import * as cm from '../../src/index.js';
import { CPU_BINARY, CPU_UNARY, cpu, cpuMap, cpuMax, cpuMean, cpuMin, cpuSum, cpuZip, type CpuArray } from '../../src/ops/cpu/array.js';
import type { Check } from './compare.js';

export interface KernelCase {
  name: string;
  run(rt: cm.Runtime): Promise<Check[]>;
}

export interface KernelFamily {
  family: string;
  cases: KernelCase[];
}

/** Sizes that are not multiples of any tile (the same as the Node tests' ODD_SIZES). */
export const SIZES = [1, 17, 255, 1023];

const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Fresh random data in [lo, hi), never all zeros; f32-rounded so CPU and GPU see the same inputs. */
export function random(shape: readonly number[], seed: number, lo = -1, hi = 1): CpuArray {
  const r = new cm.Rng(seed);
  return cpu(Array.from({ length: prod(shape) }, () => Math.fround(r.uniform(lo, hi))), shape);
}

const upload = (rt: cm.Runtime, x: CpuArray): cm.Tensor => cm.fromArray(rt, x.data, x.shape);

/** Read a result back and pair it with its reference. */
async function check(label: string, y: cm.Tensor, want: CpuArray, tol: Check['tol']): Promise<Check> {
  const got = Array.from(await y.read());
  return { label, got, want: Array.from(want.data), tol, gotShape: [...y.shape], wantShape: want.shape };
}

/** Run a case body and fail it when it leaves tensors alive (each case disposes what it creates). */
async function scoped(body: () => Promise<Check[]>): Promise<Check[]> {
  const before = cm.liveTensorCount();
  const out = await body();
  const leaked = cm.liveTensorCount() - before;
  if (leaked !== 0) throw new Error(`case left ${leaked} live tensors`);
  return out;
}

// ---- elementwise unary ----------------------------------------------------------------------------

const UNARY: { op: cm.UnaryOp; lo: number; hi: number; alpha?: number; beta?: number }[] = [
  { op: 'copy', lo: -3, hi: 3 }, { op: 'neg', lo: -3, hi: 3 }, { op: 'exp', lo: -5, hi: 5 },
  { op: 'log', lo: 0.01, hi: 10 }, { op: 'sqrt', lo: 0.01, hi: 10 }, { op: 'tanh', lo: -20, hi: 20 },
  { op: 'sigmoid', lo: -30, hi: 30 }, { op: 'relu', lo: -2, hi: 2 }, { op: 'leakyRelu', lo: -2, hi: 2, alpha: 0.1 },
  { op: 'sign', lo: -2, hi: 2 }, { op: 'clamp', lo: -2, hi: 2, alpha: -0.5, beta: 0.7 }, { op: 'abs', lo: -2, hi: 2 },
  { op: 'square', lo: -3, hi: 3 }, { op: 'affine', lo: -3, hi: 3, alpha: 1.7, beta: -0.3 },
  { op: 'reciprocal', lo: 0.2, hi: 4 }, { op: 'softplus', lo: -40, hi: 40 }, { op: 'binarize', lo: -1, hi: 1 },
];

const unaryFamily: KernelFamily = {
  family: 'elementwise-unary',
  cases: UNARY.map((c) => ({
    name: c.op,
    run: (rt) =>
      scoped(async () => {
        const checks: Check[] = [];
        for (const n of SIZES) {
          const x = random([n], n * 31 + c.op.length, c.lo, c.hi);
          const want = cpuMap(x, (v) => CPU_UNARY[c.op]!(v, c.alpha ?? 0, c.beta ?? 0));
          const xt = upload(rt, x);
          const y = cm.unaryRaw(c.op, xt, c.alpha ?? 0, c.beta ?? 0);
          checks.push(await check(`n=${n}`, y, want, { atol: 1e-6, rtol: 2e-5 }));
          xt.dispose();
          y.dispose();
        }
        return checks;
      }),
  })),
};

// ---- elementwise binary (same shape) and broadcasting -------------------------------------------------

function binaryFamily(family: string, shapes: [number[], number[]][]): KernelFamily {
  return {
    family,
    cases: Object.keys(CPU_BINARY).map((op) => ({
      name: op,
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const [sa, sb] of shapes) {
            const a = random(sa, 5 + sa.length + prod(sa), -2, 2);
            const b = random(sb, 9 + sb.length + prod(sb), 0.5, 2.5);
            const want = cpuZip(a, b, CPU_BINARY[op]!);
            const [at, bt] = [upload(rt, a), upload(rt, b)];
            const y = cm.binaryRaw(op as cm.BinaryOp, at, bt);
            checks.push(await check(`[${sa}] ${op} [${sb}]`, y, want, { atol: 1e-6, rtol: 1e-5 }));
            for (const t of [at, bt, y]) t.dispose();
          }
          return checks;
        }),
    })),
  };
}

const binarySameShape = binaryFamily('elementwise-binary', SIZES.map((n) => [[n], [n]]));
const binaryBroadcast = binaryFamily('elementwise-broadcast', [
  [[7, 1, 5], [1, 4, 5]], [[3, 17], [17]], [[1], [2, 255]], [[4, 1, 3, 2], [5, 1, 2]], [[17, 1], [1, 33]],
]);

// ---- creation (fill kernel) ---------------------------------------------------------------------------

const fillFamily: KernelFamily = {
  family: 'fill',
  cases: [
    {
      name: 'full with ramp',
      run: (rt) =>
        scoped(async () => {
          const checks: Check[] = [];
          for (const n of SIZES) {
            const y = cm.full(rt, [n], 0.25, -0.5);
            const want = cpu(Array.from({ length: n }, (_, i) => Math.fround(0.25 + Math.fround(i * -0.5))), [n]);
            checks.push(await check(`n=${n}`, y, want, { atol: 1e-6, rtol: 1e-6 }));
            y.dispose();
          }
          return checks;
        }),
    },
  ],
};

// ---- reductions -----------------------------------------------------------------------------------------

const REDUCTIONS: { shape: number[]; axes?: number[] }[] = [
  { shape: [1023] }, { shape: [17, 255], axes: [1] }, { shape: [17, 255], axes: [0] },
  { shape: [3, 5, 7, 2], axes: [0, 2] }, { shape: [3, 5, 7, 2], axes: [1, 3] }, { shape: [1, 1] },
];
const REDUCE_REFS = { sum: cpuSum, mean: cpuMean, max: cpuMax, min: cpuMin };

const reduceFamily: KernelFamily = {
  family: 'reduction',
  cases: (['sum', 'mean', 'max', 'min'] as const).map((kind) => ({
    name: kind,
    run: (rt) =>
      scoped(async () => {
        const checks: Check[] = [];
        for (const c of REDUCTIONS) {
          const x = random(c.shape, c.shape.length * 13 + prod(c.shape), -1, 1);
          const want = REDUCE_REFS[kind](x, c.axes, true);
          const xt = upload(rt, x);
          const y = cm[kind](xt, c.axes, { keepDims: true });
          checks.push(await check(`[${c.shape}] axes ${c.axes ? `[${c.axes}]` : 'all'}`, y, want, { atol: 1e-5, rtol: 1e-5 }));
          xt.dispose();
          y.dispose();
        }
        return checks;
      }),
  })),
};

/** Every kernel family the library has, in the order the page runs them. */
export const FAMILIES: KernelFamily[] = [unaryFamily, binarySameShape, binaryBroadcast, fillFamily, reduceFamily];

/**
 * Negative controls: cases built to fail, run on the same page with the same harness. The test
 * requires every one of them to be reported as failing, proving the harness catches wrong values,
 * unwritten (poisoned) outputs and thrown errors.
 */
export const CONTROLS: KernelFamily = {
  family: 'negative-control',
  cases: [
    {
      name: 'perturbed result',
      run: (rt) =>
        scoped(async () => {
          const x = random([17], 3, -2, 2);
          const xt = upload(rt, x);
          const y = cm.unaryRaw('exp', xt);
          const c = await check('exp, one element off by 1e-3 relative', y, cpuMap(x, Math.exp), { atol: 1e-6, rtol: 2e-5 });
          (c.got as number[])[5] = (c.got as number[])[5]! * (1 + 1e-3);
          xt.dispose();
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'unwritten output',
      run: (rt) =>
        scoped(async () => {
          // An output no kernel wrote: with poisoned buffers it reads back as NaN, never as stale zeros.
          const y = cm.Tensor.empty(rt, [17]);
          const c = await check('never written', y, cpu(new Array(17).fill(0), [17]), { atol: 1e-6, rtol: 0 });
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'wrong shape',
      run: (rt) =>
        scoped(async () => {
          const x = random([3, 5], 4);
          const xt = upload(rt, x);
          const y = cm.sum(xt, [1], { keepDims: false });
          const c = await check('sum over axis 1 checked against keepDims shape', y, cpuSum(x, [1], true), { atol: 1e-5, rtol: 1e-5 });
          xt.dispose();
          y.dispose();
          return [c];
        }),
    },
    {
      name: 'thrown error',
      run: async (rt) => {
        const [a, b] = [upload(rt, random([3], 1)), upload(rt, random([4], 2))];
        try {
          cm.binaryRaw('add', a, b); // shapes do not broadcast: must throw, and the harness must report it
          return [];
        } finally {
          a.dispose();
          b.dispose();
        }
      },
    },
  ],
};
