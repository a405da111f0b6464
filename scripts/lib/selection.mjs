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

/**
 * Whether run record `r` trained `variant` of `model` at `bits` with `seed`: a selection or main run of the model, or
 * its labelled `model@variant` row (the same variant, so it scores it on validation just the same).
 */
export const isVariantRun = (r, model, variant, bits, seed) => (r.model === model || r.model === `${model}@${variant}`)
  && r.variant === variant && r.bits === bits && r.seed === seed;

/** The variant (of `variants`, each { name }) with the best mean validation mAP over `seeds` (first on ties); null while a record is missing. */
export const bestMean = (variants, seeds, recOf) => {
  const scored = variants.map((v) => ({ v, val: meanVal(seeds.map((seed) => recOf(v.name, seed))) }));
  return scored.some((x) => x.val === null) ? null : scored.reduce((b, x) => (x.val > b.val ? x : b)).v;
};

/**
 * Per-length selection (session 12): at these code lengths the quantisation is selected on validation at that length
 * (mean over `seeds`) among `variants` (scripts/results.mjs GRID names) — everything else as selected at 64 bits —
 * instead of taking the 64-bit winner. SSAH's and UDSPH's reference quantisation (β 1 towards B = sign(H^l + H^x + H^y))
 * won at 64 bits and is needed at 128 (ours never left chance there), but at 16 bits validation preferred our earlier
 * β .05 towards B = sign(H^x + H^y) by a wide margin (seed 1: SSAH 0.550 vs 0.457, UDSPH 0.547 vs 0.433). The models'
 * defaults follow the winners (src/models/ssah/config.ts; test/length-selection.test.ts checks them against the records).
 */
const SSAH_QUANTISATION = ['adversarial 0, lr halved every 40, reference quantisation (β 1, B with H^l)', 'adversarial 0, lr halved every 40 epochs'];
export const LENGTH_SELECTION = {
  ssah: { bits: [16, 32], seeds: [1, 2, 3], variants: SSAH_QUANTISATION },
  udsph: { bits: [16, 32], seeds: [1, 2, 3], variants: SSAH_QUANTISATION.map((v) => v.replace('adversarial 0, ', 'adversarial 0, cross-attention .1, ')) },
};
