/**
 * The CPU BLAS peer: numpy SGEMM (OpenBLAS from Debian's libopenblas0-pthread) through
 * /usr/bin/python3. Returns null, with the reason, when numpy is absent.
 */
import { spawnSync } from 'node:child_process';

export interface NumpyGemm {
  n: number;
  medianMs: number;
  samples: number;
}

export interface NumpyResult {
  version: string;
  blas: string;
  results: NumpyGemm[];
}

const PY = String.raw`
import json, sys, time, os
import numpy as np
sizes = json.loads(sys.argv[1]); reps = int(sys.argv[2])
blas = 'unknown'
try:
    with open('/proc/self/maps') as f:
        libs = sorted({l.split()[-1].rsplit('/', 1)[-1] for l in f if 'blas' in l.lower()})
    blas = ', '.join(libs) or blas
except Exception:
    pass
out = []
rng = np.random.default_rng(1)
for n in sizes:
    a = rng.random((n, n), dtype=np.float32); b = rng.random((n, n), dtype=np.float32)
    a @ b
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); a @ b; ts.append((time.perf_counter() - t) * 1e3)
    ts.sort()
    out.append({'n': n, 'medianMs': ts[len(ts) // 2], 'samples': reps})
print(json.dumps({'version': np.__version__, 'blas': blas, 'results': out}))
`;

export function numpyGemm(sizes: readonly number[], reps = 7, python = '/usr/bin/python3'): NumpyResult | { missing: string } {
  const r = spawnSync(python, ['-c', PY, JSON.stringify(sizes), String(reps)], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) return { missing: `${python}: ${r.error.message}` };
  if (r.status !== 0) {
    const err = r.stderr.trim().split('\n').pop() ?? '';
    return { missing: /No module named 'numpy'/.test(r.stderr) ? 'numpy is not installed: run `bash scripts/setup-peers.sh` (python3-numpy, libopenblas0-pthread)' : `python failed: ${err}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as NumpyResult;
}
