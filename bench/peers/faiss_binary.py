#!/usr/bin/python3
"""FAISS peer of exact top-k Hamming search (cmhash HammingIndex.search), Debian's python3-faiss.

Input (one JSON argument):
  db, queries   .npy files of uint8 [n, bytes] codes (cmhash's export layout, src/retrieval/code-bytes.ts)
  k             neighbours per query
  index         'flat' (IndexBinaryFlat, exact) or 'mih' (IndexBinaryMultiHash: nhash substring tables, then
                exact distances of the candidates; exact when nflip >= radius needed, see below)
  nhash, nflip  multi-hash settings (mih only)
  threads       list of OpenMP thread counts; each is timed (runs, median)
  runs          timed searches per thread count (after one warm-up search of a few queries)
  out           folder: I.npy / D.npy (int64 / int32 [nq, k]) of the first thread count's last run
Prints one JSON line: faiss version, per-thread medians, the build time.
FAISS orders ties at the k-th distance its own way; compare results as sets per distance.
"""
import json
import os
import sys
import time

import numpy as np
import faiss


def main():
    c = json.loads(sys.argv[1])
    db = np.load(c['db'])
    q = np.load(c['queries'])
    if db.dtype != np.uint8 or q.dtype != np.uint8 or db.shape[1] != q.shape[1]:
        raise SystemExit(f'db {db.dtype}{db.shape} and queries {q.dtype}{q.shape} must be uint8 with equal widths')
    d = db.shape[1] * 8
    k = int(c['k'])
    kind = c.get('index', 'flat')
    t = time.perf_counter()
    if kind == 'flat':
        index = faiss.IndexBinaryFlat(d)
    elif kind == 'mih':
        index = faiss.IndexBinaryMultiHash(d, int(c['nhash']), d // int(c['nhash']))
        index.nflip = int(c.get('nflip', 0))
    else:
        raise SystemExit(f'unknown index {kind}')
    index.add(db)
    build_ms = (time.perf_counter() - t) * 1e3
    per = []
    D = I = None
    for th in c.get('threads', [1]):
        faiss.omp_set_num_threads(int(th))
        index.search(q[:8], k)  # warm-up: threads, allocator
        times = []
        for _ in range(int(c.get('runs', 1))):
            t = time.perf_counter()
            Dr, Ir = index.search(q, k)
            times.append((time.perf_counter() - t) * 1e3)
        if D is None:
            D, I = Dr, Ir
        per.append({'threads': int(th), 'ms': float(np.median(times)), 'times': times})
    out = c.get('out')
    if out:
        np.save(os.path.join(out, 'I.npy'), I.astype(np.int64))
        np.save(os.path.join(out, 'D.npy'), D.astype(np.int32))
    print(json.dumps({'faiss': faiss.__version__, 'index': kind, 'd': d, 'n': int(db.shape[0]), 'nq': int(q.shape[0]),
                      'k': k, 'buildMs': build_ms, 'runs': per, 'nice': os.nice(0), 'cpus': os.cpu_count()}))


if __name__ == '__main__':
    main()
