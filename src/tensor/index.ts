export * from './tensor.js';
export * from './scope.js';
export * from './shape.js';
export * from './dtype.js';
