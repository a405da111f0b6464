/** What the CLI prints besides its data: status lines, silenced by the global `--quiet`. */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';

let quiet = false;

export function setQuiet(q: boolean): void {
  quiet = q;
}

export function isQuiet(): boolean {
  return quiet;
}

/** A status line on stdout (not printed under --quiet). Data output (search results, doctor) uses console.log. */
export function info(line: string): void {
  if (!quiet) console.log(line);
}

/** A path as the user would type it: relative to the working directory when inside it, else absolute. */
export function shownPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
}

/** The package version (package.json ships next to dist/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return pkg.version;
}
