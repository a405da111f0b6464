import { describe, expect, it } from 'vitest';
import { render, summary, type ResultFile } from '../bench/render.js';

const env = {
  date: '2026-11-23T11:05:00.000Z', adapter: 'mesa / software / llvmpipe', driver: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)', backend: 'vulkan',
  cpu: 'AMD EPYC', cores: 2, node: 'v20', webgpu: '0.6.2', gitCommit: 'abc1234', quick: false, niceMainThread: true, loadavgAtStart: [0.5], loadavgAtEnd: [0.7],
};

const softmax: ResultFile = {
  suite: 'softmax', ...env,
  rows: [
    { case: 'softmax [4,8]', impl: 'cmhash softmax', medianMs: 10, samples: 5 },
    { case: 'softmax [4,8]', impl: 'tfjs-webgpu 4.22.0', medianMs: 40, samples: 5, note: 'a | b' },
  ],
};
const train: ResultFile = {
  suite: 'train', ...env,
  rows: [
    { case: 'jsghca 64 bits, batch 32', impl: 'cmhash (vulkan)', medianMs: 20, samples: 61, extra: { model: 'jsghca', batchSize: 32, batchSource: 'MODELS.md', epochMs: 1200, stepsPerEpoch: 61, profile: { gpuMs: 15, dispatches: 100, kernels: [{ kernel: 'gemm_sg#main', dispatches: 16, totalMs: 9, meanUs: 560, share: 0.6 }] } } },
    { case: 'jsghca 64 bits, batch 32', impl: 'PyTorch 1.13 CPU (1 threads)', medianMs: 10, samples: 61 },
    { case: 'umha 64 bits, batch 32', impl: 'cmhash', medianMs: NaN, samples: 0, note: 'missing: not in this build yet' },
  ],
};

const HAND = '# Benchmarks\n\n## Softmax\n\nPrediction: 5× faster than tfjs. Outcome: see below.\n\n| hand | table |\n|---|---|\n| kept | verbatim |\n\n## Other notes\n\nHand-written.\n';

describe('bench/render: BENCHMARKS.md from the JSON results', () => {
  it('keeps every hand-written line and places each block in its suite section', () => {
    const out = render(HAND, [softmax, train]);
    for (const line of HAND.split('\n')) expect(out).toContain(line);
    const iSoftmax = out.indexOf('## Softmax'), iBlock = out.indexOf('<!-- bench:begin softmax -->'), iOther = out.indexOf('## Other notes');
    expect(iSoftmax).toBeLessThan(iBlock);
    expect(iBlock).toBeLessThan(iOther);
    // No train section by hand: a new one at the end; the summary right after the title.
    expect(out.indexOf('<!-- bench:begin train -->')).toBeGreaterThan(iOther);
    expect(out.indexOf('<!-- bench:begin summary -->')).toBeLessThan(iSoftmax);
    expect(out).toContain('a \\| b');
  });

  it('replaces the generated blocks on a re-run instead of adding new ones', () => {
    const once = render(HAND, [softmax, train]);
    const faster: ResultFile = { ...softmax, rows: [{ ...softmax.rows[0]!, medianMs: 5 }, softmax.rows[1]!] };
    const twice = render(once, [faster, train]);
    expect(twice.split('<!-- bench:begin softmax -->').length).toBe(2);
    expect(twice.split('<!-- bench:begin summary -->').length).toBe(2);
    expect(twice).toContain('**8.00×** faster');
    expect(twice).not.toContain('**4.00×** faster');
    expect(render(twice, [faster, train])).toBe(twice);
  });

  it('summarises ours against each peer, slower ratios and missing models included', () => {
    const s = summary([softmax, train]);
    expect(s).toContain('| softmax | softmax [4,8] | 10.0 | tfjs-webgpu 4.22.0 | 40.0 | **4.00×** faster |');
    expect(s).toContain('| train | jsghca 64 bits, batch 32 | 20.0 | PyTorch 1.13 CPU (1 threads) | 10.0 | **0.50×** (2.0× slower) |');
    expect(s).toContain('missing: not in this build yet');
    expect(s).toContain('PyTorch 1.13');
  });
});

describe('bench/render: sections written by hand after a generated one', () => {
  it('moves a block from its generated section into the hand-written one and drops the empty section', () => {
    const first = render('# Benchmarks\n\n## Other notes\n\nHand-written.\n', [train]);
    expect(first).toContain('## Training step and epoch (train suite)');
    const withHand = `${first}\n## Training vs PyTorch (train suite)\n\nWhy the step is slow: notes.\n`;
    const out = render(withHand, [train]);
    expect(out).not.toContain('## Training step and epoch (train suite)');
    expect(out.split('<!-- bench:begin train -->').length).toBe(2);
    expect(out.indexOf('Why the step is slow')).toBeLessThan(out.indexOf('<!-- bench:begin train -->'));
    expect(out.indexOf('## Training vs PyTorch (train suite)')).toBeLessThan(out.indexOf('Why the step is slow'));
    expect(out).toContain('## Other notes\n\nHand-written.');
    expect(render(out, [train])).toBe(out);
  });
});
