/// <reference types="@webgpu/types" preserve="true" />
/** cmhash — Node entry: everything in the browser-safe entry plus Dawn device acquisition. */
export * from './index.js';
export { createNodeRuntime, INSTALL_HINT, type NodeBackend, type NodeRuntimeOptions } from './runtime/node-provider.js';
export * from './data/node/index.js';
export * from './train/node/index.js';
// The Node loadModel (paths and URLs) takes the place of the browser-safe one exported by ./index.js.
export { loadModel, readIndexFile, writeIndexFile } from './api/node.js';
