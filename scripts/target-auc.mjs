// How well each similarity target separates same-class from different-class pairs on the embedded Wikipedia
// training set (issue 12: why JSGHCA's AWM target trails DJSRH's β-mix). For random training batches of 32
// (seeded), the target S is built by the models' own code (jointTarget, GPU) and scored by the AUC of its
// off-diagonal entries: P(S[a,b] > S[c,d]) for a pair sharing a label vs a pair sharing none. Labels are not
// used by any model here; this is a diagnostic only (no test-set rows are read).
// Build first (npx tsc -p tsconfig.json), then: node scripts/target-auc.mjs [batches = 100] [seed = 7]
import { createNodeRuntime, fromArray, gatherRows, Rng } from '../dist/src/node.js';
import { protocolDataset } from './lib/protocol.mjs';
import { jointTarget } from '../dist/src/models/common/targets.js';
import { shouldRescaleCosine } from '../dist/src/models/common/rescale.js';

const batches = Number(process.argv[2] ?? 100), seed = Number(process.argv[3] ?? 7), m = 32;
const rt = await createNodeRuntime();
const ds = protocolDataset(1);
const tr = ds.splits.train;
const image = gatherRows(ds.image, ds.imageDim, tr), text = gatherRows(ds.text, ds.textDim, tr), labels = gatherRows(ds.labels, ds.numLabels, tr);
// The rescale the paired models pick for these features under rescale 'auto' (PairedHashModel.prepare).
const rescaleImage = shouldRescaleCosine(image, ds.imageDim), rescaleText = shouldRescaleCosine(text, ds.textDim);
const base = { beta: 0.5, eta: 0.4, mu: 1.5, rescaleImage, rescaleText };
const TARGETS = {
  'S_I only (JSGHCA-1)': { fusion: 'image' },
  'S_T only (JSGHCA-2)': { fusion: 'text' },
  'β-mix β .3 (DJSRH default)': { fusion: 'beta', beta: 0.3 },
  'β-mix β .5 (JSGHCA-3)': { fusion: 'beta', beta: 0.5 },
  'β-mix β .6': { fusion: 'beta', beta: 0.6 },
  'AWM Eq. 5 (JSGHCA default)': { fusion: 'awm' },
  'AWM Alg. 1': { fusion: 'awm-alg1' },
};

/** AUC of the off-diagonal entries of S [m×m]: pairs sharing a label vs pairs sharing none (ties count ½). */
function auc(S, lab) {
  const pos = [], neg = [];
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
    if (a === b) continue;
    let share = false;
    for (let c = 0; c < ds.numLabels; c++) if (lab[a * ds.numLabels + c] > 0 && lab[b * ds.numLabels + c] > 0) share = true;
    (share ? pos : neg).push(S[a * m + b]);
  }
  if (!pos.length || !neg.length) return null;
  const all = [...pos.map((v) => [v, 1]), ...neg.map((v) => [v, 0])].sort((x, y) => x[0] - y[0]);
  let sumPos = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const midRank = (i + 1 + j) / 2; // ties share their mean rank
    for (let t = i; t < j; t++) if (all[t][1]) sumPos += midRank;
    i = j;
  }
  return (sumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

const rng = new Rng(seed);
const sums = Object.fromEntries(Object.keys(TARGETS).map((k) => [k, 0]));
let used = 0;
for (let t = 0; t < batches; t++) {
  const rows = Array.from({ length: m }, () => rng.int(tr.length));
  const lab = gatherRows(labels, ds.numLabels, rows);
  const I = fromArray(rt, gatherRows(image, ds.imageDim, rows), [m, ds.imageDim]), T = fromArray(rt, gatherRows(text, ds.textDim, rows), [m, ds.textDim]);
  const scores = {};
  for (const [name, c] of Object.entries(TARGETS)) {
    const S = jointTarget(I, T, { ...base, ...c });
    scores[name] = auc(await S.read(), lab);
    S.dispose();
  }
  I.dispose();
  T.dispose();
  if (Object.values(scores).some((v) => v === null)) continue;
  for (const [k, v] of Object.entries(scores)) sums[k] += v;
  used++;
}
console.log(`Wikipedia training set, ${used} batches of ${m} (seed ${seed}); rescale image ${rescaleImage}, text ${rescaleText}`);
console.log('| target S (μ((1−η)S̃ + ηS̃S̃ᵀ/m)) | AUC same-label vs different-label pairs |\n|---|---|');
for (const [k, v] of Object.entries(sums)) console.log(`| ${k} | ${(v / used).toFixed(3)} |`);
await rt.destroy();
