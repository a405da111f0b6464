/**
 * Drop known-harmless lines that native code (Dawn) writes straight to file descriptor 2 during one
 * synchronous call. Node has no dup2, so on Linux fd 2 is swapped by close + open (the lowest free
 * descriptor is reused) and restored through /proc/self/fd; everything else the call printed is
 * written back to stderr, so real errors are never hidden. Elsewhere (or when any step is not
 * possible) the call simply runs unfiltered.
 *
 * Why it is needed: Dawn prints "Warning: maxDynamic…PerPipelineLayout artificially reduced from
 * 1000000 to 16 …" from inside GPU.requestAdapter() when the Vulkan driver (Mesa lavapipe) reports
 * more dynamic buffers than Dawn supports. It is emitted while Dawn builds the adapter, before any
 * limit is requested, and there is no Dawn flag to silence it.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const O_APPEND = 0o2000;

function fdFlags(fd: number): number | null {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? parseInt(m[1], 8) : null;
  } catch {
    return null;
  }
}

function fdPos(fd: number): number | null {
  try {
    const m = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function sameFile(a: number, b: number): boolean {
  try {
    const x = fstatSync(a), y = fstatSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return true;
  }
}

/** `text` without the lines matching `drop` (newlines and any unterminated last line kept). */
function keepLines(text: string, drop: RegExp): string {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  return lines.filter((l) => !drop.test(l)).map((l) => `${l}\n`).join('') + (drop.test(last) ? '' : last);
}

/**
 * stderr is a regular file that stdout also writes (`> log 2>&1`, one shared offset): a second open
 * would not share that offset, so the dropped lines are blanked in place instead (pwrite leaves the
 * offset alone). A separate stderr file is reopened in append mode like a pipe.
 */
function filterInFile<T>(fn: () => T, drop: RegExp): T {
  const before = fdPos(2);
  const result = fn();
  const after = fdPos(2);
  if (before === null || after === null || after <= before) return result;
  let rfd = -1;
  try {
    rfd = openSync('/proc/self/fd/2', 'r');
    const buf = Buffer.alloc(after - before);
    readSync(rfd, buf, 0, buf.length, before);
    const kept = Buffer.from(keepLines(buf.toString('utf8'), drop), 'utf8');
    if (kept.length === buf.length) return result;
    const out = Buffer.alloc(buf.length, ' '); // one line of spaces where the dropped lines were
    kept.copy(out);
    out[out.length - 1] = 0x0a;
    writeSync(2, out, 0, out.length, before);
  } catch {
    /* leave the file as it is */
  } finally {
    if (rfd >= 0) closeSync(rfd);
  }
  return result;
}

/** Run the synchronous `fn` with native writes to fd 2 filtered: lines matching `drop` are removed. */
export function filterNativeStderr<T>(fn: () => T, drop: RegExp): T {
  if (process.platform !== 'linux') return fn();
  const flags = fdFlags(2);
  let regular = false;
  try {
    regular = fstatSync(2).isFile();
  } catch {
    return fn();
  }
  if (flags === null) return fn();
  if (regular && (flags & O_APPEND) === 0 && sameFile(1, 2)) return filterInFile(fn, drop);

  let saved = -1;
  try {
    saved = openSync('/proc/self/fd/2', 'a'); // a socket cannot be reopened: run unfiltered
  } catch {
    return fn();
  }
  const tmp = join(tmpdir(), `cmhash-stderr-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const restore = (): void => {
    openSync(`/proc/self/fd/${saved}`, 'a'); // the lowest free descriptor: 2 again
    closeSync(saved);
  };
  closeSync(2);
  const fd = openSync(tmp, 'w');
  if (fd !== 2) {
    // A lower descriptor was free (not the case in a normal Node process): undo and run unfiltered.
    restore();
    closeSync(fd);
    unlinkSync(tmp);
    return fn();
  }
  try {
    return fn();
  } finally {
    closeSync(2);
    restore();
    let text = '';
    try {
      text = readFileSync(tmp, 'utf8');
      unlinkSync(tmp);
    } catch {
      /* nothing was captured */
    }
    const kept = keepLines(text, drop);
    if (kept) writeSync(2, kept);
  }
}

/** Dawn's adapter-creation warnings about the dynamic-buffer limits it clamps (harmless, nothing to do). */
export const DAWN_LIMIT_WARNING = /^Warning: maxDynamic\w+PerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;
