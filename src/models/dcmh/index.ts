import type { ModelFactory } from '../registry.js';
import { DcmhModel } from './model.js';

export const description = 'DCMH (CVPR 2017): deep cross-modal hashing with pairwise NLL, quantisation and balance terms, code matrix B (supervised baseline)';
export const supervised = true;
/** DCMH reference code's batch_size (MODELS.md is silent); the CLI's default --batch. */
export const batchSize = 128;
export const createModel: ModelFactory = (rt, opts) => new DcmhModel(rt, opts);
export { DcmhModel, dcmhDefaults, type DcmhConfig } from './model.js';
