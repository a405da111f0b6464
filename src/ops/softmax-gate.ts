/**
 * y = tanh(α · q ⊙ softmax(l)) over the last axis: JSGHCA's Jo-Attention codes (one net's output q gated by
 * the softmax of the partner's attention logits l), one dispatch forward and one backward instead of a
 * softmax, a mulTanh and their two backward passes (kernels/softmax_gate*.wgsl). The softmax weights are
 * kept for the backward (a [rows, cols] buffer, freed with the tape).
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { launch } from './launch.js';
import { checkSameRuntime, checkSameShape, checkTensor } from './validate.js';

export function tanhOfSoftmaxGate(q: Tensor, l: Tensor, alpha: number): Tensor {
  const op = 'tanhOfSoftmaxGate';
  checkTensor(op, 'q', q, 'f32');
  checkTensor(op, 'l', l, 'f32');
  checkSameRuntime(op, q, l);
  checkSameShape(op, 'q', q, 'l', l);
  if (q.rank < 1) throw new ShapeError(`${op}: q must have rank >= 1, got shape ${fmtShape(q.shape)}`);
  if (!Number.isFinite(alpha)) throw new RangeError(`${op}: alpha must be finite, got ${alpha}`);
  const rt = q.runtime;
  const cols = q.shape[q.rank - 1]!;
  const rows = cols === 0 ? 0 : q.size / cols;
  const o = Tensor.empty(rt, q.shape, 'f32');
  const y = Tensor.empty(rt, q.shape, 'f32');
  if (rows > 0) launch(rt, 'softmax_gate', [q.buffer, l.buffer, o.buffer, y.buffer], { rows, cols, alpha });
  const out = record(y, op, [q, l], (g) => {
    const dq = Tensor.empty(rt, q.shape, 'f32'), dl = Tensor.empty(rt, l.shape, 'f32');
    if (rows > 0) launch(rt, 'softmax_gate_backward', [q.buffer, o.buffer, y.buffer, g.buffer, dq.buffer, dl.buffer], { rows, cols, alpha });
    return [q.requiresGrad ? dq : (dq.dispose(), null), l.requiresGrad ? dl : (dl.dispose(), null)];
  });
  // Without a tape entry (no gradient wanted) the weights are not needed after the forward.
  if (out.node === null) o.dispose();
  return out;
}
