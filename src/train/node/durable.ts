/**
 * Node-only durable file-system helpers: folder creation that reports clearly (Node's recursive mkdir
 * spins forever under /proc), and writes that reach the disk (fsync of the file and its folder) before
 * a rename makes them visible.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataError } from '../../runtime/errors.js';

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted',
    ENOTDIR: 'a parent is a file, not a folder', EISDIR: 'it is a folder', ENOENT: 'the file system refuses new folders here', ENOSPC: 'no space left on the device', EEXIST: 'a file of that name exists',
  };
  return err.code && why[err.code] ? `${why[err.code]} (${err.code})` : err.message;
};

/**
 * Create `dir` and its missing parents one level at a time (`what` names the option or role in
 * errors, e.g. "--out"). Node's `mkdirSync(…, { recursive: true })` loops forever when a parent
 * exists but refuses children with ENOENT (/proc, some FUSE mounts); this never does.
 */
export function makeDirs(dir: string, what = 'folder'): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    try {
      if (statSync(p).isDirectory()) break;
      throw new DataError(`${what} ${abs}: cannot create it, ${p} is a file, not a folder`);
    } catch (e) {
      if (e instanceof DataError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new DataError(`${what} ${abs}: cannot create it (${reason(e)} at ${p})`);
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new DataError(`${what} ${abs}: cannot create folder ${d} (${reason(e)}); choose a writable location`);
    }
  }
}

/** Write `data` to `file` and fsync it, so a crash after this returns cannot leave it short. */
export function writeFileDurable(file: string, data: Uint8Array | string, what = 'file'): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (e) {
    throw new DataError(`${what} ${file}: cannot write (${reason(e)}); choose a writable location`);
  }
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    throw new DataError(`${what} ${file}: write failed (${reason(e)})`);
  } finally {
    closeSync(fd);
  }
}

/** fsync a folder, so renames and new entries in it survive a power loss (no-op where folders cannot be opened, e.g. Windows). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw e;
  } finally {
    closeSync(fd);
  }
}

/** Create `dir` if needed and prove it writable with a probe file, so a bad --out fails before any work. */
export function ensureWritableDir(dir: string, what: string): void {
  makeDirs(dir, what);
  const probe = resolve(dir, `.cmhash-write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
  } catch (e) {
    throw new DataError(`${what} ${resolve(dir)}: the folder is not writable (${reason(e)}); choose a writable location`);
  }
  rmSync(probe, { force: true });
}
