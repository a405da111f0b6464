export * from './elementwise.js';
export * from './reduce.js';
export { Uniforms } from './uniforms.js';
export * from './softmax.js';
