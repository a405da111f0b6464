export * from './elementwise.js';
export * from './reduce.js';
export { Uniforms } from './uniforms.js';
export * from './softmax.js';
export * from './matmul.js';
export * from './gemm-config.js';
export * from './layout.js';
