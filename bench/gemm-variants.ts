/**
 * A/B of GEMM tilings on the training steps' GEMM shapes (TRAIN_GEMMS), in one process, variants
 * interleaved every repetition so load from other work hits all alike; GPU time per call from
 * timestamp queries (median over repetitions of the mean over `per` back-to-back calls).
 *
 *   node dist/bench/gemm-variants.js [--reps 9] [--per 4] [--variants "16x2x8,8x2x8"] [--shapes 0,3,4] [--split 0|1]
 *
 * A variant is TM×TN×WG of gemm_sg; "default" is what gemm-config.ts picks (with its split-K policy);
 * --split 0 turns split-K off for the named variants.
 */
import { createNodeRuntime } from '../src/runtime/node-provider.js';
import { fromArray } from '../src/ops/raw.js';
import { matmulRaw } from '../src/ops/matmul.js';
import { gemmConfig, setGemmConfig, setSplitKPolicy, type GemmConfig } from '../src/ops/gemm-config.js';
import { TRAIN_GEMMS } from './suites/dense.js';
import { gemmLabel } from './gemm-profile.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  const reps = Number(opt('reps', '9'));
  const per = Number(opt('per', '4'));
  const split = opt('split', '1') === '1';
  const rt = await createNodeRuntime({ niceMainThread: true, dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
  const base = gemmConfig(rt);
  const names = opt('variants', 'default,8x2x8,16x1x8,8x4x8,16x2x16').split(',');
  const variants = names.map((n) => {
    // TMxTNxWG[sMINWG[kMINK]]: a tile, and optionally a split-K policy (minWorkgroups, minK).
    const [tile, sp] = n.split('s') as [string, string | undefined];
    const [mw, mk] = (sp ?? '').split('k').map(Number);
    const policy = sp ? { minWorkgroups: mw!, minK: mk || 512, maxSplits: 16 } : null;
    if (tile === 'default') return { name: n, cfg: null as GemmConfig | null, policy };
    const [TM, TN, WG] = tile.split('x').map(Number) as [number, number, number];
    return { name: n, cfg: { ...base, TM, TN, WG } as GemmConfig, policy };
  });
  const shapeIdx = opt('shapes', '').split(',').filter((s) => s !== '').map(Number);
  // --gemms "M,N,K[,tA][,tB];…": shapes of one's own instead of TRAIN_GEMMS.
  const own = opt('gemms', '').split(';').filter((s) => s !== '').map((s) => {
    const f = s.split(',');
    return { M: Number(f[0]), N: Number(f[1]), K: Number(f[2]), tA: f.includes('tA'), tB: f.includes('tB'), role: 'given' };
  });
  const shapes = own.length ? own : shapeIdx.length ? shapeIdx.map((i) => TRAIN_GEMMS[i]!) : TRAIN_GEMMS;
  let seed = 7;
  const rnd = (n: number): Float32Array => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  for (const s of shapes) {
    const a = fromArray(rt, rnd(s.M * s.K), s.tA ? [s.K, s.M] : [s.M, s.K]);
    const b = fromArray(rt, rnd(s.K * s.N), s.tB ? [s.N, s.K] : [s.K, s.N]);
    const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const labels = new Map<string, string>();
    for (let r = -1; r < reps; r++) {
      const order = r % 2 ? variants : [...variants].reverse();
      for (const v of order) {
        setGemmConfig(rt, v.cfg);
        setSplitKPolicy(rt, v.policy ?? (v.cfg && !split ? { minWorkgroups: 0, minK: 1, maxSplits: 1 } : null));
        let lab = '';
        rt.startProfiling({ labelOf: (spec, grid, u) => { const l = gemmLabel(spec, grid, u); if (l && !l.startsWith('splitk')) lab = l; return l ? 'gemm' : undefined; } });
        for (let i = 0; i < per; i++) matmulRaw(a, b, { transA: s.tA, transB: s.tB }).dispose();
        const rep = await rt.stopProfiling();
        labels.set(v.name, lab);
        if (r >= 0) times.get(v.name)!.push((rep.gpuMs * 1000) / per);
      }
    }
    setGemmConfig(rt, null);
    setSplitKPolicy(rt, null);
    a.dispose();
    b.dispose();
    const med = (x: number[]): number => [...x].sort((p, q) => p - q)[x.length >> 1]!;
    const flop = 2 * s.M * s.N * s.K;
    const ref = med(times.get(variants[0]!.name)!);
    console.log(`${s.M}×${s.N}×${s.K}${s.tA ? ' Aᵀ' : ''}${s.tB ? ' Bᵀ' : ''} (${s.role})`);
    for (const v of variants) {
      const t = med(times.get(v.name)!);
      console.log(`  ${v.name.padEnd(9)} ${t.toFixed(0).padStart(6)} µs  ${(flop / t / 1e3).toFixed(1).padStart(5)} GFLOP/s  ${(t / ref).toFixed(2)}×  min ${Math.min(...times.get(v.name)!).toFixed(0)}  [${labels.get(v.name)}]`);
    }
  }
  rt.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
