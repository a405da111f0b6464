/** Local response normalisation across channels (AlexNet / CNN-F), PyTorch semantics, with backward. */
import { Tensor } from '../tensor/tensor.js';
import { needsGrad, record } from '../autograd/tape.js';
import { launch } from './launch.js';
import { checkRank, checkTensor } from './validate.js';
import { ShapeError, fmtShape } from '../runtime/errors.js';

export interface LrnOptions {
  /** Channels in the window (default 5). */
  size?: number;
  /** Default 1e-4; divided by `size` as in PyTorch/Caffe (TensorFlow's convention: pass alpha·size). */
  alpha?: number;
  /** Default 0.75. */
  beta?: number;
  /** Default 2 (AlexNet / CNN-F); must be > 0. */
  k?: number;
}

/** y = x · (k + alpha/size · Σ_window x²)^(−beta) across channels of x [N, C, …] (rank ≥ 2). */
export function localResponseNorm(x: Tensor, opts: LrnOptions = {}): Tensor {
  checkTensor('localResponseNorm', 'x', x, 'f32');
  if (x.rank < 2) throw new ShapeError(`localResponseNorm: x must be [N, C, …] (rank >= 2), got ${fmtShape(x.shape)}`);
  const size = opts.size ?? 5, alpha = opts.alpha ?? 1e-4, beta = opts.beta ?? 0.75, k = opts.k ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`localResponseNorm: size must be an integer >= 1, got ${size}`);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`localResponseNorm: alpha must be >= 0, got ${alpha}`);
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`localResponseNorm: k must be > 0, got ${k}`);
  if (!Number.isFinite(beta)) throw new RangeError(`localResponseNorm: beta must be finite, got ${beta}`);
  const C = x.shape[1]!;
  const HW = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const rt = x.runtime;
  const u = { n: x.size, C, HW, size, alpha_n: alpha / size, beta, k };
  const y = Tensor.empty(rt, x.shape, 'f32');
  // Training: the forward saves r = s^(−β−1) for the backward (no pow there); inference binds a scratch word.
  const save = needsGrad([x]);
  const r = Tensor.empty(rt, save ? x.shape : [1], 'f32');
  if (x.size > 0) launch(rt, 'lrn', [x.buffer, y.buffer, r.buffer], u, { constants: { SAVE: save } });
  if (!save) {
    r.dispose();
    return y;
  }
  return record(y, 'localResponseNorm', [x], (g) => {
    const dx = Tensor.empty(rt, x.shape, 'f32');
    if (x.size > 0) launch(rt, 'lrn', [x.buffer, dx.buffer, r.buffer, g.buffer], u, { entry: 'backward' });
    return [dx];
  });
}
