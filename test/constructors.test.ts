/**
 * No virtual calls from constructors (issue 17): a base-class constructor that calls a method a subclass
 * overrides runs the override before the subclass's own field initialisers, so fields the override sets
 * are reset to their initial values when super() returns (JSGHCA's Jo-Attention silently turned off this
 * way). With `noImplicitOverride` every override is marked `override`, so the rule can be read off the
 * source: a constructor may not call (`this.m(…)`) or read (`this.m`) a member that a class extending
 * it, directly or further down, declares with `override`, or that its own class declares `abstract`.
 * Classes are matched by name across src/ (names are unique there; the test says so if not).
 * Plus a behavioural check on the paired-model base: a subclass's initialised fields and its extra
 * modules are all in place after construction.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { getRuntime, randomData } from './helpers.js';
import type { Runtime } from '../src/runtime/runtime.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { fromArray, mul, sigmoid } from '../src/ops/elementwise.js';
import { Linear } from '../src/nn/index.js';
import { PairedHashModel } from '../src/models/common/paired-model.js';
import { djsrhDefaults } from '../src/models/djsrh/config.js';

const SRC = resolve(import.meta.dirname, '..', 'src');

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return listTs(p);
    return f.endsWith('.ts') && !f.endsWith('.d.ts') ? [p] : [];
  });
}

interface ClassInfo {
  file: string;
  base: string | null;
  /** Members declared `override` (methods, accessors, properties). */
  overrides: Set<string>;
  abstracts: Set<string>;
  /** `this.<name>` accesses inside the constructor (calls included), with their line. */
  ctorUses: { name: string; line: number }[];
}

const hasMod = (n: ts.Node, k: ts.SyntaxKind): boolean => (ts.canHaveModifiers(n) ? ts.getModifiers(n)?.some((m) => m.kind === k) ?? false : false);

/** Every class declaration of the given sources, by name. */
export function readClasses(sources: { file: string; text: string }[]): Map<string, ClassInfo> {
  const out = new Map<string, ClassInfo>();
  for (const { file, text } of sources) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node): void => {
      if (ts.isClassDeclaration(n) && n.name) {
        const ext = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        const info: ClassInfo = { file, base: ext && ts.isIdentifier(ext) ? ext.text : null, overrides: new Set(), abstracts: new Set(), ctorUses: [] };
        for (const m of n.members) {
          const name = m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name)) ? m.name.text : null;
          if (name && hasMod(m, ts.SyntaxKind.OverrideKeyword)) info.overrides.add(name);
          if (name && hasMod(m, ts.SyntaxKind.AbstractKeyword)) info.abstracts.add(name);
          if (ts.isConstructorDeclaration(m) && m.body) {
            const walk = (x: ts.Node): void => {
              // Arrow functions and nested functions run when called; they are still the constructor's code
              // when called from it, so they are walked too (a conservative rule).
              if (ts.isPropertyAccessExpression(x) && x.expression.kind === ts.SyntaxKind.ThisKeyword) {
                info.ctorUses.push({ name: x.name.text, line: sf.getLineAndCharacterOfPosition(x.getStart()).line + 1 });
              }
              ts.forEachChild(x, walk);
            };
            walk(m.body);
          }
        }
        if (out.has(n.name.text)) throw new Error(`class ${n.name.text} is declared twice (${out.get(n.name.text)!.file}, ${file}): this test matches classes by name`);
        out.set(n.name.text, info);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

/** Constructors that reach a member some subclass overrides (or their own abstract one), as 'file:line Class → member (overridden in Sub)'. */
export function virtualConstructorCalls(classes: Map<string, ClassInfo>): string[] {
  const subclasses = (name: string): string[] => {
    const direct = [...classes].filter(([, c]) => c.base === name).map(([n]) => n);
    return direct.flatMap((d) => [d, ...subclasses(d)]);
  };
  const bad: string[] = [];
  for (const [name, c] of classes) {
    const subs = subclasses(name);
    for (const use of c.ctorUses) {
      const by = subs.filter((s) => classes.get(s)!.overrides.has(use.name));
      if (c.abstracts.has(use.name)) by.unshift('abstract');
      if (by.length) bad.push(`${c.file}:${use.line} ${name} constructor uses this.${use.name} (${by.join(', ')})`);
    }
  }
  return bad;
}

describe('constructors', () => {
  it('no constructor in src/ calls or reads a member that a subclass overrides', () => {
    const sources = listTs(SRC).map((f) => ({ file: `src/${relative(SRC, f)}`, text: readFileSync(f, 'utf8') }));
    expect(virtualConstructorCalls(readClasses(sources))).toEqual([]);
  });

  it('flags a base constructor calling an override, also two levels down and through an arrow (negative control)', () => {
    const text = `
      abstract class Base {
        constructor() {
          this.hook();
          const f = () => this.label;
          this.plain();
        }
        protected hook(): void {}
        protected abstract get label(): string;
        plain(): void {}
      }
      class Mid extends Base { protected override get label(): string { return 'm'; } }
      class Leaf extends Mid { private x = 1; protected override hook(): void { this.x = 2; } }
    `;
    expect(virtualConstructorCalls(readClasses([{ file: 'x.ts', text }]))).toEqual([
      'x.ts:4 Base constructor uses this.hook (Leaf)',
      'x.ts:5 Base constructor uses this.label (abstract, Mid)',
    ]);
  });
});

/** A paired model whose extra module and initialised fields are read by its overrides (the Jo-Attention shape). */
class GatedModel extends PairedHashModel<Linear> {
  /** Initialised fields: with a constructor hook setting them they would be reset after super() returned. */
  readonly gateOn = true;
  combined = 0;
  constructor(rt: Runtime) {
    super(rt, 'gated', 8, { ...djsrhDefaults(), hidden: 16, dropout: 0, normalizeInputs: false }, { imageDim: 6, textDim: 5, numLabels: 1 }, 1, undefined, {
      extraModules: (r, bits, rng) => ({ image: [new Linear(r, bits, bits, { rng })], text: [] }),
    });
  }
  protected override combine(qImage: Tensor, qText: Tensor): { hImage: Tensor; hText: Tensor } {
    this.combined++;
    const gate = this.extra.image[0];
    return { hImage: this.gateOn && gate ? mul(qImage, sigmoid(gate.forward(qText))) : qImage, hText: qText };
  }
}

describe('paired-model base: subclass parts are passed in, not built by hooks', () => {
  it("a subclass's extra modules exist, are saved and trained, and its initialised fields hold after construction", async () => {
    const rt = await getRuntime();
    const model = new GatedModel(rt);
    expect(model.gateOn).toBe(true);
    expect([...model.namedParameters().keys()]).toEqual(expect.arrayContaining(['image_extra0.weight', 'image_extra0.bias']));
    expect([...model.namedParameters().keys()].some((k) => k.startsWith('text_extra'))).toBe(false);
    const w0 = Float32Array.from((await model.namedParameters().get('image_extra0.weight')!.read()) as Float32Array);
    const n = 6, t = (d: number, seed: number): Tensor => fromArray(rt, Float32Array.from(randomData(n * d, seed, 0, 1)), [n, d], 'f32');
    const batch = { indices: Uint32Array.from({ length: n }, (_, i) => i), image: t(6, 3), text: t(5, 4) };
    await model.prepare({ n, image: Float32Array.from(randomData(n * 6, 3, 0, 1)), imageDim: 6, text: Float32Array.from(randomData(n * 5, 4, 0, 1)), textDim: 5, labelDim: 1 });
    const r = await model.trainStep(batch, 0);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(model.combined).toBe(1);
    // The image optimiser holds the extra module: one step moves its weights.
    const w1 = (await model.namedParameters().get('image_extra0.weight')!.read()) as Float32Array;
    expect(w1.some((v, i) => v !== w0[i])).toBe(true);
    batch.image.dispose();
    batch.text.dispose();
    model.dispose();
  });
});
