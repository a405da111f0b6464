/**
 * When stderr is a socket (Node's child_process pipes are socketpairs), fd 2 cannot be reopened, so
 * runtime/native-stderr.ts cannot filter Dawn's adapter warnings in-process. The CLI then runs itself
 * once more as a child with stderr piped, and relays the child's stderr line by line without them.
 * Exit code and SIGINT/SIGTERM are passed through (train's Ctrl-C handling stays in the child).
 */
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { DAWN_LIMIT_WARNING } from '../runtime/native-stderr.js';

const CHILD_MARK = 'CMHASH_STDERR_RELAYED';

/** True when this process should relay a child instead of running the command itself. */
export function needsStderrRelay(): boolean {
  if (process.env[CHILD_MARK] || process.platform !== 'linux') return false;
  try {
    return fstatSync(2).isSocket();
  } catch {
    return false;
  }
}

/** Run this CLI again with the same arguments; resolves to its exit code. */
export function relayStderr(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, [CHILD_MARK]: '1' },
    });
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      const kept = lines.filter((l) => !DAWN_LIMIT_WARNING.test(l));
      if (kept.length) process.stderr.write(kept.map((l) => `${l}\n`).join(''));
    });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward('SIGINT'), onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (pending && !DAWN_LIMIT_WARNING.test(pending)) process.stderr.write(pending);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
    child.on('error', (e) => {
      process.stderr.write(`cmhash: cannot start itself to filter stderr: ${e.message}\n`);
      resolve(1);
    });
  });
}
