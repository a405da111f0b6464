/**
 * Row softmax and log-softmax over the last axis, with a fused input scale and an optional additive
 * mask (attention: softmax(scale·QKᵀ + mask)). Numerically safe (max-subtracted). One invocation per
 * row, no barriers: measured fastest on lavapipe (DESIGN.md).
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastStrides, sizeOf } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { unaryRaw } from './elementwise.js';
import { sumTo } from './reduce.js';
import { launch } from './launch.js';
import { checkSameRuntime, checkTensor } from './validate.js';

export interface SoftmaxOptions {
  /** Multiplies x before the softmax (e.g. 1/√d_k for attention). Default 1. */
  scale?: number;
  /**
   * Additive mask (e.g. 0 / −1e9), broadcast against x NumPy-style (fewer dims are left-padded with
   * 1s; every dim equals x's or is 1). Masks are usually constants; a mask that requires a gradient
   * gets one (summed over its broadcast dims).
   */
  mask?: Tensor;
}

function validate(op: string, x: Tensor, o: SoftmaxOptions): number {
  checkTensor(op, 'x', x, 'f32');
  if (x.rank < 1) throw new ShapeError(`${op}: x must have rank >= 1, got shape ${fmtShape(x.shape)}`);
  if (x.rank > 9) throw new ShapeError(`${op}: x rank ${x.rank} exceeds 9 (${fmtShape(x.shape)})`);
  const scale = o.scale ?? 1;
  if (!Number.isFinite(scale)) throw new RangeError(`${op}: scale must be finite, got ${scale}`);
  if (o.mask) {
    const m = o.mask;
    checkTensor(op, 'mask', m, 'f32');
    checkSameRuntime(op, x, m);
    const off = x.rank - m.rank;
    if (off < 0 || m.shape.some((d, i) => d !== 1 && d !== x.shape[i + off])) {
      throw new ShapeError(`${op}: mask ${fmtShape(m.shape)} does not broadcast to x ${fmtShape(x.shape)}`);
    }
  }
  return scale;
}

/** Forward kernel only (no tape). */
export function softmaxRaw(x: Tensor, o: SoftmaxOptions = {}, log = false): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const scale = validate(op, x, o);
  const rt = x.runtime;
  const y = Tensor.empty(rt, x.shape, 'f32');
  const cols = x.shape[x.rank - 1]!;
  const lead = x.shape.slice(0, -1);
  const rows = sizeOf(lead);
  if (rows === 0 || cols === 0) return y;
  // Without a mask, x is bound again as the mask (never read).
  const st = o.mask ? broadcastStrides(o.mask.shape, x.shape) : null;
  launch(rt, 'softmax', [x.buffer, (o.mask ?? x).buffer, y.buffer], {
    rows, cols, scale, lead_rank: lead.length,
    mask_col_stride: st ? st[x.rank - 1]! : 0, lead_shape: st ? lead : [], mask_stride: st ? st.slice(0, -1) : [],
  }, { constants: { LOG: log, MASK: !!o.mask } });
  return y;
}

/** Backward kernel: dx from the forward output y and the output gradient g (no tape). */
export function softmaxBackwardRaw(y: Tensor, g: Tensor, scale: number, log = false): Tensor {
  const rt = y.runtime;
  const dx = Tensor.empty(rt, y.shape, 'f32');
  const cols = y.shape[y.rank - 1]!;
  const rows = sizeOf(y.shape.slice(0, -1));
  if (rows === 0 || cols === 0) return dx;
  launch(rt, 'softmax_backward', [y.buffer, g.buffer, dx.buffer], { rows, cols, scale }, { constants: { LOG: log } });
  return dx;
}

function softmaxOp(x: Tensor, o: SoftmaxOptions, log: boolean): Tensor {
  const y = softmaxRaw(x, o, log);
  const scale = o.scale ?? 1;
  const mask = o.mask;
  const inputs = mask ? [x, mask] : [x];
  return record(y, log ? 'logSoftmax' : 'softmax', inputs, (g) => {
    if (!mask?.requiresGrad) return [softmaxBackwardRaw(y, g, scale, log), null];
    const dz = softmaxBackwardRaw(y, g, 1, log);
    return [x.requiresGrad ? unaryRaw('affine', dz, scale, 0) : null, sumTo(dz, mask.shape)];
  });
}

/** softmax(scale·x + mask) over the last axis. */
export function softmax(x: Tensor, opts: SoftmaxOptions = {}): Tensor {
  return softmaxOp(x, opts, false);
}

/** log softmax(scale·x + mask) over the last axis. */
export function logSoftmax(x: Tensor, opts: SoftmaxOptions = {}): Tensor {
  return softmaxOp(x, opts, true);
}
