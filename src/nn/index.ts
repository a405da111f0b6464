export * from './module.js';
export * from './layers.js';
export * from './attention.js';
export * from './conv.js';
