// Welch's two-sample t-test from summary statistics (mean, sample std, n), two-sided — what the README's claims cite.
// Same as scipy.stats.ttest_ind(a, b, equal_var=False).pvalue on the raw samples (test/readme-results.test.ts checks it).

/** ln Γ(x), x > 0: Lanczos approximation (g = 7, 9 terms), |error| < 1e-13 for the arguments used here. */
function lnGamma(x) {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the regularised incomplete beta (modified Lentz), valid for x < (a + 1) / (a + b + 2). */
function betaFraction(x, a, b) {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d; d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** I_x(a, b), the regularised incomplete beta function. */
export function incompleteBeta(x, a, b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** Two-sided tail P(|T| ≥ t) of Student's t with `dof` degrees of freedom. */
const twoSidedTail = (t, dof) => incompleteBeta(dof / (dof + t * t), dof / 2, 0.5);

/** Standard error of the difference of means and the Welch–Satterthwaite degrees of freedom (both variances > 0 or not). */
function welchParts(s1, s2) {
  const v1 = (s1.std * s1.std) / s1.n, v2 = (s2.std * s2.std) / s2.n;
  const dof = v1 + v2 === 0 ? Infinity : (v1 + v2) ** 2 / ((v1 * v1) / (s1.n - 1) + (v2 * v2) / (s2.n - 1));
  return { se: Math.sqrt(v1 + v2), dof };
}

/** Two-sided p of Welch's t-test; each side { mean, std, n } with n ≥ 2. Null when a side has fewer than 2 samples. */
export function welchP(s1, s2) {
  if (s1.n < 2 || s2.n < 2) return null;
  const { se, dof } = welchParts(s1, s2);
  if (se === 0) return s1.mean === s2.mean ? 1 : 0;
  return twoSidedTail((s1.mean - s2.mean) / se, dof);
}

/**
 * Welch's confidence interval for mean(s1) − mean(s2) at `level` (two-sided): diff ± t*·se, t* the Student quantile
 * found by bisection on the tail (monotone in t). Null when a side has fewer than 2 samples.
 */
export function welchInterval(s1, s2, level = 0.95) {
  if (s1.n < 2 || s2.n < 2) return null;
  const { se, dof } = welchParts(s1, s2);
  const diff = s1.mean - s2.mean;
  if (se === 0) return { diff, low: diff, high: diff };
  let lo = 0, hi = 1;
  while (twoSidedTail(hi, dof) > 1 - level) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedTail(mid, dof) > 1 - level) lo = mid; else hi = mid;
  }
  const half = ((lo + hi) / 2) * se;
  return { diff, low: diff - half, high: diff + half };
}
