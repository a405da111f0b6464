// Issue 12's bar, one definition for the driver's tables (scripts/results.mjs) and the README (scripts/readme-results.mjs):
// each deep model's mean mAP@all against CCA-ITQ (unsupervised) or the better shallow supervised baseline, per code
// length and direction.
export const BAR_REFERENCES = { unsupervised: ['cca-itq'], supervised: ['scm-seq', 'ridge-itq'] };

/**
 * The baseline a deep model is held to at `bits` in direction `dir` ('i2t' | 't2i'): the best mean mAP@all among its
 * references in `tableModels` (tables.json's `models`). { key, stat } or null when none has run.
 */
export function barBaseline(tableModels, supervised, bits, dir) {
  return BAR_REFERENCES[supervised ? 'supervised' : 'unsupervised']
    .map((key) => ({ key, stat: tableModels[key]?.[bits]?.[`${dir}.mapAll`] }))
    .filter((r) => r.stat)
    .sort((p, q) => q.stat.mean - p.stat.mean)[0] ?? null;
}
