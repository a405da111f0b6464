/**
 * UDSPH's cross-modal attention weight (issue 12, the seed-3 "collapse"). With weight 1 the attention term's
 * gradient at the 512-d features was 13× (image) and 29× (text) that of the feature-level NLL at
 * initialisation (seed 3, embedded Wikipedia, first batch of 128): in the first epoch it pulled every
 * feature token of both modalities into one direction (mean max token cosine 0.18 → 0.85), the text codes
 * fell to 2 distinct values, and validation mAP sat near chance for ~12 epochs with one transient peak
 * (epoch 3) that early stopping (patience 10) locked onto. The default weight (0.1 [ours], docs/MODELS.md)
 * keeps the term within a few times the NLL's gradient, so the supervised terms set the direction from
 * the first step.
 */
import { describe, expect, it } from 'vitest';
import { getRuntime } from './helpers.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { tidy } from '../src/tensor/scope.js';
import { backward, noGrad, requireGrad } from '../src/autograd/tape.js';
import { add, fromArray, mulScalar } from '../src/ops/elementwise.js';
import { loadDataset } from '../src/data/node/load.js';
import { createModel } from '../src/models/registry.js';
import type { LabelGuidedModel } from '../src/models/common/label-guided.js';
import { crossAttentionLoss } from '../src/models/common/cross-attention.js';
import { labelSimilarity } from '../src/models/common/label-similarity.js';
import { pairwiseNll } from '../src/models/common/losses.js';
import { trainingSetView } from '../src/train/loop.js';
import { udsphDefaults } from '../src/models/udsph/config.js';

const rt = await getRuntime();
const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

describe('UDSPH cross-modal attention weight', () => {
  // Seed 3 is the run that stopped in its warm-up; seed 1 converged with weight 1 (but slower to start).
  for (const seed of [3, 1]) {
    it(`the weighted attention gradient at the features stays within 4× the feature NLL's at initialisation (seed ${seed})`, async () => {
      const ds = loadDataset('default', { text: 'lda', valSize: 0.1, valSeed: seed });
      const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
      const model = (await createModel('udsph', rt, { bits: 64, seed, dims, batchSize: 128 })) as LabelGuidedModel;
      await model.prepare(trainingSetView(ds));
      const cfg = model.cfg, view = trainingSetView(ds), m = 128;
      const W = (model as unknown as { labelWeights: Tensor }).labelWeights;
      // Parameters frozen: only the feature leaves below collect gradients.
      for (const p of model.namedParameters().values()) p.requiresGrad = false;
      const grads = async (term: (fx: Tensor, fy: Tensor) => Tensor): Promise<{ img: number; txt: number }> => {
        // The leaves are returned (disposing a leaf frees its gradient) and freed after the read.
        const [fx, fy] = tidy(() => {
          model.imageNet!.eval();
          model.textNet.eval();
          const ix = noGrad(() => model.imageNet!.run(fromArray(rt, view.image.subarray(0, m * view.imageDim), [m, view.imageDim], 'f32')).feat);
          const iy = noGrad(() => model.textNet.run(fromArray(rt, view.text.subarray(0, m * view.textDim), [m, view.textDim], 'f32')).feat);
          const x = requireGrad(mulScalar(ix, 1)), y = requireGrad(mulScalar(iy, 1));
          backward(term(x, y));
          return [x, y];
        });
        const out = { img: norm(await fx.grad!.read()), txt: norm(await fy.grad!.read()) };
        fx.dispose();
        fy.dispose();
        return out;
      };
      const nll = await grads((fx, fy) => {
        const L = fromArray(rt, view.labels!.subarray(0, m * view.labelDim), [m, view.labelDim], 'f32');
        const S = labelSimilarity(L, model.labelsUnique!);
        const FL = noGrad(() => model.labelNet.featuresAndCodes(model.labelsUnique!).feat);
        return mulScalar(add(pairwiseNll(S, fx, FL, W), pairwiseNll(S, fy, FL, W)), cfg.alpha);
      });
      // Both directions, as in the model's loss.
      const att = await grads((fx, fy) => mulScalar(add(
        crossAttentionLoss(fx, fy, cfg.tokenDim, cfg.attentionLambda), crossAttentionLoss(fy, fx, cfg.tokenDim, cfg.attentionLambda)), cfg.crossAttention));
      model.dispose();
      for (const k of ['img', 'txt'] as const) {
        expect(att[k] / nll[k], `${k}: attention ${att[k].toExponential(2)} vs feature NLL ${nll[k].toExponential(2)}`).toBeLessThan(4);
      }
    }, 120_000);
  }

  it('the default weight is the validated 0.1 [ours]', () => {
    expect(udsphDefaults().crossAttention).toBe(0.1);
  });
});
