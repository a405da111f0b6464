/** Node-only file helpers for the loaders: reading with clear errors, MAT files, the package root. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { DataError } from '../../runtime/errors.js';
import { readMat5, type MatArray } from '../mat5.js';

/** Read a whole file, turning "not found" and friends into a DataError naming the file. */
export function readBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${file}: cannot read (${code === 'ENOENT' ? 'file not found' : (e as Error).message})`);
  }
}

export function readText(file: string): string {
  return new TextDecoder('utf-8').decode(readBytes(file));
}

/**
 * Read the numeric variables of a MAT v5 file (optionally only some of them). When a requested
 * variable is absent, every variable is returned, so a "missing" error can list what the file holds.
 */
export function readMatFile(file: string, only?: readonly string[]): Map<string, MatArray> {
  const bytes = readBytes(file);
  const inflate = (d: Uint8Array) => new Uint8Array(inflateSync(d));
  const vars = readMat5(bytes, { file, inflate, only });
  if (only && only.some((n) => !vars.has(n))) return readMat5(bytes, { file, inflate });
  return vars;
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The cmhash package root (the folder holding package.json and data/), from this module's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cmhash') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new DataError(`cannot locate the cmhash package root above ${fileURLToPath(import.meta.url)}`);
}

/**
 * Where the shared research datasets live: $CMHASH_DATA_DIR, else `../shared/data` next to the
 * package, else `./data` in the working directory.
 */
export function sharedDataDir(): string {
  const candidates = [process.env.CMHASH_DATA_DIR, join(packageRoot(), '..', 'shared', 'data'), resolve('data')].filter((x): x is string => !!x);
  for (const c of candidates) if (isDir(join(c, 'wikipedia')) || isDir(join(c, 'mirflickr25k'))) return resolve(c);
  throw new DataError(`cannot find the research datasets; set CMHASH_DATA_DIR to the folder holding wikipedia/ and mirflickr25k/ (tried ${candidates.join(', ')})`);
}
