/** The mini-batch the sampler hands to models (the HashModel contract in src/models/types.ts re-exports it). */
import type { Tensor } from '../tensor/tensor.js';

/** One mini-batch, already on the GPU. Rows align across modalities (pair i = image i + text i). */
export interface Batch {
  /** Row indices into the training set (models with a per-item code matrix B need them). */
  indices: Uint32Array;
  /** [m, dImage] features, or [m, 3, H, W] images for the raw-image path. */
  image: Tensor;
  /** [m, dText] bag-of-words / text features. */
  text: Tensor;
  /** [m, c] multi-hot labels (0/1 floats) when the dataset has them; supervised models require it. */
  labels?: Tensor;
}
