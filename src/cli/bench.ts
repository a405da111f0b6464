/** `cmhash bench`: runs the benchmark harness (dist/bench/run.js) with the given arguments. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../data/node/files.js';
import { UsageError } from './common.js';

export const BENCH_HELP = `cmhash bench [harness arguments]

Runs the tinybench harness (node dist/bench/run.js) and passes every argument through.
The harness's own options (suites, output files): cmhash bench --harness-help`;

export function benchCommand(args: string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(BENCH_HELP);
    return 0;
  }
  const script = join(packageRoot(), 'dist', 'bench', 'run.js');
  if (!existsSync(script)) throw new UsageError(`the benchmark harness ${script} is not built (run \`npm run build\`)`);
  args = args.map((a) => (a === '--harness-help' ? '--help' : a));
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
