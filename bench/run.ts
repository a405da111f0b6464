/**
 * Benchmark harness: `npm run bench [-- --suite <name|a,b|all>] [--quick] [--time <ms>] [--out <dir>] [--no-nice] [--no-peers] [--models a,b]`.
 * Runs each suite (default or `all`: every suite), writes bench/results/<suite>.json and prints a markdown table.
 * Suites' CPU-peer phases (Suite.peers) run first, before the GPU runtime exists; see bench/README.md.
 * Suites are plain modules implementing `Suite` (bench/lib/types.ts); add new ones to SUITES.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createNodeRuntime } from '../src/node.js';
import { setTextureBPolicy } from '../src/ops/gemm-config.js';
import { formatAdapter } from '../src/runtime/adapter-info.js';
import { environment, markdownTable, writeResults } from './lib/report.js';
import { disposeTfjs } from './lib/tfjs.js';
import type { BenchArgs, Suite } from './lib/types.js';
import { denseSuite } from './suites/dense.js';
import { softmaxSuite } from './suites/softmax.js';
import { hammingSuite } from './suites/hamming.js';
import { trainSuite } from './suites/train.js';
import { retrievalSuite } from './suites/retrieval.js';
import { reniceSuite } from './suites/renice.js';
import { renderFile } from './render.js';

export const SUITES: Suite[] = [denseSuite, softmaxSuite, hammingSuite, trainSuite, retrievalSuite, reniceSuite];

/** bench/ in the source tree, whether run from dist/bench or bench. */
function benchDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'bench')}`) ? join(here, '..', '..', 'bench') : here;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { suite: null, quick: false, timeMs: 2000, outDir: join(benchDir(), 'results'), nice: true, models: null, peers: true, cases: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--suite') args.suite = value();
    else if (a === '--quick') args.quick = true;
    else if (a === '--time') args.timeMs = Number(value());
    else if (a === '--out') args.outDir = value();
    else if (a === '--no-nice') args.nice = false;
    else if (a === '--no-peers') args.peers = false;
    else if (a === '--models') args.models = value().split(',').map((m) => m.trim()).filter(Boolean);
    else if (a === '--cases') args.cases = value().split(',').map((m) => m.trim()).filter(Boolean);
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--suite <${SUITES.map((s) => s.name).join('|')}|all|a,b,…>] [--quick] [--time <ms per case>] [--out <dir>] [--no-nice] [--no-peers] [--models a,b (train suite)] [--cases a,b (dense: square,shapes,conv; retrieval: random,learned,learned-image,32,64,128)]`);
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${a}`);
  }
  if (!(args.timeMs > 0)) throw new Error('bench: --time must be a positive number of milliseconds');
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // One name, a comma-separated list (run in the order given), or all.
  const names = args.suite && args.suite !== 'all' ? args.suite.split(',').map((n) => n.trim()).filter(Boolean) : SUITES.map((s) => s.name);
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length || names.length === 0) throw new Error(`bench: no suite named '${unknown.join(', ') || args.suite}' (have ${SUITES.map((s) => s.name).join(', ')}, all)`);
  const suites = names.map((n) => SUITES.find((s) => s.name === n)!);
  const log = (line: string) => console.log(line);
  // CPU peers first, at the process's own priority (the runtime renices the main thread after its first submit).
  const peerData = new Map<string, unknown>();
  for (const suite of suites) {
    if (!suite.peers || !args.peers) continue;
    console.log(`\n## ${suite.name}: CPU peers\n`);
    peerData.set(suite.name, await suite.peers({ args, log }));
  }
  // Unquantised timestamps for the per-kernel profiles (Dawn rounds them by default); no effect on normal dispatches.
  const rt = await createNodeRuntime({ niceMainThread: args.nice, dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
  console.log(formatAdapter(rt.info).split('\n').slice(0, 3).join('\n'));
  // A/B switch for the texture-B GEMM path (src/ops/gemm-config.ts): CMHASH_TEXTURE_B=0 keeps every GEMM on gemm_sg.
  if (process.env.CMHASH_TEXTURE_B === '0') setTextureBPolicy(rt, 'off');
  try {
    for (const suite of suites) {
      const env = environment(rt);
      console.log(`\n## ${suite.name}: ${suite.description}\n`);
      const rows = await suite.run({ rt, args, log, peerData: peerData.get(suite.name) });
      const file = writeResults(args.outDir, suite.name, { ...env, quick: args.quick, niceMainThread: args.nice }, rows);
      console.log(`\n${markdownTable(rows)}\n\n(${file})`);
    }
    // Results in the tree's own folder regenerate BENCHMARKS.md (hand-written parts are kept; see render.ts).
    const defaultOut = join(benchDir(), 'results');
    if (args.outDir === defaultOut) console.log(`\n(${renderFile(defaultOut, join(benchDir(), '..', 'BENCHMARKS.md'))} regenerated)`);
  } finally {
    disposeTfjs();
    await rt.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  },
);
