/** The high-level library API (browser-safe): load a trained model, encode, search index files. */
export * from './load-model.js';
export * from './search.js';
