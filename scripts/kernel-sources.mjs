// The WGSL kernels as the GPU sees them: kernels/*.wgsl with their `//#include <file>.wgsl` lines
// replaced by the named prelude (resolved here, at embed time, so the browser bundle and Node compile
// the same text), plus a line map from each resolved line back to its file:line for compile errors.
//
// A file with a `@compute` entry point is a kernel; one without is a prelude, only ever included.
// Includes nest; a prelude is pasted once per kernel (a second include of it is dropped), and an
// include cycle or a missing file is an error naming the including file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

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
export function resolveKernel(dir, file, read = (f) => readFileSync(join(dir, f), 'utf8'), generated = null) {
  const out = [];
  const lineMap = [];
  const seen = new Set();
  let pending = generated;
  const paste = (f, stack) => {
    seen.add(f);
    const lines = read(f).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let runStart = -1;
    lines.forEach((line, i) => {
      // The generated declarations go after the kernel's leading comments and `enable` directives.
      if (pending && (INCLUDE.test(line) || !/^\s*(\/\/.*)?$/.test(line)) && !/^\s*enable\s/.test(line)) {
        lineMap.push([out.length + 1, pending.origin, 1]);
        out.push(...pending.lines);
        pending = null;
        runStart = -1;
      }
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

const DESCRIPTORS = 'src/kernels/descriptors.ts';

/** KERNELS and OP_TABLES from src/kernels/descriptors.ts (transpiled here: the file is plain data). */
export async function loadDescriptors(root) {
  const js = ts.transpileModule(readFileSync(join(root, DESCRIPTORS), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

const WGSL_TYPE = { u32: 'u32', i32: 'i32', f32: 'f32', vec4f: 'vec4f', dims: 'array<vec4u, 2>' };

/** The WGSL a kernel's descriptor stands for: Params, WG, the bindings, and an op table's `apply`. */
export function generatedDeclarations(name, d, opTable) {
  const lines = [`// ---- generated from ${DESCRIPTORS} (KERNELS.${name}) by scripts/embed-kernels.mjs ----`];
  const fields = Object.entries(d.uniforms).map(([f, t]) => `${f}: ${WGSL_TYPE[t]}`);
  lines.push(`struct Params { ${fields.join(', ')} }`);
  if (d.wg !== null) lines.push(`override WG: u32 = ${d.wg}u;`);
  if (d.epi !== undefined) lines.push(`const EPI: u32 = ${d.epi}u;`);
  lines.push('@group(0) @binding(0) var<uniform> p: Params;');
  Object.entries(d.bindings).forEach(([b, t], i) => {
    const [access, elem] = t.split(' ');
    if (access === 'texture') lines.push(`@group(0) @binding(${i + 1}) var ${b}: texture_2d<${elem}>;`);
    else lines.push(`@group(0) @binding(${i + 1}) var<storage, ${access}> ${b}: array<${elem}>;`);
  });
  if (opTable) {
    lines.push(`fn apply(${opTable.args}) -> f32 {`, '  switch (OP) {');
    opTable.table.forEach(([op, expr], i) => lines.push(`    case ${i}u: { return ${expr}; } // ${op}`));
    lines.push(`    default: { return ${opTable.args.split(':')[0]}; }`, '  }', '}');
  }
  lines.push('// ---- end of generated declarations ----');
  return { lines, origin: DESCRIPTORS };
}

/** What a kernel with a descriptor must not declare itself (the descriptor generates it). */
const OWN_DECLARATIONS = [
  [/^\s*struct\s+Params\b/m, 'struct Params'],
  [/@binding\(/, 'a @binding'],
  [/^\s*override\s+WG\b/m, 'override WG'],
  [/^\s*const\s+EPI\b/m, 'const EPI'],
  [/^\s*fn\s+apply\b/m, 'fn apply'],
];

/**
 * All kernels of `dir` (= root/kernels): name → { source, lineMap }, with each described kernel's
 * declarations generated from its descriptor. Preludes are not listed. Throws when a descriptor has
 * no kernel file or a described kernel declares Params, bindings, WG or apply itself.
 */
export async function resolveAll(root) {
  const dir = join(root, 'kernels');
  const { KERNELS, OP_TABLES } = await loadDescriptors(root);
  const res = {};
  const files = wgslFiles(dir);
  for (const name of Object.keys(KERNELS)) {
    if (!files.includes(`${name}.wgsl`)) throw new Error(`${DESCRIPTORS}: KERNELS.${name} has no kernels/${name}.wgsl`);
  }
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (!isKernel(text)) continue;
    const name = f.replace(/\.wgsl$/, '');
    const d = KERNELS[name];
    if (d) {
      const own = OWN_DECLARATIONS.find(([re]) => re.test(text));
      if (own) throw new Error(`kernels/${f} declares ${own[1]} itself; it is generated from KERNELS.${name} in ${DESCRIPTORS}`);
    }
    res[name] = resolveKernel(dir, f, undefined, d ? generatedDeclarations(name, d, OP_TABLES[name]) : null);
  }
  return res;
}
