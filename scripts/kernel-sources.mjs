// The WGSL kernels as the GPU sees them: kernels/*.wgsl with their `//#include <file>.wgsl` lines
// replaced by the named prelude (resolved here, at embed time, so the browser bundle and Node compile
// the same text), plus a line map from each resolved line back to its file:line for compile errors.
//
// A file with a `@compute` entry point is a kernel; one without is a prelude, only ever included.
// Includes nest; a prelude is pasted once per kernel (a second include of it is dropped), and an
// include cycle or a missing file is an error naming the including file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const INCLUDE = /^\s*\/\/#include\s+([\w.-]+\.wgsl)\s*$/;

/** Every .wgsl file name in `dir`, sorted. */
export function wgslFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.wgsl')).sort();
}

export const isKernel = (text) => /@compute\b/.test(text);

/**
 * Resolve one kernel file. Returns { source, lineMap } where lineMap is a list of
 * [firstResolvedLine, file, firstFileLine] runs (1-based): resolved line L lies in the last run whose
 * firstResolvedLine ≤ L, at file line firstFileLine + (L − firstResolvedLine).
 */
export function resolveKernel(dir, file, read = (f) => readFileSync(join(dir, f), 'utf8')) {
  const out = [];
  const lineMap = [];
  const seen = new Set();
  const paste = (f, stack) => {
    seen.add(f);
    const lines = read(f).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let runStart = -1;
    lines.forEach((line, i) => {
      const m = INCLUDE.exec(line);
      if (!m) {
        if (runStart < 0) {
          lineMap.push([out.length + 1, f, i + 1]);
          runStart = i;
        }
        out.push(line);
        return;
      }
      runStart = -1;
      const inc = m[1];
      const where = `kernels/${f}:${i + 1}`;
      if (stack.includes(inc)) throw new Error(`${where}: include cycle ${[...stack, inc].join(' -> ')}`);
      let ok = true;
      try {
        read(inc);
      } catch {
        ok = false;
      }
      if (!ok) throw new Error(`${where}: cannot include ${inc} (no such file in kernels/)`);
      if (isKernel(read(inc))) throw new Error(`${where}: ${inc} has a @compute entry point; only preludes (no entry point) can be included`);
      if (!seen.has(inc)) paste(inc, [...stack, inc]);
    });
  };
  paste(file, [file]);
  return { source: out.join('\n') + '\n', lineMap };
}

/** All kernels of `dir`: name → { source, lineMap }. Preludes are not listed. */
export function resolveAll(dir) {
  const res = {};
  for (const f of wgslFiles(dir)) {
    if (!isKernel(readFileSync(join(dir, f), 'utf8'))) continue;
    res[f.replace(/\.wgsl$/, '')] = resolveKernel(dir, f);
  }
  return res;
}
