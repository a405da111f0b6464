/** 2-D max and average pooling on NCHW (PyTorch semantics, optional ceil mode) with backward rules. */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { launch } from './launch.js';
import { checkRank, checkTensor } from './validate.js';

export interface Pool2dOptions {
  /** Window size (square when a number). */
  kernel: number | readonly [number, number];
  /** Default: the kernel size. */
  stride?: number | readonly [number, number];
  /** Implicit padding on each side (at most half the kernel). Default 0. */
  padding?: number | readonly [number, number];
  /** Output size rounds up (Caffe / CNN-F), the last window starting inside the input or left padding. */
  ceilMode?: boolean;
  /** Average pooling: count padded positions in the divisor (PyTorch default true). */
  countIncludePad?: boolean;
}

export interface Pool2dGeometry {
  N: number; C: number; H: number; W: number; OH: number; OW: number;
  KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; ceilMode: boolean; countIncludePad: boolean;
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function outSize(op: string, len: number, k: number, s: number, pad: number, ceil: boolean): number {
  const span = len + 2 * pad - k;
  if (span < 0) throw new ShapeError(`${op}: kernel ${k} is larger than the padded input (${len} + 2·${pad})`);
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= len + pad) o--;
  return o;
}

/** Validate options against x [N, C, H, W] and compute the output geometry. */
export function pool2dGeometry(op: string, x: Tensor, o: Pool2dOptions): Pool2dGeometry {
  checkTensor(op, 'x', x, 'f32');
  checkRank(op, 'x', x, 4);
  const [KH, KW] = pair(o.kernel);
  const [SH, SW] = pair(o.stride ?? o.kernel);
  const [PH, PW] = pair(o.padding ?? 0);
  for (const [name, v, min] of [['kernel', KH, 1], ['kernel', KW, 1], ['stride', SH, 1], ['stride', SW, 1], ['padding', PH, 0], ['padding', PW, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (2 * PH > KH || 2 * PW > KW) throw new RangeError(`${op}: padding [${PH}, ${PW}] must be at most half the kernel [${KH}, ${KW}]`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const ceilMode = o.ceilMode ?? false;
  const OH = outSize(op, H, KH, SH, PH, ceilMode);
  const OW = outSize(op, W, KW, SW, PW, ceilMode);
  if (OH <= 0 || OW <= 0) throw new ShapeError(`${op}: x ${fmtShape(x.shape)} gives an empty output with kernel [${KH}, ${KW}]`);
  return { N, C, H, W, OH, OW, KH, KW, SH, SW, PH, PW, ceilMode, countIncludePad: o.countIncludePad ?? true };
}

function run(entry: string, g: Pool2dGeometry, n: number, bufs: GPUBufferBinding[], x: Tensor): void {
  if (n === 0) return;
  launch(x.runtime, 'pool2d', bufs, {
    n, H: g.H, W: g.W, OH: g.OH, OW: g.OW, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, include_pad: g.countIncludePad ? 1 : 0,
  }, { entry });
}

/** Max pooling; the gradient goes to the first maximum of each window (row-major). */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = pool2dGeometry('maxPool2d', x, opts);
  const rt = x.runtime;
  const outShape = [g.N, g.C, g.OH, g.OW];
  const y = Tensor.empty(rt, outShape, 'f32');
  const arg = Tensor.empty(rt, outShape, 'u32');
  run('max_fwd', g, y.size, [x.buffer, y.buffer, arg.buffer], x);
  const out = record(y, 'maxPool2d', [x], (gy) => {
    const dx = Tensor.empty(rt, x.shape, 'f32');
    run('max_bwd', g, dx.size, [gy.buffer, dx.buffer, arg.buffer], x);
    return [dx];
  });
  // The argmax lives as long as the recorded node needs it (same scope as the output).
  if (!out.node) arg.dispose();
  return out;
}

/** Average pooling (PyTorch divisor rules; countIncludePad default true). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = pool2dGeometry('avgPool2d', x, opts);
  const rt = x.runtime;
  const y = Tensor.empty(rt, [g.N, g.C, g.OH, g.OW], 'f32');
  run('avg_fwd', g, y.size, [x.buffer, y.buffer], x);
  return record(y, 'avgPool2d', [x], (gy) => {
    const dx = Tensor.empty(rt, x.shape, 'f32');
    run('avg_bwd', g, dx.size, [gy.buffer, dx.buffer], x);
    return [dx];
  });
}
