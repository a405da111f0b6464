/**
 * bench/lib: a benchmark that finds a CPU peer missing skips it with a note naming the command that installs
 * it (scripts/setup-peers.sh). The "python without the peers" is Debian's python3 with -S (no site
 * directories, so neither torch nor numpy can be imported), wrapped in a script given as CMHASH_PYTHON.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'cmhash-nopeers-'));
const bare = join(dir, 'python-bare');
writeFileSync(bare, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
chmodSync(bare, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** bench/lib/python.ts reads CMHASH_PYTHON when it is loaded: import a fresh copy under `python`. */
async function pythonLib(python: string): Promise<typeof import('../bench/lib/python.js')> {
  vi.resetModules();
  const saved = process.env.CMHASH_PYTHON;
  process.env.CMHASH_PYTHON = python;
  try {
    return await import('../bench/lib/python.js');
  } finally {
    if (saved === undefined) delete process.env.CMHASH_PYTHON;
    else process.env.CMHASH_PYTHON = saved;
  }
}

describe.skipIf(!existsSync('/usr/bin/python3'))('bench peers: a missing peer names its install command', () => {
  it('torchVersion() and runPeer() on a python without torch say `bash scripts/setup-peers.sh`', async () => {
    const lib = await pythonLib(bare);
    const v = lib.torchVersion();
    expect('missing' in v && v.missing).toMatch(/PyTorch is not installed .*bash scripts\/setup-peers\.sh/);
    // Every training peer imports numpy (peer_common) and torch: whichever is missing first is named.
    for (const script of ['torch_jsghca.py', 'torch_dcmh.py', 'torch_ssah.py', 'torch_umha.py']) {
      const r = lib.runPeer(script, { mode: 'time' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.missing).toMatch(/(PyTorch|numpy) is not installed .*bash scripts\/setup-peers\.sh/);
    }
  });

  it('numpyGemm() on a python without numpy says `bash scripts/setup-peers.sh`', async () => {
    const { numpyGemm } = await import('../bench/lib/numpy.js');
    const r = numpyGemm([8], 1, bare);
    expect('missing' in r && r.missing).toMatch(/numpy is not installed.*bash scripts\/setup-peers\.sh/);
  });

  it('a peer script that fails for another reason is reported as a failure, not as a missing install', async () => {
    const lib = await pythonLib('/usr/bin/python3');
    const r = lib.runPeer('no_such_peer.py', {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.missing).not.toMatch(/setup-peers/);
  });
});
