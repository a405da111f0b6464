/** Non-parameter module state for exact resume: the dropout RNG streams, found by walking modules. */
import type { Module } from '../../nn/module.js';
import { Dropout } from '../../nn/layers.js';
import { CmhashError } from '../../runtime/errors.js';

type RngState = ReturnType<Dropout['getRngState']>;

function dropouts(mods: readonly Module[]): [string, Dropout][] {
  const out: [string, Dropout][] = [];
  const walk = (m: Module, path: string): void => {
    if (m instanceof Dropout) out.push([path, m]);
    for (const [n, c] of m.namedChildren()) walk(c, `${path}.${n}`);
  };
  mods.forEach((m, i) => walk(m, String(i)));
  return out;
}

export function collectModuleState(mods: readonly Module[]): Record<string, RngState> {
  return Object.fromEntries(dropouts(mods).map(([p, d]) => [p, d.getRngState()]));
}

export function restoreModuleState(mods: readonly Module[], state: unknown): void {
  const s = (state ?? {}) as Record<string, RngState>;
  for (const [p, d] of dropouts(mods)) {
    const st = s[p];
    if (!st) throw new CmhashError(`checkpoint: no dropout RNG state for module ${p}`);
    d.setRngState(st);
  }
}
