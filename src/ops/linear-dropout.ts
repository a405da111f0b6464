/**
 * dropout(relu(x·W + b)) as one autograd op: the hidden layer of the feature hash nets (nets.ts). Same
 * values as linear(…, 'relu') followed by dropout(…) with the same seed (the same mask). The forward is one
 * GEMM (the mask applied in its store, kernels/gemm_regblock.wgsl DROPOUT), and the backward needs no
 * dropout pass: with y = mask·relu(z)/(1−p), dy/dz = 1/(1−p) exactly where y > 0 (kept and
 * z > 0) and 0 elsewhere, so the dropout's scale goes into the activation-derivative + bias-gradient pass
 * ('scaledRelu' derivative, kernels/gemm_epilogue.wgsl) and the mask is never re-derived.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDropoutArgs } from './dropout.js';
import { epilogueBackward, matmulBackward, matmulRaw } from './matmul.js';
import { checkRank, checkTensor } from './validate.js';

/** dropout(relu(x·w + b), p, seed) with w stored [in, out]; x [m, in], b [out] or null. p = 0: plain linear + relu. */
export function linearReluDropout(x: Tensor, w: Tensor, b: Tensor | null, p: number, seed: number): Tensor {
  const op = 'linearReluDropout';
  checkTensor(op, 'x', x, 'f32');
  checkTensor(op, 'w', w, 'f32');
  checkRank(op, 'x', x, 2);
  checkRank(op, 'w', w, 2);
  checkDropoutArgs(op, p, seed);
  if (x.shape[1] !== w.shape[0]) throw new ShapeError(`${op}: x ${fmtShape(x.shape)} has ${x.shape[1]} features, w ${fmtShape(w.shape)} expects ${w.shape[0]} ([in, out])`);
  // The mask is applied in the GEMM's store (a separate dropout pass where the kernel cannot: split-K, tiled).
  const y = matmulRaw(x, w, { bias: b ?? undefined, activation: 'relu', dropout: p > 0 ? { p, seed } : undefined });
  const scale = 1 / (1 - p);
  return record(y, op, b ? [x, w, b] : [x, w], (g) => {
    const { gz, gbias } = epilogueBackward('scaledRelu', y, g, scale, !!b?.requiresGrad);
    return [...matmulBackward(x, w, gz, false, false), gbias];
  });
}
