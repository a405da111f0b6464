#!/usr/bin/env node
// Browser bundles with esbuild:
//   dist/browser/cmhash.js (+ .map)   the browser-safe entry src/index.ts as ES modules, kernels embedded
//                                     (plus <model>/index.js per model folder and the chunks they share)
//   dist/browser/demo/                the demo page (src/demo) next to its own copy of the library bundle
// Every bundle is checked for Node built-ins: the build fails if one is imported (`node:fs`, `fs`, ...).
// Used by `npm run build`, by `npm run demo` and, as a module, by test/browser.test.ts.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
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

/**
 * Model folders (src/models/<name>/index.ts). The model registry imports them lazily with
 * `import('./<name>/index.js')`, so the bundle ships each as its own ES module next to cmhash.js,
 * sharing the library through code splitting (one copy of Tensor, scopes and the registry).
 */
export function modelFolders() {
  const dir = join(SRC, 'models');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

/**
 * dist/browser/: the browser-safe library entry as ES modules: cmhash.js (import this), <model>/index.js
 * for each model folder (loaded on demand by the registry) and the chunks they share. Every output is
 * checked for Node built-ins. Returns the path of cmhash.js.
 */
export async function buildLibrary(outdir = join(ROOT, 'dist', 'browser')) {
  const entryPoints = { [LIBRARY_FILE.replace(/\.js$/, '')]: LIBRARY_ENTRY };
  for (const m of modelFolders()) entryPoints[`${m}/index`] = join(SRC, 'models', m, 'index.ts');
  const res = await build({ ...COMMON, entryPoints, outdir, splitting: true, chunkNames: 'chunk-[hash]', metafile: true });
  for (const out of Object.keys(res.metafile.outputs)) if (out.endsWith('.js')) assertBrowserSafe(resolve(out));
  return join(outdir, LIBRARY_FILE);
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

/** dist/browser/demo/: the library bundle, the demo script (src/demo) and its static files. Returns the folder. */
export async function buildDemo(outdir = join(ROOT, 'dist', 'browser', 'demo')) {
  mkdirSync(outdir, { recursive: true });
  await buildLibrary(outdir);
  await buildPageBundle(join(SRC, 'demo', 'main.ts'), join(outdir, 'demo.js'));
  for (const f of ['index.html', 'style.css']) copyFileSync(join(SRC, 'demo', f), join(outdir, f));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const lib = await buildLibrary();
    console.log(`browser bundle: ${relative(ROOT, lib)} (no Node built-ins)`);
    console.log(`demo page:      ${relative(ROOT, await buildDemo())}/`);
  } catch (err) {
    console.error(`build-browser: ${err.message}`);
    process.exit(1);
  }
}
