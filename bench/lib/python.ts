/**
 * The PyTorch CPU peers (bench/peers/*.py) through Debian's /usr/bin/python3 (python3-torch). A peer
 * prints one JSON object on its last stdout line; a missing torch is a skip with a reason, never an error.
 *
 * Peers that are timed run before the bench creates its GPU runtime (Suite.peers): the runtime renices
 * the Node main thread after its first submit, and children spawned after that would inherit nice 19.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { getPriority } from 'node:os';

export const PYTHON = process.env.CMHASH_PYTHON ?? '/usr/bin/python3';

/** bench/peers in the source tree, whether run from dist/bench/lib or bench/lib. */
export function peersDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bench = here.includes(join('dist', 'bench')) ? join(here, '..', '..', '..', 'bench') : join(here, '..');
  return join(bench, 'peers');
}

export type PeerOutcome<T> = { ok: true; result: T; niceness: number } | { ok: false; missing: string };

/** Run bench/peers/<script> with a JSON argument; returns its last JSON line or why it could not run. */
export function runPeer<T>(script: string, arg: unknown, timeoutMs = 600_000): PeerOutcome<T> {
  const r = spawnSync(PYTHON, [join(peersDir(), script), JSON.stringify(arg)], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { ok: false, missing: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) {
    const mod = /No module named '(torch|numpy|faiss)'/.exec(r.stderr)?.[1];
    if (mod) return { ok: false, missing: `${mod === 'torch' ? 'PyTorch' : mod === 'faiss' ? 'FAISS' : 'numpy'} is not installed for ${PYTHON}: run \`bash scripts/setup-peers.sh\` (Debian's python3-${mod})` };
    const tail = r.stderr.trim().split('\n').slice(-2).map((l) => l.trim()).join(' / ');
    return { ok: false, missing: `${script} failed (exit ${r.status ?? r.signal}): ${tail}` };
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ok: true, result: JSON.parse(last) as T, niceness: getPriority(0) };
  } catch {
    return { ok: false, missing: `${script} printed no JSON result (last line: ${last.slice(0, 200)})` };
  }
}

/** Whether torch imports, and its version (one short spawn). */
export function torchVersion(): { version: string; threads: number } | { missing: string } {
  const r = spawnSync(PYTHON, ['-c', 'import json, torch; print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads()}))'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { missing: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) return { missing: /No module named 'torch'/.test(r.stderr) ? `PyTorch is not installed for ${PYTHON}: run \`bash scripts/setup-peers.sh\` (Debian's python3-torch)` : r.stderr.trim().split('\n').pop() ?? 'python failed' };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; threads: number };
}
