#!/usr/bin/python3
"""PyTorch CPU peer of exact top-k Hamming retrieval (cmhash HammingIndex.search).

Input: the same packed codes cmhash searches (little-endian u32 words, nq queries and n database items).
Two methods, both exact in distance (ties may be ordered differently from cmhash's ascending-index rule,
so results are compared as per-query sorted distance lists):
  'matmul': codes as +-1 float32 ([n, bits], unpacked once, not timed: a user keeping float codes pays
            32x the memory instead); d = (bits - q.b) / 2 from chunked SGEMM (torch's BLAS), torch.topk per
            chunk, merged with a final topk. This is the fast way to do it in PyTorch on a CPU.
  'xor-lut': codes as uint8 bytes; XOR, a 256-entry popcount table gathered per byte, sum, topk; chunked.
            Timed on a subset of queries (cost is linear in the number of queries) and scaled.
Prints one JSON line.
"""
import json
import os
import time

import numpy as np
import torch

from peer_common import setup


def unpack_pm1(words, bits):
    b = np.unpackbits(words.view(np.uint8).reshape(words.shape[0], -1), axis=1, bitorder='little')[:, :bits]
    return torch.from_numpy(b.astype(np.float32) * 2 - 1)


def topk_matmul(q, db, bits, k, chunk):
    best_v, best_i = None, None
    for lo in range(0, db.shape[0], chunk):
        s = q @ db[lo:lo + chunk].t()
        v, i = torch.topk(s, min(k, s.shape[1]), dim=1)
        i = i + lo
        if best_v is None:
            best_v, best_i = v, i
        else:
            v2, j = torch.topk(torch.cat([best_v, v], 1), k, dim=1)
            best_i = torch.gather(torch.cat([best_i, i], 1), 1, j)
            best_v = v2
    d = ((bits - best_v) / 2).round().to(torch.int64)
    return d, best_i


def topk_lut(qb, dbb, k, chunk):
    lut = torch.tensor([bin(i).count('1') for i in range(256)], dtype=torch.uint8)
    best_d, best_i = None, None
    for lo in range(0, dbb.shape[0], chunk):
        x = torch.bitwise_xor(qb[:, None, :], dbb[None, lo:lo + chunk, :])
        d = lut[x.long()].sum(2, dtype=torch.int32)
        v, i = torch.topk(d, min(k, d.shape[1]), dim=1, largest=False)
        i = i + lo
        if best_d is None:
            best_d, best_i = v, i
        else:
            v2, j = torch.topk(torch.cat([best_d, v], 1), k, dim=1, largest=False)
            best_i = torch.gather(torch.cat([best_i, i], 1), 1, j)
            best_d = v2
    return best_d.to(torch.int64), best_i


def main():
    c = setup()
    bits, k, n, nq = c['bits'], c['k'], c['n'], c['nq']
    w = bits // 32
    db_words = np.fromfile(c['db'], dtype='<u4').reshape(n, w)
    q_words = np.fromfile(c['queries'], dtype='<u4').reshape(nq, w)
    t = time.perf_counter()
    db = unpack_pm1(db_words, bits)
    q = unpack_pm1(q_words, bits)
    unpack_ms = (time.perf_counter() - t) * 1e3
    chunk = c.get('chunk', 65536)
    topk_matmul(q[:8], db[:chunk], bits, k, chunk)  # warm-up (threads, allocator)
    times = []
    for _ in range(c.get('runs', 1)):
        t = time.perf_counter()
        d, _ = topk_matmul(q, db, bits, k, chunk)
        times.append((time.perf_counter() - t) * 1e3)
    check = c.get('check', 16)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'nice': os.nice(0),
           'matmul': {'ms': float(np.median(times)), 'runs': len(times), 'unpackMs': unpack_ms, 'chunk': chunk,
                      'floatDbBytes': db.numel() * 4},
           'distances': torch.sort(d[:check], dim=1).values.tolist()}
    del db, q
    lq = c.get('lutQueries', 0)
    if lq > 0:
        qb = torch.from_numpy(q_words[:lq].view(np.uint8).copy())
        dbb = torch.from_numpy(db_words.view(np.uint8).reshape(n, -1).copy())
        lchunk = c.get('lutChunk', 16384)
        topk_lut(qb[:1], dbb[:lchunk], k, lchunk)
        t = time.perf_counter()
        dl, _ = topk_lut(qb, dbb, k, lchunk)
        ms = (time.perf_counter() - t) * 1e3
        out['xorLut'] = {'ms': ms * nq / lq, 'timedQueries': lq, 'chunk': lchunk,
                         'distances': torch.sort(dl[:min(check, lq)], dim=1).values.tolist()}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
