// The rows of the committed results tables, in order — one list for the driver (scripts/results.mjs renders them
// after every run, next to whatever that run trained) and for the README generator (scripts/readme-results.mjs),
// which refers to them by these keys: a model (its selected variant) or model@variant (an earlier default or an
// ablation, as a labelled row).
export const TABLE_ROWS = [
  'cca-itq', 'cca-itq@unscaled', 'cmfh', 'scm-seq', 'ridge-itq',
  'djsrh', 'djsrh@wikipedia-ref (β .3, λ .3, lr .01/.01)',
  'jsghca', 'jsghca@DJSRH-ref (λ .3, lr .01/.01)', 'jsghca@no attention (JSGHCA-6: AWM target only)',
  "jsghca@DJSRH's β-mix target (β .3) with attention",
  'umha', 'umha@no top-K neighbourhoods', 'dcmh', 'dcmh@weight decay 1e-4',
  "dcmh@weight decay 1e-4, lr halved every 40 epochs, the reference's alternating passes",
  'ssah', 'ssah@adversarial 0, lr halved every 40, reference quantisation (β 1, B with H^l)', 'ssah@adversarial 0, lr halved every 40 epochs', 'ssah@adversarial 0', 'ssah@defaults (adversarial .01)',
  'hfah', 'hfah@defaults', 'hfah@HFAH-1: label-guided base', 'hfah@HFAH-2: + hybrid attention',
  'hfah@HFAH-3: + multi-scale fusion (no reconstruction, no D1/D2)',
  'udsph', 'udsph@adversarial 0, cross-attention .1, lr halved every 40, reference quantisation (β 1, B with H^l)',
  'udsph@adversarial 0, cross-attention .1, lr halved every 40 epochs', 'udsph@adversarial 0, cross-attention .1',
  'udsph@adversarial 0', 'udsph@defaults (adversarial .01)',
];
/** The re-split's rows (64 bits only; `--resplit S`). */
export const RESPLIT_TABLE_ROWS = ['cca-itq', 'cmfh', 'scm-seq', 'ridge-itq', 'djsrh', 'jsghca', 'umha', 'dcmh', 'ssah',
  'ssah@adversarial 0, lr halved every 40 epochs', 'hfah', 'udsph', 'udsph@adversarial 0, cross-attention .1, lr halved every 40 epochs'];
/** Display names of the models in tables and the README. */
export const MODEL_NAMES = {
  'cca-itq': 'CCA-ITQ', cmfh: 'CMFH', 'scm-seq': 'SCM-seq', 'ridge-itq': 'ridge + ITQ', random: 'random codes',
  djsrh: 'DJSRH', jsghca: 'JSGHCA', umha: 'UMHA', dcmh: 'DCMH', ssah: 'SSAH', hfah: 'HFAH', udsph: 'UDSPH',
};
