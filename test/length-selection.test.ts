/**
 * SSAH's and UDSPH's quantisation is selected per code length on validation (scripts/lib/selection.mjs
 * LENGTH_SELECTION); the models' defaults must be those winners, computed here from the committed run records, so
 * that `cmhash train --model ssah --bits 16` alone gives the selected model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LENGTH_SELECTION, bestMean, isVariantRun } from '../scripts/lib/selection.mjs';
import { sameProtocolAs } from '../scripts/lib/protocol-key.mjs';
import { createModel } from '../src/models/registry.js';
import { getRuntime } from './helpers.js';

type Rec = { model: string; variant: string; bits: number; seed: number; val: number | null; config: Record<string, unknown>; protocol?: unknown };
const lines = (p: string): Rec[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
const protocol = (JSON.parse(readFileSync('results/tables.json', 'utf8')) as { protocol: unknown }).protocol;
// Selection records carry no protocol (made under the standard one); main runs must be of the standard protocol.
const records = [...lines('results/selection.jsonl'), ...lines('results/runs.jsonl').filter(sameProtocolAs(protocol))];
const rt = await getRuntime();
const dims = { imageDim: 128, textDim: 10, numLabels: 10 };
const quantisation = (c: Record<string, unknown>) => ({ beta: c.beta, codeMatrix: c.codeMatrix });

describe('per-length selection of the quantisation', () => {
  for (const [model, rule] of Object.entries(LENGTH_SELECTION) as [string, { bits: number[]; seeds: number[]; variants: string[] }][]) {
    for (const bits of rule.bits) {
      it(`${model} at ${bits} bits: the default is the validation winner over seeds ${rule.seeds.join(', ')}`, async () => {
        const recOf = (variant: string, seed: number) => records.find((r) => isVariantRun(r, model, variant, bits, seed)) ?? null;
        const winner = bestMean(rule.variants.map((name) => ({ name })), rule.seeds, recOf) as { name: string } | null;
        expect(winner, 'every variant has a record at every seed').not.toBeNull();
        const m = await createModel(model, rt, { bits, seed: 1, dims });
        // The variant's quantisation as its records spell it (records made before it was pinned in the config lack it).
        const spelled = rule.seeds.map((seed) => recOf(winner!.name, seed)!.config).find((c) => 'beta' in c && 'codeMatrix' in c);
        expect(spelled, `a record of '${winner!.name}' names β and B`).toBeDefined();
        expect(quantisation(m.info.config)).toEqual(quantisation(spelled!));
        m.dispose();
      });
    }
  }
  it('at 64 and 128 bits both keep the reference quantisation (the 64-bit selection; ours never left chance at 128)', async () => {
    for (const model of ['ssah', 'udsph']) for (const bits of [64, 128]) {
      const m = await createModel(model, rt, { bits, seed: 1, dims });
      expect(quantisation(m.info.config), `${model} ${bits}`).toEqual({ beta: 1, codeMatrix: 'label+modalities' });
      m.dispose();
    }
  });
});
