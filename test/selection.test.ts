/**
 * Scoring of the results driver's selection records (scripts/lib/selection.mjs): a variant whose loss diverged is
 * recorded and loses the selection instead of stopping the queue, and the errors the engine raises on a diverged loss
 * are the ones recognised.
 */
import { describe, expect, it } from 'vitest';
import { bestByVal, isDivergence, meanVal, scoreOf } from '../scripts/lib/selection.mjs';
import { stepResult } from '../src/models/common/step.js';
import { train } from '../src/train/loop.js';
import type { HashModel } from '../src/models/types.js';
import { getRuntime } from './helpers.js';
import { smallDataset } from './fixtures/small-dataset.js';

const rec = (variant: string, val: number | null, diverged = false) => ({ variant, val, ...(diverged ? { diverged: true } : {}) });

describe('selection records', () => {
  it('a diverged run scores below every finished one and never wins', () => {
    expect(scoreOf(rec('a', null, true))).toBe(-Infinity);
    expect(bestByVal([rec('d', null, true), rec('a', 0.1), rec('b', 0.3), rec('c', 0.3)]).variant).toBe('b');
    expect(bestByVal([rec('d', null, true)]).variant).toBe('d');
  });
  it('mean over the selection seeds: null while a seed is missing, −∞ when one diverged', () => {
    expect(meanVal([rec('a', 0.2), rec('a', 0.4)])).toBeCloseTo(0.3, 12);
    expect(meanVal([rec('a', 0.2), undefined])).toBeNull();
    expect(meanVal([rec('a', 0.2), rec('a', null, true)])).toBe(-Infinity);
  });
  it("recognises the engine's diverged-loss errors, and nothing else", async () => {
    let modelError: unknown;
    try { stepResult('dcmh', { total: NaN, nll: 1 }); } catch (e) { modelError = e; }
    expect(isDivergence(modelError)).toBe(true);

    const rt = await getRuntime();
    const nanModel: HashModel = {
      info: { name: 'nan', bits: 8, supervised: false, config: {} },
      runtime: rt,
      namedParameters: () => new Map(),
      async trainStep() { return { loss: Number.POSITIVE_INFINITY }; },
      encode: () => { throw new Error('not used'); },
      dispose: () => {},
    };
    const loopError = await train(nanModel, smallDataset(), { epochs: 1, batchSize: 32, seed: 1, evalEvery: 0, patience: 0 }).catch((e: unknown) => e);
    expect(isDivergence(loopError), String(loopError)).toBe(true);

    for (const other of [new Error('dcmh: prepare() was not called'), new Error('ENOSPC: no space left on device'), 'loss is fine']) expect(isDivergence(other)).toBe(false);
  });
});
