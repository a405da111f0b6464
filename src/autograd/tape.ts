/**
 * Reverse-mode autograd (micrograd-style tape): ops attach a GradNode to their output when any
 * input requires a gradient; backward() walks the graph in reverse topological order.
 *
 * The tape sits below the ops (it imports only tensor/): the three kernels backward() itself needs
 * (seed gradient, gradient sum, leaf copy) are handed to it by the ops layer through
 * setGradPrimitives() when src/ops/elementwise.ts loads, which every recorded op has already done.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor, type GradNode } from '../tensor/tensor.js';
import { shapesEqual } from '../tensor/shape.js';
import { keep } from '../tensor/scope.js';

/** The kernels backward() runs itself; all are called under noGrad. */
export interface GradPrimitives {
  /** A tensor of ones with t's shape (the default gradient of the root). */
  onesLike(t: Tensor): Tensor;
  /** a + b, same shapes (gradient accumulation). */
  add(a: Tensor, b: Tensor): Tensor;
  /** A fresh copy of t (a leaf's first gradient must not alias an intermediate). */
  copy(t: Tensor): Tensor;
  /** Copy t's data into dst (same size) and return dst: a leaf's first gradient into its gradSlot. */
  copyInto(t: Tensor, dst: Tensor): Tensor;
}

let prims: GradPrimitives | null = null;

/** Called once by the ops layer (src/ops/elementwise.ts). */
export function setGradPrimitives(p: GradPrimitives): void {
  prims = p;
}

function gradPrimitives(): GradPrimitives {
  if (!prims) throw new Error('backward: no gradient kernels registered; import the ops (src/ops/elementwise.js or the package entry) first');
  return prims;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording anything on the tape (evaluation, optimizer steps, backward itself). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function needsGrad(inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/**
 * Attach a backward rule to `out` if any input requires a gradient. Returns `out`. `sumsInto`: the rule
 * takes the gradients gathered so far and returns them summed with its own (GradNode).
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward'], opts: { sumsInto?: boolean } = {}): Tensor {
  if (needsGrad(inputs)) {
    out.requiresGrad = true;
    out.node = opts.sumsInto ? { op, inputs, backward, sumsInto: true } : { op, inputs, backward };
  }
  return out;
}

/**
 * The gradients gathered so far for a summing node's inputs: an input listed twice gets it at its first
 * position only (the sum must include it once; the tape adds the second position's own gradient after).
 */
function gathered(inputs: readonly Tensor[], grads: Map<Tensor, Tensor>): (Tensor | undefined)[] {
  return inputs.map((inp, i) => (inp.requiresGrad && inputs.indexOf(inp) === i ? grads.get(inp) : undefined));
}

/** Mark a tensor as a leaf that accumulates a gradient. */
export function requireGrad<T extends Tensor>(t: T): T {
  t.requiresGrad = true;
  return t;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long training unrolls) must not overflow the JS stack.
  const stack: { t: Tensor; i: number }[] = [{ t: root, i: 0 }];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const inputs = top.t.node?.inputs ?? [];
    if (top.i < inputs.length) {
      const next = inputs[top.i++]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push({ t: next, i: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order.reverse();
}

/**
 * Back-propagate from `root`. `gradOutput` defaults to ones (so a scalar loss gets d/dloss = 1).
 * Leaf gradients accumulate into `.grad` (summed over repeated backward calls until zeroGrad,
 * which frees them). Intermediate gradients are ordinary tensors of the current scope: run inside tidy().
 */
export function backward(root: Tensor, gradOutput?: Tensor): void {
  if (!root.requiresGrad) throw new ShapeError(`backward: ${root} does not require grad (no input was marked with requireGrad)`);
  if (gradOutput && !shapesEqual(gradOutput.shape, root.shape)) {
    throw new ShapeError(`backward: gradOutput ${fmtShape(gradOutput.shape)} does not match output ${fmtShape(root.shape)}`);
  }
  const { onesLike, add, copy, copyInto } = gradPrimitives();
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradOutput ?? onesLike(root));
    for (const t of topoOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      if (!t.node) {
        // Leaf gradients outlive the scope (gradient accumulation). The first one is a view of the
        // computed gradient (its own Tensor object, sharing the immutable storage: nothing writes a gradient
        // in place) instead of a copy, one dispatch per parameter per step less. Copied only when it could
        // change under us: the caller's gradOutput, or storage shared with the leaf itself.
        const prev = t.grad;
        // A leaf in an optimiser arena (gradSlot) gets it copied into its slot (a buffer copy, no dispatch), so the
        // optimiser's one dispatch reads every gradient from one buffer.
        const slot = t.gradSlot && !t.gradSlot.isDisposed ? t.gradSlot : null;
        const fresh = (): Tensor => (slot ? copyInto(g, slot.view(slot.shape)) : g === gradOutput || g.storage === t.storage ? copy(g) : g.view(g.shape));
        t.grad = keep(prev ? add(prev, g) : fresh());
        prev?.dispose();
        continue;
      }
      const into = t.node.sumsInto ? gathered(t.node.inputs, grads) : undefined;
      const inGrads = t.node.backward(g, into);
      t.node.inputs.forEach((inp, i) => {
        const gi = inGrads[i];
        if (!gi || !inp.requiresGrad) return;
        if (!shapesEqual(gi.shape, inp.shape)) {
          throw new ShapeError(`backward of ${t.node!.op}: gradient for input ${i} has shape ${fmtShape(gi.shape)}, input has ${fmtShape(inp.shape)}`);
        }
        const prev = grads.get(inp);
        // A summing rule's gradient already includes `prev` where it was handed over.
        grads.set(inp, prev && !into?.[i] ? add(prev, gi) : gi);
      });
    }
  });
}

/** Clear (and free) `.grad` on the given leaves. */
export function zeroGrad(params: readonly Tensor[]): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}
