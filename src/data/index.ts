/** Browser-safe data core: dataset type, splits, batching, MAT v5 parsing, packed format decoding, images. */
export * from './dataset.js';
export * from './batcher.js';
export * from './mat5.js';
export * from './packed.js';
export * from './image.js';
export * from './csv.js';
export * from './labels.js';
export * from './text-vectorizer.js';
