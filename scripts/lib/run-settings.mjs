// What a run actually trained with, so that a table cell never averages runs of different settings. A variant's
// config lists only its overrides; when a model's default changes, a variant that does not pin that key changes
// meaning between seeds run before and after (JSGHCA's ablations: seed 1 trained jointly, seeds 2–3 staged).
// Each run record carries `settings` (the model's merged config at creation, less the seed) and the driver refuses
// to render a cell whose records disagree.
import { protocolKey } from './protocol-key.mjs';

/** The settings of a model at creation: its merged config (defaults + overrides, bits, dims), less the seed. */
export const settingsOf = (config) => {
  const { seed: _seed, ...rest } = config;
  return rest;
};

/** JSON with object keys sorted, so equal settings compare equal whatever their key order. */
export const canonical = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

/**
 * Cells (model, variant, bits, protocol) whose records with `settings` disagree: [{ cell, groups: [{ seeds, commits }] }].
 * Records without `settings` (made before it was recorded) are not compared.
 */
export function mixedSettings(records) {
  const cells = new Map();
  for (const r of records) {
    if (!r.settings) continue;
    const cell = `${r.model} | ${r.variant} | ${r.bits} bits | ${protocolKey(r.protocol)}`;
    const bySettings = cells.get(cell) ?? new Map();
    const key = canonical(r.settings);
    bySettings.set(key, [...(bySettings.get(key) ?? []), r]);
    cells.set(cell, bySettings);
  }
  return [...cells].filter(([, g]) => g.size > 1)
    .map(([cell, g]) => ({ cell, groups: [...g.values()].map((rs) => ({ seeds: rs.map((r) => r.seed), commits: [...new Set(rs.map((r) => r.machine?.commit))] })) }));
}
