import type { ModelFactory } from '../registry.js';
import { UmhaModel } from './model.js';

export const description = 'UMHA: auxiliary whole-set similarity + learned code matrix B, multi-head attention hash nets (unsupervised)';
export const supervised = false;
export const createModel: ModelFactory = (rt, opts) => new UmhaModel(rt, opts);
export { UmhaModel } from './model.js';
export { umhaDefaults, type UmhaConfig } from './config.js';
export { auxiliaryAffinity, gatherBlock, jointSimilarityTiles, symmetrizeUnion, topKIndices, updateCodes, type SparseRows } from './affinity.js';
