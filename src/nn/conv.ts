/** Conv2d layer over the conv2d op (NCHW, implicit GEMM, fused bias + activation). */
import type { Runtime } from '../runtime/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2d } from '../ops/conv.js';
import { checkActivation, type Activation } from '../ops/matmul.js';
import { Module, checkDim, checkRng, uniformParam, type InitOptions } from './module.js';

export interface Conv2dLayerOptions extends InitOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  /** Default true. */
  bias?: boolean;
  /** Fused into the convolution's epilogue. Default 'none'. */
  activation?: Activation;
}

/**
 * y = act(conv2d(x, W) + b); W: [out, in, kh, kw]. Init as PyTorch's default: W and b ~ U(±1/√(in·kh·kw)).
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: Activation;
  readonly kernelSize: [number, number];

  constructor(rt: Runtime, readonly inChannels: number, readonly outChannels: number, kernel: number | [number, number], readonly options: Conv2dLayerOptions) {
    super();
    checkDim('Conv2d', 'inChannels', inChannels);
    checkDim('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    checkDim('Conv2d', 'kernel height', kh);
    checkDim('Conv2d', 'kernel width', kw);
    this.kernelSize = [kh, kw];
    const rng = checkRng('Conv2d', options);
    this.activation = checkActivation('Conv2d', options.activation ?? 'none');
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = this.registerParameter('weight', uniformParam(rt, rng, [outChannels, inChannels, kh, kw], bound));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformParam(rt, rng, [outChannels], bound));
  }

  /** x: [N, in, H, W] → [N, out, OH, OW]. */
  forward(x: Tensor): Tensor {
    const o = this.options;
    return conv2d(x, this.weight, { bias: this.bias ?? undefined, stride: o.stride, padding: o.padding, dilation: o.dilation, activation: this.activation });
  }
}
