import type { ModelFactory } from '../registry.js';
import { ShallowModel } from '../shallow/model.js';
import { fitScmSeq, scmSeqDefaults } from './fit.js';

export const description = 'SCM-seq (Zhang & Li, AAAI 2014): semantic correlation maximisation, one bit at a time by generalised eigenproblems; closed form (supervised shallow baseline)';
export const supervised = true;
export const createModel: ModelFactory = (rt, opts) => new ShallowModel(rt, opts, { name: 'scm-seq', supervised, defaults: scmSeqDefaults, fit: fitScmSeq });
export { fitScmSeq, scmSeqDefaults, crossSimilarity, scmResidual, topSingularPair, rowNormalise, type ScmSeqConfig } from './fit.js';
