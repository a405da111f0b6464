/**
 * Hashing and retrieval: exact top-100 Hamming search of 1,000 packed queries over 1M and 10M codes at
 * 32/64/128 bits, end to end (query upload, the three GPU passes, readback of indices and distances),
 * against FAISS IndexBinaryFlat (1 and 2 OpenMP threads, results checked as sets per distance) and the
 * plain-TypeScript scan (SWAR popcount + histogram + counting top-k, one thread) on the same data, with the bytes-moved bound of this machine (memcpy bandwidth measured in-process); and the
 * fused cosine-similarity kernel against row-normalise + GEMM.
 *
 * Throughput is queries × items per second. The TypeScript peer is timed on a subset of the queries
 * (its cost is linear in the number of queries) to keep the suite within minutes; results of both are
 * checked equal on that subset.
 */
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { fromArray } from '../../src/ops/elementwise.js';
import { cosineSimilarity, l2Normalize } from '../../src/ops/similarity.js';
import { matmul } from '../../src/ops/matmul.js';
import { noGrad } from '../../src/autograd/tape.js';
import { tidy } from '../../src/tensor/scope.js';
import { HammingIndex } from '../../src/retrieval/hamming-index.js';
import { hammingTopKCpu } from '../../src/retrieval/cpu-scan.js';
import { Rng } from '../../src/util/rng.js';
import { gemmFlops, gflops, measure, median } from '../lib/measure.js';
import type { BenchContext, ResultRow, Suite } from '../lib/types.js';
import { atNormalPriority } from '../lib/priority.js';
import { bestRun, faissDifference, runFaiss } from '../lib/faiss.js';

/** Host memory bandwidth: median of copying a 256 MiB buffer (read + write bytes per second). */
function memcpyGBps(): number {
  const n = 256 * 1024 * 1024;
  const a = new Uint8Array(n).fill(1), b = new Uint8Array(n);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    b.set(a);
    times.push(performance.now() - t);
  }
  return (2 * n) / median(times) / 1e6;
}

/**
 * CPU seconds used so far by this process's main thread and by its other threads (lavapipe's workers,
 * Dawn's threads), from /proc (Linux; zeros elsewhere). On a shared, loaded machine wall time says
 * little; CPU seconds per unit of work are a load-independent view of the same run.
 */
function threadCpu(): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const s = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
      if (Number(t) === process.pid) out.main += s;
      else out.others += s;
    } catch {
      /* thread exited */
    }
  }
  return out;
}

interface Timed {
  medianMs: number;
  samples: number;
  /** CPU seconds per run: main thread and other threads. */
  cpuMain: number;
  cpuOthers: number;
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<Timed> {
  const ts: number[] = [];
  const c0 = threadCpu();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  const c1 = threadCpu();
  return { medianMs: median(ts), samples: runs, cpuMain: (c1.main - c0.main) / runs, cpuOthers: (c1.others - c0.others) / runs };
}

const fmtN = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}K` : String(n));

export const hammingSuite: Suite = {
  name: 'hamming',
  description: 'top-100 Hamming search (1,000 queries over 1M/10M codes at 32/64/128 bits) vs FAISS IndexBinaryFlat and plain TypeScript; fused cosine similarity vs normalise + GEMM',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const { rt, args } = ctx;
    const rows: ResultRow[] = [];
    const bw = memcpyGBps();
    ctx.log(`host memcpy bandwidth: ${bw.toFixed(1)} GB/s (read + write)`);
    rows.push({ case: 'host memcpy 256 MiB', impl: 'TypedArray.set', medianMs: (512 * 1024 * 1024) / bw / 1e6, samples: 5, gbps: bw, note: 'bytes-moved bound used below' });

    const sizes = args.quick ? [100_000] : [1_000_000, 10_000_000];
    const bitsList = [32, 64, 128];
    const nq = args.quick ? 64 : 1000;
    const k = 100;
    const rng = new Rng(2024);
    for (const n of sizes) {
      for (const bits of bitsList) {
        const w = bits / 32;
        const db = new Uint32Array(n * w);
        for (let i = 0; i < db.length; i++) db[i] = rng.nextU32();
        const queries = new Uint32Array(nq * w);
        for (let i = 0; i < queries.length; i++) queries[i] = rng.nextU32();
        const index = HammingIndex.create(rt, bits);
        index.add(db);
        await rt.sync();
        const label = `top-${k}, ${nq} queries × ${fmtN(n)} codes, ${bits} bits`;
        const pairs = nq * n;
        const codeBytes = n * (bits / 8);
        // Warm-up (pipeline compile, first-dispatch JIT) on a few queries, then full runs.
        await index.search(queries.subarray(0, 32 * w), k);
        const gpuRuns = n >= 10_000_000 ? 1 : 2;
        let gpuIdx: Uint32Array = new Uint32Array(0);
        const g = await timeRuns(gpuRuns, async () => { gpuIdx = (await index.search(queries, k)).indices; });
        const gRate = pairs / g.medianMs / 1e3; // M pairs/s
        const gCpuRate = g.cpuOthers > 0 ? pairs / g.cpuOthers / 1e6 : NaN; // M pairs per worker CPU-second
        rows.push({
          case: label, impl: `cmhash HammingIndex (${index.lastStrategy}, ${index.chunkCount} chunk${index.chunkCount > 1 ? 's' : ''})`, medianMs: g.medianMs, samples: g.samples,
          gbps: (pairs * (bits / 8)) / g.medianMs / 1e6,
          note: `${gRate.toFixed(0)} M q·items/s; ${gCpuRate.toFixed(0)} M per worker CPU-s (workers ${g.cpuOthers.toFixed(1)} s, polling main thread ${g.cpuMain.toFixed(1)} s); bound: DB once ${(codeBytes / bw / 1e6).toFixed(1)} ms, streamed per query ${((pairs * (bits / 8)) / bw / 1e6).toFixed(0)} ms`,
        });
        ctx.log(`${label}: GPU ${g.medianMs.toFixed(0)} ms, ${gRate.toFixed(0)} M pairs/s, ${gCpuRate.toFixed(0)} M pairs per worker CPU-s`);
        if (args.peers) {
          const fr = await runFaiss(db, queries, bits, k, { threads: [1, 2], runs: n >= 10_000_000 ? 1 : 2 });
          if (fr.ok) {
            const ours = await index.search(queries, k);
            const diff = faissDifference(ours, fr.result, db, queries, bits, k);
            for (const r of fr.run.runs) {
              rows.push({
                case: label, impl: `FAISS ${fr.run.faiss} IndexBinaryFlat (${r.threads} thread${r.threads > 1 ? 's' : ''})`, medianMs: r.ms, samples: r.times.length,
                gbps: (pairs * (bits / 8)) / r.ms / 1e6,
                note: `${(pairs / r.ms / 1e3).toFixed(0)} M q·items/s; ours/FAISS ${(r.ms / g.medianMs).toFixed(2)}×; results ${diff === null ? 'equal as sets per distance' : `DIFFER: ${diff}`}${fr.normalPriority ? '' : ' (peer reniced)'}`,
                extra: { times: r.times, equal: diff === null, difference: diff, nice: fr.run.nice },
              });
            }
            ctx.log(`${label}: FAISS best ${bestRun(fr.run).ms.toFixed(0)} ms (${bestRun(fr.run).threads} threads), equal ${diff === null ? 'yes' : diff}`);
          } else rows.push({ case: label, impl: 'FAISS IndexBinaryFlat', medianMs: NaN, samples: 0, note: `skipped: ${fr.missing}` });
        }
        // Plain TypeScript on a subset of the queries.
        const cq = args.quick ? 16 : Math.max(8, Math.round(2e8 / n));
        const sub = queries.subarray(0, cq * w);
        let cpuIdx: Uint32Array = new Uint32Array(0);
        const { value: c, normal } = await atNormalPriority(() => timeRuns(1, async () => { cpuIdx = hammingTopKCpu(sub, db, bits, k).indices; }));
        const cRate = (cq * n) / c.medianMs / 1e3;
        const cCpuRate = c.cpuMain > 0 ? (cq * n) / c.cpuMain / 1e6 : NaN;
        const same = cpuIdx.length === cq * k && cpuIdx.every((v, i) => v === gpuIdx[i]);
        rows.push({
          case: label, impl: 'plain TypeScript scan (1 thread)', medianMs: (c.medianMs * nq) / cq, samples: 1,
          gbps: (cq * n * (bits / 8)) / c.medianMs / 1e6,
          note: `${cRate.toFixed(0)} M q·items/s, ${cCpuRate.toFixed(0)} M per CPU-s, timed on ${cq} queries and scaled${normal ? '' : ' (still reniced)'}; GPU/TS wall ${(gRate / cRate).toFixed(1)}×, per CPU-s ${(gCpuRate / cCpuRate).toFixed(1)}×; results ${same ? 'equal' : 'DIFFER'}`,
        });
        ctx.log(`${label}: TS ${cRate.toFixed(0)} M pairs/s (${cq} queries), ${cCpuRate.toFixed(0)} M per CPU-s; GPU/TS wall ${(gRate / cRate).toFixed(1)}x, per CPU-s ${(gCpuRate / cCpuRate).toFixed(1)}x, equal ${same}`);
        index.dispose();
        await rt.sync();
      }
    }

    // Fused cosine similarity vs row-normalise + GEMM (Â·B̂ᵀ through matmul with transB).
    const cases = args.quick ? [[256, 256, 128]] : [[1024, 1024, 512], [128, 4096, 4096]];
    for (const [m, n, d] of cases as [number, number, number][]) {
      const r = new Rng(m + n + d);
      const a = fromArray(rt, Float32Array.from({ length: m * d }, () => r.uniform(-1, 1)), [m, d]);
      const b = fromArray(rt, Float32Array.from({ length: n * d }, () => r.uniform(-1, 1)), [n, d]);
      const label = `cosine similarity [${m},${d}]×[${n},${d}]ᵀ`;
      const flops = gemmFlops(m, n, d);
      const run = (f: () => unknown) => async (): Promise<void> => {
        noGrad(() => tidy(() => { f(); }));
        await rt.sync();
      };
      const fused = await measure('fused cosine', run(() => cosineSimilarity(a, b)), { timeMs: args.timeMs });
      rows.push({ case: label, impl: 'cmhash cosineSimilarity (fused, one pass)', medianMs: fused.medianMs, samples: fused.samples, gflops: gflops(flops, fused.medianMs) });
      const sep = await measure('normalise + matmul', run(() => matmul(l2Normalize(a), l2Normalize(b), { transB: true })), { timeMs: args.timeMs });
      rows.push({ case: label, impl: 'cmhash l2Normalize ×2 + matmul(transB)', medianMs: sep.medianMs, samples: sep.samples, gflops: gflops(flops, sep.medianMs) });
      ctx.log(`${label}: fused ${fused.medianMs.toFixed(1)} ms, normalise+matmul ${sep.medianMs.toFixed(1)} ms`);
      a.dispose();
      b.dispose();
    }
    return rows;
  },
};
