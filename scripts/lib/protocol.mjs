/**
 * The results protocol's data and models (issue 12), shared by the driver (scripts/results.mjs) and the diagnostics
 * that must see the same split: embedded Wikipedia with LDA text, a seeded 10 % validation split carved from the
 * training items (seed = run seed), the 693 queries untouched. Build first: npx tsc -p tsconfig.json.
 */
import { loadDataset, createModel, listModels, randomSplit, carveValidation } from '../../dist/src/node.js';

/** Share of the training items held out for validation (selection and early stopping look only there). */
export const VAL_SIZE = 0.1;

/**
 * The protocol's dataset for a run seed. `resplit` S (the re-split check) redraws the query and retrieval sets from
 * all items with seed S, same sizes as the standard split, then carves the validation split the same way.
 */
export function protocolDataset(seed, { resplit = null } = {}) {
  const ds = loadDataset('default', { text: 'lda', valSize: VAL_SIZE, valSeed: seed });
  if (resplit !== null) {
    const s = randomSplit(ds.n, { numQuery: ds.splits.query.length, numTrain: ds.splits.retrieval.length, seed: resplit });
    const { train, val } = carveValidation(s.train, VAL_SIZE, seed);
    ds.splits = { query: s.query, retrieval: s.retrieval, train, val };
  }
  return ds;
}

/** A registered model sized for `ds`, with the registry's mini-batch (the CLI's default --batch). */
export async function protocolModel(rt, name, ds, { bits, seed, config = {} }) {
  const entry = (await listModels()).find((e) => e.name === name);
  if (!entry) throw new Error(`unknown model '${name}' (${(await listModels()).map((e) => e.name).join(', ')})`);
  const dims = { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels };
  const model = await createModel(name, rt, { bits, seed, dims, batchSize: entry.batchSize, config });
  return { model, batchSize: entry.batchSize };
}
