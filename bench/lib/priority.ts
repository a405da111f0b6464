/** Running CPU peers at the default priority from a process whose main thread the runtime reniced. */
import { getPriority, setPriority } from 'node:os';

/**
 * Run `fn` (typically spawning a CPU peer, which inherits the calling thread's niceness) at priority 0:
 * the runtime renices the main thread after its first submit (niceMainThread), which would starve a peer
 * on a loaded machine. Returns whether the priority could be restored (needs the right to lower niceness).
 */
export async function atNormalPriority<T>(fn: () => Promise<T> | T): Promise<{ value: T; normal: boolean }> {
  let prev: number | null = null;
  try {
    prev = getPriority(0);
    if (prev !== 0) setPriority(0, 0);
  } catch {
    prev = null;
  }
  try {
    return { value: await fn(), normal: prev !== null };
  } finally {
    if (prev !== null && prev !== 0) {
      try {
        setPriority(0, prev);
      } catch {
        /* keep */
      }
    }
  }
}
