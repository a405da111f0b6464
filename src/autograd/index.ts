export * from './tape.js';
export * from './gradcheck.js';
