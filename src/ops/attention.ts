/**
 * Scaled dot-product attention over heads, read and written in place in the token layout [B, T, H·dh]
 * (the Q/K/V projections' output): softmax(scale·q_h k_hᵀ) v_h for every item and head, without the
 * [B, T, H, dh] ↔ [B, H, T, dh] permutes, batched GEMMs and separate softmax of the composed form. One
 * kernel family (kernels/attention.wgsl): the forward saves the row log-sum-exp; the backward recomputes
 * the probabilities from it (one dispatch for dq, one for dk and dv). On lavapipe the permute copies alone
 * cost more than the whole fused forward (UMHA: 16 copies per step at ≈ 2–7 ms each).
 * On adapters with a fixed subgroup size of 4 or 8 (lavapipe: 8) the kernels of attention_sg.wgsl run instead:
 * the lanes of a workgroup share one (item, head), and the rows they all read are loaded once per subgroup
 * and broadcast, since lavapipe turns every lane-divergent load into a per-lane loop.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/tape.js';
import { launch } from './launch.js';
import { checkSameRuntime, checkTensor } from './validate.js';
import { subgroupBlock } from './gemm-config.js';

/** Largest head width the fused kernels take (their per-invocation accumulators; kernels/attention.wgsl MAX_DH). */
export const FUSED_ATTENTION_MAX_HEAD_DIM = 64;

/** Which kernel family runs: 'auto' = the subgroup kernels where the adapter allows them (tests pin one). */
export type AttentionKernel = 'auto' | 'subgroup' | 'plain';

/**
 * q, k, v: [B, T, d] with d = heads·dh (head h = columns h·dh …); returns [B, T, d] with head h's context
 * in the same columns. scale defaults to 1/√dh. Gradients for all three inputs.
 */
export function multiHeadAttentionCore(q: Tensor, k: Tensor, v: Tensor, heads: number, scale?: number, kernel: AttentionKernel = 'auto'): Tensor {
  const op = 'multiHeadAttentionCore';
  checkTensor(op, 'q', q, 'f32');
  checkTensor(op, 'k', k, 'f32');
  checkTensor(op, 'v', v, 'f32');
  checkSameRuntime(op, q, k);
  checkSameRuntime(op, q, v);
  if (q.rank !== 3) throw new ShapeError(`${op}: q must be [B, T, d], got ${fmtShape(q.shape)}`);
  for (const [name, t] of [['k', k], ['v', v]] as const) {
    if (t.rank !== 3 || t.shape.some((s, i) => s !== q.shape[i])) throw new ShapeError(`${op}: ${name} ${fmtShape(t.shape)} must have q's shape ${fmtShape(q.shape)}`);
  }
  const [B, T, d] = q.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads < 1 || d % heads !== 0) throw new RangeError(`${op}: heads must be a positive integer dividing d = ${d}, got ${heads}`);
  const dh = d / heads;
  if (dh > FUSED_ATTENTION_MAX_HEAD_DIM) throw new RangeError(`${op}: head width ${dh} exceeds ${FUSED_ATTENTION_MAX_HEAD_DIM} (use the composed form)`);
  const s = scale ?? 1 / Math.sqrt(dh);
  if (!Number.isFinite(s)) throw new RangeError(`${op}: scale must be finite, got ${s}`);
  if (kernel !== 'auto' && kernel !== 'subgroup' && kernel !== 'plain') throw new RangeError(`${op}: kernel must be 'auto', 'subgroup' or 'plain', got '${String(kernel)}'`);
  const rt = q.runtime;
  const sg = subgroupBlock(rt);
  if (kernel === 'subgroup' && sg === null) throw new RangeError(`${op}: kernel 'subgroup' needs an adapter with a fixed subgroup size of 4 or 8`);
  const rows = B * heads * T;
  const o = Tensor.empty(rt, q.shape, 'f32');
  const lse = Tensor.empty(rt, [B, heads, T], 'f32');
  const useSg = sg !== null && kernel !== 'plain';
  // The head width is a pipeline constant (DH): its loops unroll and the accumulators stay in registers.
  const run = (entry: string, buffers: (GPUBuffer | GPUBufferBinding)[]): void => {
    if (rows === 0 || dh === 0) return;
    if (useSg) {
      const chunks = Math.ceil(T / sg);
      launch(rt, 'attention_sg', buffers, { lanes: B * heads * chunks * sg, T, H: heads, d, scale: s, chunks }, { entry, constants: { DH: dh, SG: sg, WG: sg } });
    } else {
      launch(rt, 'attention', buffers, { rows, T, H: heads, d, scale: s }, { entry, constants: { DH: dh } });
    }
  };
  // attention_sg's forward also binds g (its loads share one switch over the buffers): q stands in, read only.
  run('main', [q.buffer, k.buffer, v.buffer, o.buffer, lse.buffer, ...(useSg ? [q.buffer] : [])]);
  const out = record(o, op, [q, k, v], (g) => {
    const dq = Tensor.empty(rt, q.shape, 'f32');
    const dk = Tensor.empty(rt, q.shape, 'f32');
    const dv = Tensor.empty(rt, q.shape, 'f32');
    if (useSg) {
      // dq also writes D = g·o per row; dkv reads it in o's place.
      const dRow = Tensor.empty(rt, [B, heads, T], 'f32');
      run('dq', [q.buffer, k.buffer, v.buffer, o.buffer, lse.buffer, g.buffer, dq.buffer, dRow.buffer]);
      run('dkv', [q.buffer, k.buffer, v.buffer, dRow.buffer, lse.buffer, g.buffer, dk.buffer, dv.buffer]);
      dRow.dispose();
    } else {
      const common = [q.buffer, k.buffer, v.buffer, o.buffer, lse.buffer, g.buffer];
      run('dq', [...common, dq.buffer]);
      run('dkv', [...common, dk.buffer, dv.buffer]);
    }
    return [dq, dk, dv];
  });
  // The saved log-sum-exp lives as long as the recorded node needs it (same scope as the output).
  if (!out.node) lse.dispose();
  return out;
}
