/**
 * The layer rule (README "Layout"; CONTRIBUTING): folders under src/ import only downwards, and no
 * module imports itself back through a chain of imports. Imports are read with the TypeScript
 * compiler's parser (static imports, re-exports, `import type`, and dynamic `import('…')` with a
 * literal specifier), so type-only imports count too: a type pointing upwards is still a layer leak.
 * There is deliberately no exception list: fix the import, not this file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/**
 * Bottom to top. A folder may import its own layer's files (within the same folder) and any lower layer;
 * folders that share a layer are siblings and must not import each other. Sub-folders belong to
 * their top folder's layer (src/ops/cpu is ops, src/data/node is data). '.' is the package entry
 * (src/index.ts, src/node.ts): everything public, above every library layer.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['util', 'kernels'],
  ['runtime'],
  ['tensor', 'io'],
  ['autograd'],
  ['ops'],
  ['nn', 'optim', 'data', 'retrieval'],
  ['models'],
  ['train'],
  ['api'],
  ['.'],
  ['demo'],
  ['cli'],
];

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return listTs(p);
    return f.endsWith('.ts') && !f.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative module specifiers imported by one file (static, re-export, type-only and literal dynamic). */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      out.push(n.arguments[0].text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push(n.argument.literal.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('.'));
}

/** The layer folder of a file under src/ ('.' for the entry files at the top). */
function folderOf(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? '.' : rel[0]!;
}

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is in no layer: add it to LAYERS in test/layers.test.ts (and to the README layout table)`);
  return i;
}

/** `a.js` → `a.ts` on disk (NodeNext ESM imports name the emitted file). */
function resolveImport(from: string, spec: string): string {
  const p = resolve(dirname(from), spec);
  return p.endsWith('.js') ? p.slice(0, -3) + '.ts' : p;
}

interface Graph {
  files: string[];
  edges: Map<string, string[]>;
}

function buildGraph(): Graph {
  const files = listTs(SRC);
  const edges = new Map<string, string[]>();
  for (const f of files) edges.set(f, importsOf(f).map((s) => resolveImport(f, s)));
  return { files, edges };
}

/** Upward or sideways imports between layers, as 'src/a/x.ts -> src/b/y.ts (a → b)'. */
export function layerViolations(g: Graph): string[] {
  const bad: string[] = [];
  for (const [from, tos] of g.edges) {
    const fa = folderOf(from);
    for (const to of tos) {
      const fb = folderOf(to);
      if (fa === fb) continue;
      if (layerOf(fb) >= layerOf(fa)) bad.push(`src/${relative(SRC, from)} -> src/${relative(SRC, to)} (${fa} may not import ${fb})`);
    }
  }
  return bad;
}

/** Every import cycle, each as the chain of files (first file repeated at the end). */
export function importCycles(g: Graph): string[][] {
  // Tarjan's strongly connected components; a component with more than one file (or a self-import) holds a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.edges.get(v) ?? []) {
      if (!g.edges.has(w)) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.edges.get(v) ?? []).includes(v)) cycles.push(shortestCycle(g, new Set(comp), v));
    }
  };
  for (const f of g.files) if (!index.has(f)) strong(f);
  return cycles;
}

/** A shortest cycle through `start` inside one strongly connected component (for a readable message). */
function shortestCycle(g: Graph, comp: Set<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of g.edges.get(v) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start].map((p) => `src/${relative(SRC, p)}`);
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [`src/${relative(SRC, start)}`];
}

describe('layers', () => {
  const g = buildGraph();

  it('every src folder is placed in a layer', () => {
    for (const f of g.files) expect(() => layerOf(folderOf(f))).not.toThrow();
  });

  it('imports only point down the layers', () => {
    expect(layerViolations(g)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(importCycles(g).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('sees imports of every form, and flags an upward import and a cycle (negative controls)', () => {
    const text = "import { a } from './a.js';\nimport type { B } from '../b/b.js';\nexport * from './c.js';\nconst m = await import('./d.js');\ntype T = import('./e.js').T;\nimport 'node:fs';\n";
    expect(importsOf('x.ts', text)).toEqual(['./a.js', '../b/b.js', './c.js', './d.js', './e.js']);
    const f = (p: string): string => join(SRC, p);
    const fake: Graph = {
      files: [f('tensor/t.ts'), f('ops/o.ts'), f('ops/p.ts')],
      edges: new Map([
        [f('tensor/t.ts'), [f('ops/o.ts')]],
        [f('ops/o.ts'), [f('ops/p.ts')]],
        [f('ops/p.ts'), [f('ops/o.ts')]],
      ]),
    };
    expect(layerViolations(fake)).toEqual(['src/tensor/t.ts -> src/ops/o.ts (tensor may not import ops)']);
    expect(importCycles(fake)).toEqual([['src/ops/o.ts', 'src/ops/p.ts', 'src/ops/o.ts']]);
  });
});
