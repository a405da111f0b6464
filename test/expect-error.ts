/** Shared assertions for bad input: the error's class and its message are both the contract. */
import { expect } from 'vitest';
import { DataError } from '../src/runtime/errors.js';

/** fn must throw an instance of cls whose message matches every pattern. */
export function expectThrow(fn: () => unknown, cls: new (...a: never[]) => Error, ...patterns: RegExp[]): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected ${cls.name} matching ${patterns.join(', ')}`).toBeInstanceOf(cls);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

/** fn must throw a DataError whose message matches every pattern. */
export function expectDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  expectThrow(fn, DataError, ...patterns);
}
