/**
 * Run records carry the settings they trained with (scripts/lib/run-settings.mjs), and the results driver refuses a
 * table cell whose seeds trained with different settings — the mix-up JSGHCA's ablation rows had (seed 1 trained
 * jointly, seeds 2–3 staged, after the default changed under a variant that did not pin it).
 */
import { describe, expect, it } from 'vitest';
import { canonical, mixedSettings, settingsOf } from '../scripts/lib/run-settings.mjs';
import { createModel } from '../src/models/registry.js';
import { getRuntime } from './helpers.js';

const rt = await getRuntime();
const dims = { imageDim: 12, textDim: 7, numLabels: 3 };
const settingsFor = async (config: Record<string, unknown>, seed: number) => {
  const m = await createModel('jsghca', rt, { bits: 16, seed, dims, config: { hidden: 16, ...config } });
  const s = settingsOf(m.info.config);
  m.dispose();
  return s;
};
const record = (seed: number, settings: unknown, commit = 'c') => ({ model: 'jsghca@x', variant: 'x', bits: 64, seed, settings, machine: { commit }, protocol: { epochs: 200, patience: 10, evalEvery: 1 } });

describe('run settings', () => {
  it("are the model's merged config less the seed: equal across seeds, different when a default under the variant differs", async () => {
    const [a1, a2] = [await settingsFor({ ablation: '6' }, 1), await settingsFor({ ablation: '6' }, 2)];
    expect(canonical(a1)).toBe(canonical(a2));
    expect(a1).not.toHaveProperty('seed');
    const joint = await settingsFor({ ablation: '6', imageOnlyEpochs: 0, textOnlyEpochs: 0 }, 1);
    expect(canonical(joint)).not.toBe(canonical(a1));
  });
  it('canonical JSON ignores key order, nested too', () => {
    expect(canonical({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 2 } })).toBe(canonical({ a: { c: 2, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });
  it('finds the cells whose seeds disagree, and only those', () => {
    const staged = { imageOnlyEpochs: 5, textOnlyEpochs: 5 }, joint = { textOnlyEpochs: 0, imageOnlyEpochs: 0 };
    const mixed = mixedSettings([record(1, joint, 'af61624'), record(2, staged, '1325d8e'), record(3, { textOnlyEpochs: 5, imageOnlyEpochs: 5 }, '1325d8e')]);
    expect(mixed).toEqual([{ cell: 'jsghca@x | x | 64 bits | e200p10v1', groups: [{ seeds: [1], commits: ['af61624'] }, { seeds: [2, 3], commits: ['1325d8e'] }] }]);
    // records made before settings were recorded are not compared; another length is another cell
    expect(mixedSettings([record(1, undefined), record(2, staged), { ...record(3, joint), bits: 32 }])).toEqual([]);
  });
});
