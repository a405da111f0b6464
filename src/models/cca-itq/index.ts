import type { ModelFactory } from '../registry.js';
import { ShallowModel } from '../shallow/model.js';
import { ccaItqDefaults, fitCcaItq } from './fit.js';

export const description = 'CCA-ITQ (Gong et al., TPAMI 2013): CCA between the modalities, eigenvalue-scaled, plus an ITQ rotation; closed form (unsupervised shallow baseline)';
export const supervised = false;
export const createModel: ModelFactory = (rt, opts) => new ShallowModel(rt, opts, { name: 'cca-itq', supervised, defaults: ccaItqDefaults, fit: fitCcaItq });
export { cca, fitCcaItq, ccaItqDefaults, type CcaItqConfig } from './fit.js';
