import type { ModelFactory } from '../registry.js';
import { DjsrhModel } from './model.js';

export const description = 'DJSRH (ICCV 2019): joint-semantics affinity reconstruction, unsupervised baseline';
export const supervised = false;
export const createModel: ModelFactory = (rt, opts) => new DjsrhModel(rt, opts);
export { DjsrhModel } from './model.js';
export { PRESETS, djsrhDefaults, type Preset } from './config.js';
