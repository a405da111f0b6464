/** Elementwise unary and (broadcasting) binary ops on f32, with their backward rules. */
import { Tensor } from '../tensor/tensor.js';
import { launch } from './launch.js';
import { checkSameShape } from './validate.js';
import type { Shape } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { sumTo } from './reduce.js';
import { binaryRaw, unaryRaw } from './raw.js';

export * from './raw.js';

// ---- unary ops with gradients -------------------------------------------------------------------

export function clone(x: Tensor): Tensor {
  return record(unaryRaw('copy', x), 'clone', [x], (g) => [g]);
}

export function neg(x: Tensor): Tensor {
  return record(unaryRaw('neg', x), 'neg', [x], (g) => [unaryRaw('neg', g)]);
}

export function exp(x: Tensor): Tensor {
  const y = unaryRaw('exp', x);
  return record(y, 'exp', [x], (g) => [binaryRaw('mul', g, y)]);
}

export function log(x: Tensor): Tensor {
  return record(unaryRaw('log', x), 'log', [x], (g) => [binaryRaw('div', g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = unaryRaw('sqrt', x);
  return record(y, 'sqrt', [x], (g) => [unaryRaw('affine', binaryRaw('div', g, y), 0.5, 0)]);
}

export function tanh(x: Tensor): Tensor {
  const y = unaryRaw('tanh', x);
  return record(y, 'tanh', [x], (g) => [binaryRaw('tanhBackward', y, g)]);
}

export function sigmoid(x: Tensor): Tensor {
  const y = unaryRaw('sigmoid', x);
  return record(y, 'sigmoid', [x], (g) => [binaryRaw('sigmoidBackward', y, g)]);
}

export function relu(x: Tensor): Tensor {
  return record(unaryRaw('relu', x), 'relu', [x], (g) => [binaryRaw('reluBackward', x, g)]);
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return record(unaryRaw('leakyRelu', x, slope), 'leakyRelu', [x], (g) => [binaryRaw('leakyReluBackward', x, g, slope)]);
}

/** sign(x) with sign(0) = 0; zero gradient. */
export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x);
}

/** ±1 codes with sign(0) mapped to +1 (the hashing convention); zero gradient. */
export function binarize(x: Tensor): Tensor {
  return unaryRaw('binarize', x);
}

export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clamp: lo (${lo}) must be <= hi (${hi})`);
  return record(unaryRaw('clamp', x, lo, hi), 'clamp', [x], (g) => [binaryRaw('clampBackward', x, g, lo, hi)]);
}

export function abs(x: Tensor): Tensor {
  return record(unaryRaw('abs', x), 'abs', [x], (g) => [binaryRaw('mul', g, unaryRaw('sign', x))]);
}

export function square(x: Tensor): Tensor {
  return record(unaryRaw('square', x), 'square', [x], (g) => [binaryRaw('axpby', binaryRaw('mul', g, x), x, 2, 0)]);
}

/** y = scale·x + shift. */
export function affine(x: Tensor, scale: number, shift = 0): Tensor {
  return record(unaryRaw('affine', x, scale, shift), 'affine', [x], (g) => [unaryRaw('affine', g, scale, 0)]);
}

export const mulScalar = (x: Tensor, s: number): Tensor => affine(x, s, 0);
export const addScalar = (x: Tensor, s: number): Tensor => affine(x, 1, s);

export function reciprocal(x: Tensor): Tensor {
  const y = unaryRaw('reciprocal', x);
  return record(y, 'reciprocal', [x], (g) => [unaryRaw('neg', binaryRaw('mul', g, unaryRaw('square', y)))]);
}

/** log(1 + e^x), computed stably. */
export function softplus(x: Tensor): Tensor {
  return record(unaryRaw('softplus', x), 'softplus', [x], (g) => [binaryRaw('mul', g, unaryRaw('sigmoid', x))]);
}

// ---- binary ops with gradients ------------------------------------------------------------------

export function add(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('add', a, b), 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('sub', a, b), 'sub', [a, b], (g) => [sumTo(g, a.shape), sumTo(unaryRaw('neg', g), b.shape)]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('mul', a, b), 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('mul', g, b), a.shape) : null,
    b.requiresGrad ? sumTo(binaryRaw('mul', g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('div', a, b), 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('div', g, b), a.shape) : null,
    b.requiresGrad ? sumTo(unaryRaw('neg', binaryRaw('div', binaryRaw('mul', g, a), unaryRaw('square', b))), b.shape) : null,
  ]);
}

/** Elementwise max; on ties the gradient goes to `a`. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('maximum', a, b), 'maximum', [a, b], (g) => {
    const bWins = binaryRaw('greater', b, a);
    return [sumTo(binaryRaw('mul', g, unaryRaw('affine', bWins, -1, 1)), a.shape), sumTo(binaryRaw('mul', g, bWins), b.shape)];
  });
}

/** Elementwise min; on ties the gradient goes to `a`. */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw('minimum', a, b), 'minimum', [a, b], (g) => {
    const bWins = binaryRaw('greater', a, b);
    return [sumTo(binaryRaw('mul', g, unaryRaw('affine', bWins, -1, 1)), a.shape), sumTo(binaryRaw('mul', g, bWins), b.shape)];
  });
}

/** α·a + β·b (same shape or broadcast). */
export function axpby(alpha: number, a: Tensor, beta: number, b: Tensor): Tensor {
  // Backward: no pass for an input without a gradient, and the upstream gradient itself for a coefficient of 1.
  const part = (t: Tensor, c: number, g: Tensor): Tensor | null => (t.requiresGrad ? sumTo(c === 1 ? g : unaryRaw('affine', g, c, 0), t.shape) : null);
  return record(binaryRaw('axpby', a, b, alpha, beta), 'axpby', [a, b], (g) => [part(a, alpha, g), part(b, beta, g)]);
}

/**
 * tanh(alpha·a ⊙ b) for same-shape a, b in one pass, and both gradients in one backward pass
 * (kernels/mul_tanh_backward.wgsl): JSGHCA's codes tanh(δ·Q ⊙ (k·softmax(…))) take 1 + 1 dispatches
 * instead of 4 + 5.
 */
export function tanhOfProduct(a: Tensor, b: Tensor, alpha: number): Tensor {
  checkSameShape('tanhOfProduct', 'a', a, 'b', b);
  if (!Number.isFinite(alpha)) throw new RangeError(`tanhOfProduct: alpha must be finite, got ${alpha}`);
  const y = binaryRaw('mulTanh', a, b, alpha);
  return record(y, 'tanhOfProduct', [a, b], (g) => {
    const rt = y.runtime;
    const da = Tensor.empty(rt, a.shape, 'f32'), db = Tensor.empty(rt, b.shape, 'f32');
    if (y.size > 0) launch(rt, 'mul_tanh_backward', [a.buffer, b.buffer, y.buffer, g.buffer, da.buffer, db.buffer], { n: y.size, alpha });
    return [a.requiresGrad ? da : (da.dispose(), null), b.requiresGrad ? db : (db.dispose(), null)];
  });
}

/** A reshaped view, recorded on the tape (the gradient is reshaped back). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const y = x.view(shape);
  return record(y, 'reshape', [x], (g) => [g.view(x.shape)]);
}
