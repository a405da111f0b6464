/** Node-only training helpers: checkpoint folders, JSON-lines log, terminal progress. */
export * from './files.js';
export * from './progress.js';
export * from './durable.js';
