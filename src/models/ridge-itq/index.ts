import type { ModelFactory } from '../registry.js';
import { ShallowModel } from '../shallow/model.js';
import { fitRidgeItq, ridgeItqDefaults } from './fit.js';

export const description = 'Ridge regression of each modality onto the labels + ITQ rotation; closed form (supervised shallow baseline)';
export const supervised = true;
export const createModel: ModelFactory = (rt, opts) => new ShallowModel(rt, opts, { name: 'ridge-itq', supervised, defaults: ridgeItqDefaults, fit: fitRidgeItq });
export { fitRidgeItq, ridge, ridgeItqDefaults, type RidgeItqConfig } from './fit.js';
