/// <reference types="@webgpu/types" preserve="true" />
/** cmhash — Node entry: everything in the browser-safe entry plus Dawn device acquisition. */
export * from './index.js';
export { createNodeRuntime, INSTALL_HINT, type NodeBackend, type NodeRuntimeOptions } from './runtime/node-provider.js';
export * from './data/node/index.js';
export * from './train/node/index.js';
