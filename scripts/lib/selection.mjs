// Scoring of selection records (scripts/results.mjs): one place for how a variant's validation runs compare,
// including a run whose loss diverged (recorded with `diverged: true`, no validation mAP).

/** A selection record's validation mAP; a run that diverged scores below every finished one. */
export const scoreOf = (r) => (r.diverged ? -Infinity : r.val);

/** The selection record with the best validation mAP (the first one on ties). */
export const bestByVal = (rs) => rs.reduce((b, r) => (scoreOf(r) > scoreOf(b) ? r : b));

/** Mean validation mAP of a variant's records over the selection seeds (null when a seed is missing). */
export const meanVal = (rs) => (rs.some((r) => !r) ? null : rs.reduce((t, r) => t + scoreOf(r), 0) / rs.length);

/** Whether a training error is a diverged loss (the training loop's and the models' non-finite-loss checks). */
export const isDivergence = (e) => /loss (became|is) (NaN|-?Infinity)\b/.test(String(e?.message ?? e));
