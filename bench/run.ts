/**
 * Benchmark harness: `npm run bench [-- --suite <name>] [--quick] [--time <ms>] [--out <dir>] [--no-nice]`.
 * Runs each suite (default: all), writes bench/results/<suite>.json and prints a markdown table.
 * Suites are plain modules implementing `Suite` (bench/lib/types.ts); add new ones to SUITES.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createNodeRuntime } from '../src/node.js';
import { formatAdapter } from '../src/runtime/adapter-info.js';
import { environment, markdownTable, writeResults } from './lib/report.js';
import { disposeTfjs } from './lib/tfjs.js';
import type { BenchArgs, Suite } from './lib/types.js';
import { denseSuite } from './suites/dense.js';
import { softmaxSuite } from './suites/softmax.js';
import { hammingSuite } from './suites/hamming.js';

export const SUITES: Suite[] = [denseSuite, softmaxSuite, hammingSuite];

/** bench/ in the source tree, whether run from dist/bench or bench. */
function benchDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'bench')}`) ? join(here, '..', '..', 'bench') : here;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { suite: null, quick: false, timeMs: 2000, outDir: join(benchDir(), 'results'), nice: true };
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
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--suite <${SUITES.map((s) => s.name).join('|')}>] [--quick] [--time <ms per case>] [--out <dir>] [--no-nice]`);
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${a}`);
  }
  if (!(args.timeMs > 0)) throw new Error('bench: --time must be a positive number of milliseconds');
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const suites = args.suite ? SUITES.filter((s) => s.name === args.suite) : SUITES;
  if (suites.length === 0) throw new Error(`bench: no suite named '${args.suite}' (have ${SUITES.map((s) => s.name).join(', ')})`);
  const rt = await createNodeRuntime({ niceMainThread: args.nice });
  const log = (line: string) => console.log(line);
  console.log(formatAdapter(rt.info).split('\n').slice(0, 3).join('\n'));
  try {
    for (const suite of suites) {
      const env = environment(rt);
      console.log(`\n## ${suite.name}: ${suite.description}\n`);
      const rows = await suite.run({ rt, args, log });
      const file = writeResults(args.outDir, suite.name, { ...env, quick: args.quick, niceMainThread: args.nice }, rows);
      console.log(`\n${markdownTable(rows)}\n\n(${file})`);
    }
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
