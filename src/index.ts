/// <reference types="@webgpu/types" preserve="true" />
/**
 * cmhash — browser-safe entry: runtime, tensors, ops, autograd. No Node built-ins are reachable
 * from here; Node-only pieces (Dawn device acquisition, file loaders, CLI) live in `cmhash/node`.
 * The reference above keeps the WebGPU types (GPUBuffer, GPUDevice …) in the published .d.ts, so a
 * consumer's tsc finds them with skipLibCheck false (@webgpu/types is a dependency).
 */
export * from './runtime/index.js';
export * from './tensor/index.js';
export * from './ops/index.js';
export * from './autograd/index.js';
export { Rng } from './util/rng.js';
export { KERNEL_SOURCES, type KernelName } from './kernels/sources.generated.js';
export * from './optim/index.js';
export * from './data/index.js';
export * from './nn/index.js';
export * from './retrieval/index.js';
export * from './io/safetensors.js';
export * from './io/npy.js';
export * from './train/index.js';
export * from './models/registry.js';
export type * from './models/types.js';
export * from './api/index.js';
