/**
 * Result checking for the in-page kernel suite (browser-safe: test/helpers.ts pulls in Dawn).
 * A check compares a GPU result with its float64 CPU reference: within |got − want| ≤ atol + rtol·|want|
 * for floats, bit-for-bit for integer results; NaN anywhere (poisoned, unwritten output) fails.
 */

export type Tolerance = { atol: number; rtol: number } | 'exact';

/** A value check: a GPU result against its float64 CPU reference. */
export interface ValueCheck {
  /** What was compared: sizes, shapes, op parameters. */
  label: string;
  got: ArrayLike<number>;
  want: ArrayLike<number>;
  tol: Tolerance;
  /** Shapes, compared when given (an op returning the wrong shape fails even with equal data). */
  gotShape?: readonly number[];
  wantShape?: readonly number[];
}

/** A backward rule checked by the library's gradcheck (analytic gradient vs central differences of the CPU reference). */
export interface GradCheck {
  label: string;
  gradcheck: { ok: boolean; maxAbsErr: number; worst: { input: number; index: number; analytic: number; numeric: number } | null };
}

export type Check = ValueCheck | GradCheck;

export interface CheckResult {
  label: string;
  ok: boolean;
  /** Elements compared. */
  n: number;
  maxErr: number;
  /** First failing element (or the largest error when ok), -1 when none. */
  index: number;
  got?: number;
  want?: number;
  reason?: string;
}

export function evaluateCheck(c: Check): CheckResult {
  if ('gradcheck' in c) {
    const g = c.gradcheck, w = g.worst;
    const res: CheckResult = { label: c.label, ok: g.ok, n: 1, maxErr: g.maxAbsErr, index: w?.index ?? -1, got: w?.analytic, want: w?.numeric };
    if (!g.ok) res.reason = w ? `gradient of input ${w.input}, element ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}` : 'gradcheck failed';
    return res;
  }
  const base = { label: c.label, n: c.want.length };
  if (c.gotShape && c.wantShape && (c.gotShape.length !== c.wantShape.length || c.gotShape.some((d, i) => d !== c.wantShape![i]))) {
    return { ...base, ok: false, maxErr: Infinity, index: -1, reason: `shape [${c.gotShape.join(', ')}], expected [${c.wantShape.join(', ')}]` };
  }
  if (c.got.length !== c.want.length) {
    return { ...base, ok: false, maxErr: Infinity, index: -1, reason: `${c.got.length} elements, expected ${c.want.length}` };
  }
  let maxErr = 0, worst = -1, firstBad = -1;
  for (let i = 0; i < c.want.length; i++) {
    const g = c.got[i]!, w = c.want[i]!;
    const err = Math.abs(g - w);
    const ok = c.tol === 'exact' ? g === w : err <= c.tol.atol + c.tol.rtol * Math.abs(w);
    if (!ok && firstBad < 0) firstBad = i;
    const e = Number.isNaN(err) ? Infinity : err;
    if (e > maxErr || worst < 0) {
      maxErr = Math.max(maxErr, e);
      worst = i;
    }
  }
  const index = firstBad >= 0 ? firstBad : worst;
  const res: CheckResult = { ...base, ok: firstBad < 0, maxErr, index };
  if (index >= 0) {
    res.got = c.got[index];
    res.want = c.want[index];
  }
  if (firstBad >= 0) res.reason = `element ${firstBad}: got ${c.got[firstBad]}, want ${c.want[firstBad]} (max error ${maxErr})`;
  return res;
}
