/** Training (browser-safe): the shared loop, checkpoints, evaluation, schedules. */
export * from './loop.js';
export * from './checkpoint.js';
export * from './evaluate.js';
export * from './schedule.js';
export * from './model-from-checkpoint.js';
export * from './overlap.js';
