"""Shared by the PyTorch peers: argument parsing, data and weight loading, the timed epoch loop."""
import json
import os
import sys
import time

import numpy as np
import torch


def setup():
    """The JSON argument; threads and seed applied. Debian's torch starts with 1 intra-op thread here
    (OpenMP's default): use every core unless told otherwise."""
    c = json.loads(sys.argv[1])
    torch.set_num_threads(int(c.get('threads') or os.cpu_count()))
    torch.manual_seed(c.get('seed', 0))
    return c


def info(params):
    return {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'nice': os.nice(0),
            'params': sum(p.numel() for p in params)}


def load_matrix(d, field, dim):
    """One of the train-split files the bench wrote: raw little-endian f32, [n, dim]."""
    return torch.from_numpy(np.fromfile(d[field], dtype='<f4').reshape(d['n'], d[dim]))


def load_weights(own, w, rename=lambda name: name):
    """Copy cmhash's initial weights into `own` (name -> parameter). cmhash Linear weights are
    [in, out], torch's [out, in]; every parameter must be matched on both sides."""
    raw = np.fromfile(w['file'], dtype='<f4')
    seen = set()
    for e in w['tensors']:
        name = rename(e['name'])
        if name not in own:
            raise KeyError(f'cmhash parameter {e["name"]} has no torch counterpart ({name})')
        t = torch.from_numpy(raw[e['offset']:e['offset'] + int(np.prod(e['shape']))].reshape(e['shape']).copy())
        if name.endswith('.weight'):
            t = t.t().contiguous()
        if tuple(t.shape) != tuple(own[name].shape):
            raise ValueError(f'{name}: cmhash shape {e["shape"]} vs torch {tuple(own[name].shape)}')
        with torch.no_grad():
            own[name].copy_(t)
        seen.add(name)
    missing = set(own) - seen
    if missing:
        raise KeyError(f'torch parameters without cmhash weights: {sorted(missing)}')


def time_training(c, n, step, end_epoch=lambda: None):
    """Warm-up steps, then c['epochs'] epochs of shuffled full batches (drop-last, as cmhash's sampler):
    median step and epoch wall time. step(idx) returns a dict with 'total'."""
    m = c['batch']
    gen = torch.Generator().manual_seed(c.get('seed', 0))
    steps_per_epoch = n // m

    def batches():
        perm = torch.randperm(n, generator=gen)
        for s in range(steps_per_epoch):
            yield perm[s * m:(s + 1) * m]
    done = 0
    while done < c['warmupSteps']:  # allocator, threads, first-call paths
        for idx in batches():
            step(idx)
            done += 1
            if done >= c['warmupSteps']:
                break
    end_epoch()
    step_ms, epoch_ms, losses = [], [], []
    for _ in range(c['epochs']):
        t0 = time.perf_counter()
        for idx in batches():
            s0 = time.perf_counter()
            losses.append(step(idx)['total'])
            step_ms.append((time.perf_counter() - s0) * 1e3)
        end_epoch()
        epoch_ms.append((time.perf_counter() - t0) * 1e3)
    med = lambda v: float(np.median(np.array(v)))
    prof = profile_steps(batches, step, c.get('profileSteps', 0))
    return {'profile': prof,'stepMs': med(step_ms), 'stepMinMs': min(step_ms), 'steps': len(step_ms), 'epochMs': med(epoch_ms),
            'epochs': len(epoch_ms), 'stepsPerEpoch': steps_per_epoch, 'firstLoss': losses[0], 'lastLoss': losses[-1]}


def profile_steps(batches, step, count):
    """Where PyTorch's time goes: self CPU time per operator over `count` steps (torch.profiler; its own
    overhead inflates small ops, so read shares, not absolute times)."""
    if count <= 0:
        return None
    from torch.profiler import ProfilerActivity, profile
    done = 0
    with profile(activities=[ProfilerActivity.CPU]) as p:
        while done < count:
            for idx in batches():
                step(idx)
                done += 1
                if done >= count:
                    break
    ops = [{'op': e.key, 'calls': e.count / count, 'selfMs': e.self_cpu_time_total / 1e3 / count}
           for e in p.key_averages() if e.self_cpu_time_total > 0]
    ops.sort(key=lambda o: -o['selfMs'])
    total = sum(o['selfMs'] for o in ops)
    return {'steps': count, 'selfMsPerStep': total, 'ops': ops[:12]}


def run(c, n, own, prepare, step, end_epoch=lambda: None, extra=lambda: {}):
    """The peers' main: 'parity' mode loads cmhash's initial weights into `own` (name -> parameter), runs
    prepare() and two steps on c['indices'] (the loss before and after one update); 'time' mode times
    prepare() once and then the training epochs. Prints one JSON line; `extra()` adds fields to it."""
    meta = info(list(own.values()))
    if c['mode'] == 'parity':
        load_weights(own, c['weights'])
        prepare()
        idx = torch.tensor(c['indices'], dtype=torch.long)
        a = step(idx)
        b = step(idx)
        print(json.dumps({**meta, 'before': a, 'after': b, **extra()}))
        return
    t0 = time.perf_counter()
    prepare()
    prepare_ms = (time.perf_counter() - t0) * 1e3
    print(json.dumps({**meta, 'prepareMs': prepare_ms, **time_training(c, n, step, end_epoch=end_epoch), **extra()}))
