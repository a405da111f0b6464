// JSGHCA diagnostic (issue 12: why JSGHCA trails DJSRH): trains jsghca (64 bits, the registry's batch (32), the
// results protocol's split: scripts/lib/protocol.mjs, no early stop) and prints per epoch the validation mAP@all (I→T / T→I) and, on the
// validation rows, what the training loss sees of each code h (h_v = Q_v ⊙ k·Ô_t, h_t = Q_t ⊙ k·Ô_v with
// Jo-Attention, else Q): top8 = share of ‖h‖² in its 8 largest bits, |B|<.3 = share of bits whose training code
// tanh(δh) is below 0.3 in size, |δh|, and partnerEffBits = exp(entropy) of the partner's attention Ô (64 = flat).
// Retrieval uses sign(Q) on all bits alike. Reads the model's protected fields (extra, delta): a diagnostic only.
// Build first (npx tsc -p tsconfig.json), then, niced on a shared machine:
//   node scripts/jsghca-attention.mjs '<model config JSON>' [epochs = 30] [seed = 1] [model = jsghca]
//   e.g. '{}' (defaults), '{"ablation":"4"}' (Jo-Attention only), '{"ablation":"5"}' (Si-Attention only)
import { createNodeRuntime, train, gatherRows } from '../dist/src/node.js';
import { protocolDataset, protocolModel } from './lib/protocol.mjs';
import { fromArray } from '../dist/src/ops/raw.js';
import { softmax } from '../dist/src/ops/softmax.js';
import { noGrad } from '../dist/src/autograd/tape.js';
import { tidy } from '../dist/src/tensor/scope.js';
const [cfgJson = '{}', epochsS = '30', seedS = '1', modelName = 'jsghca'] = process.argv.slice(2);
const rt = await createNodeRuntime();
const seed = Number(seedS);
const ds = protocolDataset(seed);
const bits = 64;
const { model: m, batchSize } = await protocolModel(rt, modelName, ds, { bits, seed, config: JSON.parse(cfgJson) });
const val = ds.splits.val;
const xi = gatherRows(ds.image, ds.imageDim, val), xt = gatherRows(ds.text, ds.textDim, val);
async function stats() {
  m.imageNet.eval(); m.textNet.eval();
  const n = val.length;
  const fwd = (net, x, d) => net.forward(fromArray(rt, x, [n, d]));
  const jo = !!(m.extra && m.extra.image[0]);
  const res = noGrad(() => tidy(() => {
    const qI = fwd(m.imageNet, xi, ds.imageDim), qT = fwd(m.textNet, xt, ds.textDim);
    return jo ? [qI, qT, softmax(m.extra.image[0].forward(qI)), softmax(m.extra.text[0].forward(qT))] : [qI, qT];
  }));
  const [qI, qT, oI, oT] = await Promise.all(res.map((t) => t.read()));
  res.forEach((t) => t.dispose());
  const delta = m.delta;
  const one = (q, o, name) => {
    // h = Q ⊙ kÔ_partner (or Q); B = tanh(δh). top8: energy share of h in its 8 largest bits; small: share of |B| < 0.3.
    let top8 = 0, small = 0, effN = 0, absQ = 0;
    for (let r = 0; r < n; r++) {
      const h = Array.from({ length: bits }, (_, j) => q[r * bits + j] * (o ? bits * o[r * bits + j] : 1));
      const sq = h.map((x) => x * x).sort((a, b) => b - a), tot = sq.reduce((a, b) => a + b, 0);
      top8 += sq.slice(0, 8).reduce((a, b) => a + b, 0) / tot;
      small += h.filter((x) => Math.abs(Math.tanh(delta * x)) < 0.3).length / bits;
      if (o) { let H = 0; for (let j = 0; j < bits; j++) { const p = o[r * bits + j]; if (p > 0) H -= p * Math.log(p); } effN += Math.exp(H); }
      for (const x of h) absQ += Math.abs(delta * x) / bits;
    }
    return `${name}: top8 ${(top8 / n).toFixed(2)} |B|<.3 ${(small / n).toFixed(2)} |δh| ${(absQ / n).toFixed(2)}${o ? ` partnerEffBits ${(effN / n).toFixed(1)}` : ''}`;
  };
  return one(qI, oT, 'img') + ' | ' + one(qT, oI, 'txt');
}
let lastEval = null;
let pending = Promise.resolve();
const t0 = Date.now();
// The loop does not await onEpoch: chain the printing so the lines come in order, and wait for the last.
const res = await train(m, ds, { epochs: Number(epochsS), batchSize, seed, evalEvery: 1, patience: 0, checkpointEvery: 0 }, {
  onEval: ({ metrics }) => { lastEval = metrics; },
  onEpoch: (rec) => {
    const v = lastEval;
    const st = stats(); // starts now (its GPU work is queued before the next step), printed in order
    pending = pending.then(async () => {
      const s = await st;
      console.log(`ep ${rec.epoch} loss ${rec.loss.toFixed(4)} val ${v.i2t.mapAll.toFixed(3)}/${v.t2i.mapAll.toFixed(3)} mean ${v.meanMap.toFixed(4)} ${s} (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
    });
  },
});
await pending;
console.log('best', JSON.stringify(res.best));
await rt.destroy();
