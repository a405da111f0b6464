import type { ModelFactory } from '../registry.js';
import { JsghcaModel } from './model.js';

export const description = 'JSGHCA: joint similarity with adaptive weight mixing, Si- and Jo-Attention (unsupervised)';
export const supervised = false;
export const createModel: ModelFactory = (rt, opts) => new JsghcaModel(rt, opts);
export { JsghcaModel } from './model.js';
export { ABLATIONS, applyAblation, jsghcaDefaults, type Ablation, type JsghcaConfig } from './config.js';
