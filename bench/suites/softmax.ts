/**
 * Row softmax on [64, 512, 512] (attention-sized rows): our barrier-free one-invocation-per-row kernel
 * against tfjs-webgpu's softmax on the same adapter, plus the fused scale+mask variant against tfjs
 * doing the same with separate ops, and our backward. GB/s counts one read of x and one write of y
 * (plus the gradient read for the backward).
 */
import { fromArray } from '../../src/ops/elementwise.js';
import { softmaxBackwardRaw, softmaxRaw } from '../../src/ops/softmax.js';
import { tidy } from '../../src/tensor/scope.js';
import { Rng } from '../../src/util/rng.js';
import { measure } from '../lib/measure.js';
import { loadTfjsWebgpu } from '../lib/tfjs.js';
import type { BenchContext, ResultRow, Suite } from '../lib/types.js';

const gbps = (bytes: number, ms: number): number => bytes / ms / 1e6;

export const softmaxSuite: Suite = {
  name: 'softmax',
  description: 'row softmax over the last axis of [64,512,512] (plain, fused scale+mask, backward) vs tfjs-webgpu',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const { rt, args } = ctx;
    const shape = args.quick ? [4, 128, 128] : [64, 512, 512];
    const [B, T, C] = shape as [number, number, number];
    const n = B * T * C;
    const label = `[${shape.join(',')}]`;
    const rng = new Rng(1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.uniform(-4, 4);
    const maskData = new Float32Array(T * C);
    for (let i = 0; i < T; i++) for (let j = 0; j < C; j++) maskData[i * C + j] = j > i ? -1e9 : 0; // causal
    const x = fromArray(rt, data, shape);
    const mask = fromArray(rt, maskData, [T, C]);
    const y = softmaxRaw(x);
    const scale = 1 / Math.sqrt(64);
    const opts = { timeMs: args.timeMs };
    const rows: ResultRow[] = [];
    const add = (c: string, impl: string, m: { medianMs: number; samples: number }, bytes: number, note?: string): void => {
      rows.push({ case: c, impl, medianMs: m.medianMs, samples: m.samples, gbps: gbps(bytes, m.medianMs), note });
      ctx.log(`${c} ${impl}: ${m.medianMs.toFixed(1)} ms, ${gbps(bytes, m.medianMs).toFixed(2)} GB/s`);
    };

    const ours = async (f: () => unknown): Promise<void> => {
      tidy(() => { f(); });
      await rt.sync();
    };
    add(`softmax ${label}`, 'cmhash softmax (row per invocation)', await measure('ours softmax', () => ours(() => softmaxRaw(x)), opts), 8 * n);
    add(`softmax(scale·x + causal mask) ${label}`, 'cmhash softmax fused scale+mask',
      await measure('ours masked', () => ours(() => softmaxRaw(x, { scale, mask })), opts), 8 * n, 'mask [T,T] broadcast');
    add(`softmax backward ${label}`, 'cmhash softmax_backward',
      await measure('ours backward', () => ours(() => softmaxBackwardRaw(y, x, 1)), opts), 12 * n, 'reads y and dy, writes dx');

    try {
      const peer = await loadTfjsWebgpu();
      const { tf } = peer;
      const tx = tf.tensor(data, shape);
      const tm = tf.tensor(maskData, [T, C]);
      const impl = `tfjs-webgpu ${peer.version}`;
      const theirs = async (f: () => { dispose(): void }): Promise<void> => {
        const out = f();
        await peer.sync();
        out.dispose();
      };
      add(`softmax ${label}`, impl, await measure('tfjs softmax', () => theirs(() => tf.softmax(tx)), opts), 8 * n);
      add(`softmax(scale·x + causal mask) ${label}`, impl,
        await measure('tfjs masked', () => theirs(() => tf.tidy(() => tf.softmax(tf.add(tf.mul(tx, scale), tm)))), opts), 8 * n, 'mul + add + softmax');
      tx.dispose();
      tm.dispose();
    } catch (e) {
      ctx.log(`tfjs-webgpu peer unavailable: ${(e as Error).message}`);
      rows.push({ case: `softmax ${label}`, impl: 'tfjs-webgpu', medianMs: NaN, samples: 0, note: `unavailable: ${(e as Error).message}` });
    }
    x.dispose();
    mask.dispose();
    y.dispose();
    return rows;
  },
};
