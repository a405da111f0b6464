/** HFAH's feature-reconstruction decoders. */
import type { Runtime } from '../../runtime/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Linear, Module } from '../../nn/index.js';
import type { Rng } from '../../util/rng.js';

/** Feature decoder for HFAH's reconstruction: feat → hidden → ReLU → out (linear). */
export class Decoder extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(rt: Runtime, inDim: number, hidden: number, outDim: number, rng: Rng) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(rt, inDim, hidden, { rng, activation: 'relu' }));
    this.fc2 = this.registerModule('fc2', new Linear(rt, hidden, outDim, { rng }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x));
  }
}
