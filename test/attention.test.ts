/**
 * Fused multi-head attention core (kernels/attention.wgsl) vs the float64 CPU reference, its gradients by
 * finite differences, and nn.MultiHeadAttention on the fused path vs the composed form's reference.
 */
import { describe, expect, it } from 'vitest';
import * as E from '../src/ops/elementwise.js';
import { multiHeadAttentionCore, type AttentionKernel } from '../src/ops/attention.js';
import { subgroupBlock } from '../src/ops/gemm-config.js';
import { cpuMultiHeadAttention, cpuMultiHeadAttentionCore, cpuMultiHeadAttentionCoreGrads } from '../src/ops/cpu/attention.js';
import { cpu } from '../src/ops/cpu/array.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import { backward } from '../src/autograd/tape.js';
import { tidy } from '../src/tensor/scope.js';
import { sum } from '../src/ops/reduce.js';
import { MultiHeadAttention } from '../src/nn/index.js';
import { Rng } from '../src/util/rng.js';
import { allClose, getRuntime, randomData } from './helpers.js';

const f32 = (a: Float64Array): Float64Array => a.map(Math.fround);

// Both kernel families where the adapter has subgroups (lavapipe does), else the plain one only.
async function kernels(): Promise<AttentionKernel[]> {
  return subgroupBlock(await getRuntime()) === null ? ['plain'] : ['plain', 'subgroup'];
}

describe('multiHeadAttentionCore (fused, token layout)', () => {
  // [B, T, heads, dh]: odd sizes, one token, one head, the widest head, UMHA's shape; T = 9 and 17 leave a
  // partly filled subgroup of rows, dh = 9 / 12 / 63 a partly filled lane share.
  const cases: [number, number, number, number][] = [[3, 5, 2, 3], [2, 17, 4, 8], [1, 1, 1, 64], [4, 3, 3, 1], [32, 16, 8, 32], [3, 9, 2, 9], [2, 8, 1, 63], [1, 11, 3, 12]];
  it('forward matches the float64 reference (both kernels; outputs start as NaN)', async () => {
    const rt = await getRuntime();
    for (const kernel of await kernels()) {
      for (const [B, T, H, dh] of cases) {
        const shape = [B, T, H * dh], n = B * T * H * dh;
        const [q, k, v] = [1, 2, 3].map((s) => f32(randomData(n, s * 100 + n, -2, 2)));
        const want = cpuMultiHeadAttentionCore(cpu(q!, shape), cpu(k!, shape), cpu(v!, shape), H).data;
        const ts = [q!, k!, v!].map((d) => E.fromArray(rt, d, shape));
        const y = multiHeadAttentionCore(ts[0]!, ts[1]!, ts[2]!, H, undefined, kernel);
        expect(allClose(await y.read(), want, 1e-5, 1e-4), `${kernel}: B ${B} T ${T} H ${H} dh ${dh}`).toMatchObject({ ok: true });
        for (const t of [...ts, y]) t.dispose();
      }
    }
  });

  it('gradients of both kernels match the float64 reference of the backward (odd sizes, outputs start as NaN)', async () => {
    const rt = await getRuntime();
    for (const kernel of await kernels()) {
      for (const [B, T, H, dh] of [[3, 9, 2, 9], [2, 17, 4, 8], [1, 11, 3, 12], [32, 16, 8, 32]] as const) {
        const shape = [B, T, H * dh], n = B * T * H * dh;
        const [q, k, v, w] = [1, 2, 3, 4].map((s) => f32(randomData(n, s * 31 + n, -1.5, 1.5)));
        const want = cpuMultiHeadAttentionCoreGrads(cpu(q!, shape), cpu(k!, shape), cpu(v!, shape), cpu(w!, shape), H).map((a) => a.data);
        const ts = [q!, k!, v!].map((d) => E.fromArray(rt, d, shape));
        const wt = E.fromArray(rt, w!, shape);
        for (const t of ts) t.requiresGrad = true;
        tidy(() => backward(sum(E.mul(multiHeadAttentionCore(ts[0]!, ts[1]!, ts[2]!, H, undefined, kernel), wt))));
        for (let a = 0; a < 3; a++) {
          expect(allClose(await ts[a]!.grad!.read(), want[a]!, 1e-5, 1e-4), `${kernel} d${'qkv'[a]}: B ${B} T ${T} H ${H} dh ${dh}`).toMatchObject({ ok: true });
        }
        for (const t of [...ts, wt]) { t.grad?.dispose(); t.dispose(); }
      }
    }
  });

  it('subgroup kernel: gradcheck q, k, v where a row chunk and a lane share are partly filled', async () => {
    const rt = await getRuntime();
    if (subgroupBlock(rt) === null) return;
    const [B, T, H, dh] = [2, 9, 2, 5];
    const shape = [B, T, H * dh], n = B * T * H * dh;
    const r = await gradcheck({
      rt,
      inputs: [1, 2, 3].map((s) => ({ shape, data: randomData(n, 90 + s, -1.5, 1.5) })),
      gpu: (q, k, v) => multiHeadAttentionCore(q, k, v, H, undefined, 'subgroup'),
      cpu: (q, k, v) => cpuMultiHeadAttentionCore(cpu(q, shape), cpu(k, shape), cpu(v, shape), H).data,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('an explicit scale is used (large logits stay finite)', async () => {
    const rt = await getRuntime();
    const shape = [2, 6, 8], n = 96;
    const [q, k, v] = [4, 5, 6].map((s) => f32(randomData(n, s, -3, 3)));
    const want = cpuMultiHeadAttentionCore(cpu(q!, shape), cpu(k!, shape), cpu(v!, shape), 2, 40).data;
    const ts = [q!, k!, v!].map((d) => E.fromArray(rt, d, shape));
    const y = multiHeadAttentionCore(ts[0]!, ts[1]!, ts[2]!, 2, 40);
    expect(allClose(await y.read(), want, 1e-5, 1e-4)).toMatchObject({ ok: true });
    for (const t of [...ts, y]) t.dispose();
  });

  for (const [B, T, H, dh] of [[2, 3, 2, 2], [1, 4, 1, 3]] as const) {
    it(`gradcheck q, k, v (B ${B}, T ${T}, heads ${H}, dh ${dh})`, async () => {
      const rt = await getRuntime();
      const shape = [B, T, H * dh], n = B * T * H * dh;
      const r = await gradcheck({
        rt,
        inputs: [1, 2, 3].map((s) => ({ shape, data: randomData(n, 70 + s, -1.5, 1.5) })),
        gpu: (q, k, v) => multiHeadAttentionCore(q, k, v, H),
        cpu: (q, k, v) => cpuMultiHeadAttentionCore(cpu(q, shape), cpu(k, shape), cpu(v, shape), H).data,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    });
  }

  it('rejects mismatched shapes, heads that do not divide d, and heads wider than the kernel takes', async () => {
    const rt = await getRuntime();
    const a = E.fromArray(rt, randomData(24, 1), [2, 3, 4]);
    const b = E.fromArray(rt, randomData(24, 2), [3, 2, 4]);
    const wide = E.fromArray(rt, randomData(2 * 65, 3), [1, 2, 65]);
    expect(() => multiHeadAttentionCore(a, b, a, 2)).toThrow(/k \[3, 2, 4\] must have q's shape \[2, 3, 4\]/);
    expect(() => multiHeadAttentionCore(a, a, a, 3)).toThrow(/heads must be a positive integer dividing d = 4/);
    expect(() => multiHeadAttentionCore(wide, wide, wide, 1)).toThrow(/head width 65 exceeds 64/);
    for (const t of [a, b, wide]) t.dispose();
  });
});

describe('nn.MultiHeadAttention on the fused path', () => {
  it('forward equals the reference; output and parameter gradients equal the composed path (a zero mask forces it)', async () => {
    const rt = await getRuntime();
    const [B, T, d, H] = [3, 7, 12, 4];
    const mha = new MultiHeadAttention(rt, d, H, { rng: new Rng(5) });
    const sd = await mha.stateDict();
    const get = (p: string) => ({ w: sd[`${p}.weight`]!.data, b: sd[`${p}.bias`]?.data ?? null });
    const xd = f32(randomData(B * T * d, 9, -1, 1));
    const want = cpuMultiHeadAttention(cpu(xd, [B, T, d]), { q: get('q'), k: get('k'), v: get('v'), o: get('o') }, H).data;
    const x = E.fromArray(rt, xd, [B, T, d]);
    const zeroMask = E.fromArray(rt, new Float32Array(T * T), [T, T]);
    const wgt = E.fromArray(rt, randomData(B * T * d, 10, -1, 1), [B, T, d]);
    const run = async (mask?: typeof zeroMask): Promise<{ y: Float32Array; grads: Float32Array[] }> => {
      const y = tidy(() => {
        const out = mha.forward(x, mask);
        backward(sum(E.mul(out, wgt)));
        return out;
      });
      const grads = await Promise.all(mha.parameters().map((p) => p.grad!.read()));
      for (const p of mha.parameters()) { p.grad!.dispose(); p.grad = null; }
      const data = await y.read();
      y.dispose();
      return { y: data, grads };
    };
    const fused = await run();
    const composed = await run(zeroMask);
    expect(allClose(fused.y, want, 1e-5, 1e-4)).toMatchObject({ ok: true });
    expect(allClose(fused.y, composed.y, 1e-6, 1e-5)).toMatchObject({ ok: true });
    fused.grads.forEach((g, i) => expect(allClose(g, composed.grads[i]!, 1e-5, 1e-4), `parameter ${i}`).toMatchObject({ ok: true }));
    for (const t of [x, zeroMask, wgt]) t.dispose();
    mha.dispose();
  });
});
