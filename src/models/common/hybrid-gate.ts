/** HFAH's hybrid (channel + spatial) attention, feature-input form. */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mul, mulScalar, sigmoid } from '../../ops/elementwise.js';
import { max, mean } from '../../ops/reduce.js';
import { concat } from '../../ops/layout.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';

/**
 * CBAM-style hybrid attention on a feature vector (a C×1×1 map) [paper HFAH, degenerate form]: channel
 * attention sigmoid(MLP(avg) + MLP(max)) = sigmoid(2·MLP(h)) since both pools of a 1×1 map equal h,
 * then spatial attention: the 7×7 conv over [channel-mean, channel-max] of a 1×1 map (padding 3) only
 * touches its centre taps, i.e. sigmoid(w_a·mean_c + w_m·max_c + b), one gate per item.
 */
export class HybridGate extends Module {
  readonly mlp1: Linear;
  readonly mlp2: Linear;
  readonly spatial: Linear;
  constructor(rt: Runtime, channels: number, reduction: number, rng: Rng) {
    super();
    const mid = Math.max(1, Math.floor(channels / reduction));
    this.mlp1 = this.registerModule('mlp1', new Linear(rt, channels, mid, { rng, activation: 'relu' }));
    this.mlp2 = this.registerModule('mlp2', new Linear(rt, mid, channels, { rng }));
    this.spatial = this.registerModule('spatial', new Linear(rt, 2, 1, { rng, activation: 'sigmoid' }));
  }
  forward(h: Tensor): Tensor {
    const ch = sigmoid(mulScalar(this.mlp2.forward(this.mlp1.forward(h)), 2));
    const y = mul(ch, h);
    const desc = concat([mean(y, 1, { keepDims: true }), max(y, 1, { keepDims: true })], 1);
    return mul(y, this.spatial.forward(desc));
  }
}
