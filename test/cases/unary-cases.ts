/**
 * The unary-op test cases (input range per op, op parameters), shared by the Node kernel tests and
 * the in-browser kernel suite so both check the same domain. Plain data: safe to bundle for the page.
 */
import type { UnaryOp } from '../../src/ops/elementwise.js';

export interface UnaryCase {
  op: UnaryOp;
  lo: number;
  hi: number;
  alpha?: number;
  beta?: number;
}

export const UNARY_CASES: readonly UnaryCase[] = [
  { op: 'copy', lo: -3, hi: 3 }, { op: 'neg', lo: -3, hi: 3 }, { op: 'exp', lo: -5, hi: 5 },
  { op: 'log', lo: 0.01, hi: 10 }, { op: 'sqrt', lo: 0.01, hi: 10 }, { op: 'tanh', lo: -20, hi: 20 },
  { op: 'sigmoid', lo: -30, hi: 30 }, { op: 'relu', lo: -2, hi: 2 }, { op: 'leakyRelu', lo: -2, hi: 2, alpha: 0.1 },
  { op: 'sign', lo: -2, hi: 2 }, { op: 'clamp', lo: -2, hi: 2, alpha: -0.5, beta: 0.7 }, { op: 'abs', lo: -2, hi: 2 },
  { op: 'square', lo: -3, hi: 3 }, { op: 'affine', lo: -3, hi: 3, alpha: 1.7, beta: -0.3 },
  { op: 'reciprocal', lo: 0.2, hi: 4 }, { op: 'softplus', lo: -40, hi: 40 }, { op: 'binarize', lo: -1, hi: 1 },
];
