export * from './errors.js';
export * from './runtime.js';
export * from './pipeline-cache.js';
export * from './buffer-pool.js';
export * from './adapter-info.js';
export * from './profiler.js';
export { createBrowserRuntime } from './browser-provider.js';
