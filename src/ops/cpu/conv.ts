/** Float64 CPU references for conv2d (NCHW) and its gradients. */
import { cpuActivate, type CpuActivation } from './matmul.js';

export interface CpuConvOptions {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  bias?: ArrayLike<number>;
  activation?: CpuActivation;
  alpha?: number;
}

export function cpuConvOutSize(xShape: number[], wShape: number[], o: CpuConvOptions = {}): [number, number] {
  const [s0, s1] = o.stride ?? [1, 1], [p0, p1] = o.padding ?? [0, 0], [d0, d1] = o.dilation ?? [1, 1];
  return [Math.floor((xShape[2]! + 2 * p0 - d0 * (wShape[2]! - 1) - 1) / s0) + 1, Math.floor((xShape[3]! + 2 * p1 - d1 * (wShape[3]! - 1) - 1) / s1) + 1];
}

/** Visit every (n, o, oh, ow, c, kh, kw) tap that lands inside the image. */
function forEachTap(xShape: number[], wShape: number[], o: CpuConvOptions, f: (yi: number, xi: number, wi: number) => void): void {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , KH, KW] = wShape as [number, number, number, number];
  const [s0, s1] = o.stride ?? [1, 1], [p0, p1] = o.padding ?? [0, 0], [d0, d1] = o.dilation ?? [1, 1];
  const [OH, OW] = cpuConvOutSize(xShape, wShape, o);
  for (let n = 0; n < N; n++) for (let oc = 0; oc < O; oc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const yi = ((n * O + oc) * OH + oh) * OW + ow;
    for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * s0 - p0 + kh * d0, iw = ow * s1 - p1 + kw * d1;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      f(yi, ((n * C + c) * H + ih) * W + iw, ((oc * C + c) * KH + kh) * KW + kw);
    }
  }
}

/** act(conv2d(x, w) + bias), flat [N, O, OH, OW]. */
export function cpuConv2d(x: ArrayLike<number>, xShape: number[], w: ArrayLike<number>, wShape: number[], o: CpuConvOptions = {}): Float64Array {
  const [OH, OW] = cpuConvOutSize(xShape, wShape, o);
  const O = wShape[0]!;
  const y = new Float64Array(xShape[0]! * O * OH * OW);
  forEachTap(xShape, wShape, o, (yi, xi, wi) => { y[yi]! += x[xi]! * w[wi]!; });
  for (let i = 0; i < y.length; i++) {
    const oc = Math.floor(i / (OH * OW)) % O;
    y[i] = cpuActivate(o.activation ?? 'none', y[i]! + (o.bias ? o.bias[oc]! : 0), o.alpha ?? 1);
  }
  return y;
}

/** dL/dx of Σ dy ⊙ conv2d(x, w) (no bias/activation). */
export function cpuConv2dBackwardData(dy: ArrayLike<number>, xShape: number[], w: ArrayLike<number>, wShape: number[], o: CpuConvOptions = {}): Float64Array {
  const dx = new Float64Array(xShape.reduce((p, d) => p * d, 1));
  forEachTap(xShape, wShape, o, (yi, xi, wi) => { dx[xi]! += dy[yi]! * w[wi]!; });
  return dx;
}

/** dL/dw of Σ dy ⊙ conv2d(x, w) (no bias/activation). */
export function cpuConv2dBackwardFilter(dy: ArrayLike<number>, x: ArrayLike<number>, xShape: number[], wShape: number[], o: CpuConvOptions = {}): Float64Array {
  const dw = new Float64Array(wShape.reduce((p, d) => p * d, 1));
  forEachTap(xShape, wShape, o, (yi, xi, wi) => { dw[wi]! += dy[yi]! * x[xi]!; });
  return dw;
}
