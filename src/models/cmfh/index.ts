import type { ModelFactory } from '../registry.js';
import { ShallowModel } from '../shallow/model.js';
import { cmfhDefaults, fitCmfh } from './fit.js';

export const description = 'CMFH (Ding et al., CVPR 2014): collective matrix factorisation into one latent code per pair, linear hash functions; block coordinate descent (unsupervised shallow baseline)';
export const supervised = false;
export const createModel: ModelFactory = (rt, opts) => new ShallowModel(rt, opts, { name: 'cmfh', supervised, defaults: cmfhDefaults, fit: fitCmfh });
export { cmfhDefaults, cmfhObjective, cmfhSolve, fitCmfh, type CmfhConfig } from './fit.js';
