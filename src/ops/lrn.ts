/** Local response normalisation across channels (AlexNet / CNN-F), PyTorch semantics, with backward. */
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { Uniforms } from './uniforms.js';
import { checkRank, checkTensor } from './validate.js';
import { ShapeError, fmtShape } from '../runtime/errors.js';

const WG = 256;

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
  const u = new Uniforms().u32(x.size).u32(C).u32(HW).u32(size).f32(alpha / size).f32(beta).f32(k).u32(0).bytes();
  const wg = rt.grid(Math.ceil(x.size / WG));
  const y = Tensor.empty(rt, x.shape, 'f32');
  if (x.size > 0) rt.dispatch({ kernel: 'lrn', constants: { WG } }, [x.buffer, y.buffer], wg, u);
  return record(y, 'localResponseNorm', [x], (g) => {
    const dx = Tensor.empty(rt, x.shape, 'f32');
    if (x.size > 0) rt.dispatch({ kernel: 'lrn', entry: 'backward', constants: { WG } }, [x.buffer, dx.buffer, g.buffer], wg, u);
    return [dx];
  });
}
