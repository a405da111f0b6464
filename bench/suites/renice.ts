/**
 * The renice option's effect (NodeRuntimeOptions.niceMainThread): the JSGHCA training step and a
 * 64-bit retrieval search measured in two child bench processes, one with the main thread reniced after
 * the first submit (the bench default) and one without (--no-nice), back to back. Dawn busy-polls on the
 * main thread while a map or onSubmittedWorkDone promise is pending; renicing gives lavapipe's worker
 * threads that core. The children are spawned in the CPU-peer phase, before this process renices itself,
 * so both start at the same priority.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, PeerContext, ResultRow, Suite } from '../lib/types.js';

interface ChildResult { nice: boolean; suite: string; rows?: ResultRow[]; error?: string }

const runScript = (): string => join(fileURLToPath(new URL('.', import.meta.url)), '..', 'run.js');

function child(suite: string, extra: string[], nice: boolean, quick: boolean): ChildResult {
  const out = mkdtempSync(join(tmpdir(), 'cmhash-renice-'));
  try {
    const argv = [runScript(), '--suite', suite, '--no-peers', '--out', out, ...extra, ...(quick ? ['--quick'] : []), ...(nice ? [] : ['--no-nice'])];
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 900_000 });
    if (r.status !== 0) return { nice, suite, error: `exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}` };
    const json = JSON.parse(readFileSync(join(out, `${suite}.json`), 'utf8')) as { rows: ResultRow[] };
    return { nice, suite, rows: json.rows };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export const reniceSuite: Suite = {
  name: 'renice',
  description: 'effect of niceMainThread: JSGHCA training step and 64-bit top-100 search, main thread reniced vs not (child processes)',

  async peers(ctx: PeerContext): Promise<ChildResult[]> {
    const { args, log } = ctx;
    const results: ChildResult[] = [];
    for (const [suite, extra] of [['train', ['--models', 'jsghca']], ['retrieval', []]] as [string, string[]][]) {
      for (const nice of [true, false]) {
        log(`  ${suite}, ${nice ? 'reniced' : 'not reniced'} …`);
        const r = child(suite, extra, nice, args.quick);
        if (r.error) log(`    failed: ${r.error}`);
        results.push(r);
      }
    }
    return results;
  },

  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const results = (ctx.peerData as ChildResult[] | undefined) ?? [];
    const rows: ResultRow[] = [];
    for (const suite of ['train', 'retrieval']) {
      const pick = (nice: boolean) => results.find((r) => r.suite === suite && r.nice === nice);
      const on = pick(true), off = pick(false);
      const ours = (r: ChildResult | undefined) => r?.rows?.find((x) => x.impl.startsWith('cmhash') && Number.isFinite(x.medianMs));
      const a = ours(on), b = ours(off);
      if (!a || !b) {
        rows.push({ case: `${suite}: renice`, impl: 'cmhash', medianMs: NaN, samples: 0, note: `not measured: ${on?.error ?? off?.error ?? 'no result'}` });
        continue;
      }
      const cpu = (r: ResultRow) => (typeof r.extra?.cpuMsPerStep === 'number' ? `, ${(r.extra.cpuMsPerStep as number).toFixed(1)} CPU-ms/step` : '');
      rows.push({ case: a.case, impl: 'cmhash, main thread reniced (niceMainThread: true)', medianMs: a.medianMs, samples: a.samples, note: `${(b.medianMs / a.medianMs).toFixed(2)}× faster than not reniced${cpu(a)}` });
      rows.push({ case: b.case, impl: 'cmhash, default priority (--no-nice)', medianMs: b.medianMs, samples: b.samples, note: cpu(b).replace(/^, /, '') || undefined });
      ctx.log(`${a.case}: reniced ${a.medianMs.toFixed(2)} ms, not reniced ${b.medianMs.toFixed(2)} ms`);
    }
    return rows;
  },
};
