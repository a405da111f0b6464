#!/usr/bin/env node
// Browser bundles with esbuild:
//   dist/browser/cmhash.js (+ .map)   the browser-safe entry src/index.ts as one ESM file, kernels embedded
// Every bundle is checked for Node built-ins: the build fails if one is imported (`node:fs`, `fs`, ...).
// Used by `npm run build`, by `npm run demo` and, as a module, by test/browser.test.ts.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const LIBRARY_ENTRY = join(SRC, 'index.ts');
/** The library bundle's file name; bundles that use the library import it from `./cmhash.js`. */
export const LIBRARY_FILE = 'cmhash.js';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Node built-ins a bundle still imports (static `import … from`, `export … from`, dynamic `import()`,
 * `require()`), listed once each. Empty for a browser-safe bundle.
 */
export function nodeImportsIn(code) {
  const found = new Set();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) {
      const spec = m[1];
      if (spec.startsWith('node:') || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split('/')[0])) found.add(spec);
    }
  }
  return [...found].sort();
}

/** Throws when `file` imports a Node built-in. */
export function assertBrowserSafe(file) {
  const bad = nodeImportsIn(readFileSync(file, 'utf8'));
  if (bad.length) throw new Error(`${relative(ROOT, file)} imports Node built-ins (${bad.join(', ')}): it cannot run in a browser`);
}

const toTs = (p) => p.replace(/\.js$/, '.ts');
const inside = (dir, p) => p === dir || p.startsWith(dir + sep);

/**
 * esbuild plugin for bundles that run next to the library bundle (demo, browser tests): an import of
 * src/index.ts becomes an import of `./cmhash.js` so they exercise the shipped bundle, not a second copy.
 * `allowSrc` lists src/ folders such a bundle may still include (pure CPU references); any other src/
 * module would be a second, diverging copy of library state (Tensor ids, scopes), so it fails the build.
 */
export function useLibraryBundle(entryDir, allowSrc = []) {
  const allowed = allowSrc.map((d) => join(ROOT, d));
  return {
    name: 'use-library-bundle',
    setup(b) {
      b.onResolve({ filter: /^\.{1,2}\// }, (args) => {
        const target = toTs(resolve(args.resolveDir, args.path));
        if (target === LIBRARY_ENTRY) return { path: `./${LIBRARY_FILE}`, external: true };
        if (!inside(SRC, target) || inside(entryDir, target)) return undefined;
        // Modules reached through an allowed folder may import what they need (e.g. shape helpers).
        if (inside(SRC, args.importer) && !inside(entryDir, args.importer)) return undefined;
        if (allowed.some((d) => inside(d, target))) return undefined;
        return {
          errors: [{ text: `${relative(ROOT, args.importer)} imports ${relative(ROOT, target)}: import it from src/index.ts (export it there) so the page uses the library bundle` }],
        };
      });
    },
  };
}

const COMMON = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'silent', legalComments: 'none' };

/** dist/browser/cmhash.js: the browser-safe library entry as one ES module. Returns the file path. */
export async function buildLibrary(outdir = join(ROOT, 'dist', 'browser')) {
  const outfile = join(outdir, LIBRARY_FILE);
  await build({ ...COMMON, entryPoints: [LIBRARY_ENTRY], outfile });
  assertBrowserSafe(outfile);
  return outfile;
}

/**
 * A bundle that imports the library bundle (`./cmhash.js`) instead of including it: the demo page
 * and the in-page test suite. Written next to the library file in `outdir`.
 */
export async function buildPageBundle(entry, outfile, allowSrc = []) {
  await build({ ...COMMON, entryPoints: [entry], outfile, plugins: [useLibraryBundle(dirname(entry), allowSrc)] });
  assertBrowserSafe(outfile);
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const lib = await buildLibrary();
    console.log(`browser bundle: ${relative(ROOT, lib)} (no Node built-ins)`);
  } catch (err) {
    console.error(`build-browser: ${err.message}`);
    process.exit(1);
  }
}
