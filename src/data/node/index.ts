/** Node-only dataset loaders (node:fs, node:zlib). The browser-safe core is src/data/index.ts. */
export * from './files.js';
export * from './wikipedia.js';
export * from './mirflickr.js';
export * from './packed-file.js';
export * from './load.js';
export * from './images.js';
export * from './matrix-file.js';
export * from './pack.js';
