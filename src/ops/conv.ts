/**
 * 2-D convolution (NCHW, stride, padding, dilation, fused bias + activation) as an implicit GEMM on
 * the register-blocked GEMM kernels (kernels/gemm_sg.wgsl or gemm_reg.wgsl, MODE 1), with backward
 * data (MODE 2; strided undilated convolutions use wᵀ·dy + kernels/col2im.wgsl instead), backward
 * filter (MODE 3) and bias gradients. Tiling per adapter: gemm-config.ts.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { sum } from './reduce.js';
import { checkRank, checkSameRuntime, checkTensor } from './validate.js';
import { launch } from './launch.js';
import { convConfig } from './gemm-config.js';
import { activationBackward, checkActivation, dispatchGemm, type Activation, type ConvGeometry, type GemmGeometry } from './matmul.js';

export interface Conv2dOptions {
  /** [O], added per output channel before the activation. */
  bias?: Tensor;
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  activation?: Activation;
  /** Scale for 'scaledTanh'. */
  alpha?: number;
}

/** Largest stride the backward-data kernel divides exactly (see gemm_sg.wgsl, MODE 2). */
export const MAX_CONV_STRIDE = 16;

function pair(op: string, name: string, v: number | [number, number] | undefined, dflt: number, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) throw new RangeError(`${op}: ${name} must be integer(s) ≥ ${min}, got ${JSON.stringify(v)}`);
  return p;
}

export interface Conv2dGeometry {
  N: number; C: number; H: number; W: number; O: number; KH: number; KW: number;
  SH: number; SW: number; PH: number; PW: number; DH: number; DW: number; OH: number; OW: number;
}

/** Validate shapes and options; returns the full geometry (output [N, O, OH, OW]). */
export function conv2dGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): Conv2dGeometry {
  const op = 'conv2d';
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cw, KH, KW] = wShape as [number, number, number, number];
  if (Cw !== C) throw new ShapeError(`${op}: x ${fmtShape(xShape)} has ${C} channels but w ${fmtShape(wShape)} expects ${Cw} ([O, C, kh, kw])`);
  const [SH, SW] = pair(op, 'stride', opts.stride, 1, 1);
  const [PH, PW] = pair(op, 'padding', opts.padding, 0, 0);
  const [DH, DW] = pair(op, 'dilation', opts.dilation, 1, 1);
  if (SH > MAX_CONV_STRIDE || SW > MAX_CONV_STRIDE) throw new RangeError(`${op}: stride [${SH}, ${SW}] exceeds ${MAX_CONV_STRIDE}`);
  const OH = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const OW = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  if (!(OH >= 1 && OW >= 1)) {
    throw new ShapeError(`${op}: kernel ${KH}×${KW} (dilation [${DH}, ${DW}]) does not fit x ${fmtShape(xShape)} with padding [${PH}, ${PW}]`);
  }
  if (C === 0 || KH === 0 || KW === 0) throw new ShapeError(`${op}: empty reduction (x ${fmtShape(xShape)}, w ${fmtShape(wShape)})`);
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW };
}

function convGeom(g: Conv2dGeometry, mode: 1 | 2 | 3, aDiv: number, aHi: number): ConvGeometry {
  return { mode, aDiv, aHi, C: g.C, H: g.H, W: g.W, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, DH: g.DH, DW: g.DW, OH: g.OH, OW: g.OW };
}

const dense = (M: number, N: number, K: number, batch: number, sam: number, batchB: number): GemmGeometry => ({
  M, N, K, batch, sam, sak: 1, sbk: 0, sbn: 0, batchA: 0, batchB,
});

/** Forward without autograd: act(conv(x, w) + bias), [N, O, OH, OW]. */
export function conv2dRaw(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'x', x, 'f32');
  checkTensor('conv2d', 'w', w, 'f32');
  checkRank('conv2d', 'x', x, 4);
  checkRank('conv2d', 'w', w, 4);
  checkSameRuntime('conv2d', x, w);
  const act = checkActivation('conv2d', opts.activation ?? 'none');
  const g = conv2dGeometry(x.shape, w.shape, opts);
  if (opts.bias) {
    checkTensor('conv2d', 'bias', opts.bias, 'f32');
    checkSameRuntime('conv2d', x, opts.bias);
    if (opts.bias.rank !== 1 || opts.bias.shape[0] !== g.O) throw new ShapeError(`conv2d: bias ${fmtShape(opts.bias.shape)} must have shape [${g.O}] (w ${fmtShape(w.shape)})`);
  }
  const y = Tensor.empty(x.runtime, [g.N, g.O, g.OH, g.OW], 'f32');
  const K = g.C * g.KH * g.KW;
  dispatchGemm(w, x, y, dense(g.O, g.OH * g.OW, K, g.N, K, g.C * g.H * g.W), { bias: opts.bias ?? null, biasRows: true, act, alpha: opts.alpha ?? 1 }, convConfig(x.runtime), convGeom(g, 1, K, 0));
  return y;
}

/**
 * Strided, undilated backward data as cols = wᵀ·dy (a dense GEMM per image) then col2im, which visits
 * only the taps that land on each input pixel; null when it does not apply or cols would not fit
 * one binding.
 */
function conv2dBackwardDataStrided(dy: Tensor, w: Tensor, g: Conv2dGeometry): Tensor | null {
  if ((g.SH === 1 && g.SW === 1) || g.DH !== 1 || g.DW !== 1) return null;
  const rt = dy.runtime;
  const ckk = g.C * g.KH * g.KW;
  const p = g.OH * g.OW;
  if (g.N * ckk * p * 4 > rt.limits.maxStorageBufferBindingSize) return null;
  const cols = Tensor.empty(rt, [g.N, ckk, p], 'f32');
  const geom: GemmGeometry = { M: ckk, N: p, K: g.O, batch: g.N, sam: 1, sak: ckk, sbk: p, sbn: 1, batchA: 0, batchB: g.O * p };
  dispatchGemm(w, dy, cols, geom, { bias: null, act: 'none', alpha: 1 });
  const dx = Tensor.empty(rt, [g.N, g.C, g.H, g.W], 'f32');
  launch(rt, 'col2im', [cols.buffer, dx.buffer], { n_out: dx.size, C: g.C, H: g.H, W: g.W, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, OH: g.OH, OW: g.OW });
  cols.dispose();
  return dx;
}

/** dL/dx for dL/dy = dy (no activation): [N, C, H, W]. */
export function conv2dBackwardData(dy: Tensor, w: Tensor, g: Conv2dGeometry): Tensor {
  const strided = conv2dBackwardDataStrided(dy, w, g);
  if (strided) return strided;
  const dx = Tensor.empty(dy.runtime, [g.N, g.C, g.H, g.W], 'f32');
  const kk = g.KH * g.KW;
  dispatchGemm(w, dy, dx, dense(g.C, g.H * g.W, g.O * kk, g.N, kk, g.O * g.OH * g.OW), { bias: null, act: 'none', alpha: 1 }, convConfig(dy.runtime), convGeom(g, 2, kk, g.C * kk));
  return dx;
}

/** dL/dw for dL/dy = dy (no activation): [O, C, KH, KW]. */
export function conv2dBackwardFilter(dy: Tensor, x: Tensor, g: Conv2dGeometry): Tensor {
  const dw = Tensor.empty(dy.runtime, [g.O, g.C, g.KH, g.KW], 'f32');
  const p = g.OH * g.OW;
  dispatchGemm(dy, x, dw, dense(g.O, g.C * g.KH * g.KW, g.N * p, 1, p, 0), { bias: null, act: 'none', alpha: 1 }, convConfig(dy.runtime), convGeom(g, 3, p, g.O * p));
  return dw;
}

/**
 * act(conv2d(x, w) + bias). x: [N, C, H, W], w: [O, C, kh, kw], bias: [O]; stride, padding and
 * dilation as a number or [h, w]. Output [N, O, OH, OW].
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const y = conv2dRaw(x, w, opts);
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const act = opts.activation ?? 'none';
  const alpha = opts.alpha ?? 1;
  const bias = opts.bias;
  return record(y, 'conv2d', bias ? [x, w, bias] : [x, w], (gy) => {
    const gz = activationBackward(act, y, gy, alpha);
    return [
      x.requiresGrad ? conv2dBackwardData(gz, w, g) : null,
      w.requiresGrad ? conv2dBackwardFilter(gz, x, g) : null,
      bias?.requiresGrad ? sum(gz, [0, 2, 3]) : null,
    ];
  });
}
