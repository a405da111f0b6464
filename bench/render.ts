/**
 * Regenerate BENCHMARKS.md from the JSON results (bench/results/<suite>.json):
 * `node dist/bench/render.js [--results <dir>] [--out <file>]` (run.ts calls it after writing results).
 *
 * Only the blocks between `<!-- bench:begin ID -->` and `<!-- bench:end ID -->` are generated; everything
 * else in the file (the kernel developers' hand-written predictions, outcomes and notes) is kept as it is.
 * A suite's block goes at the end of the hand-written section whose `## ` heading names the suite, or in a
 * new section at the end; the summary (every ours-vs-peer ratio in one table, with the environment) goes
 * right after the title.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './lib/report.js';
import type { ResultRow } from './lib/types.js';

export interface ResultFile {
  suite: string;
  date: string;
  adapter: string;
  driver: string;
  backend: string;
  cpu: string;
  cores: number;
  node: string;
  webgpu?: string | null;
  gitCommit?: string | null;
  quick: boolean;
  niceMainThread: boolean;
  loadavgAtStart: number[];
  loadavgAtEnd: number[];
  rows: ResultRow[];
}

/** Where each suite's block goes when the file has a hand-written section for it, and its title otherwise. */
const SECTIONS: Record<string, { heading: RegExp; title: string }> = {
  dense: { heading: /^##\s+.*\b(dense|gemm)/i, title: 'Dense kernels (GEMM, convolution)' },
  softmax: { heading: /^##\s+softmax/i, title: 'Softmax' },
  hamming: { heading: /^##\s+.*\b(hamming|hashing)/i, title: 'Hamming search' },
  train: { heading: /^##\s+.*\(train suite\)/i, title: 'Training step and epoch (train suite)' },
  retrieval: { heading: /^##\s+.*\(retrieval suite\)/i, title: 'Retrieval vs CPU scans (retrieval suite)' },
  renice: { heading: /^##\s+.*\(renice suite\)/i, title: 'The renice option (renice suite)' },
};
const ORDER = ['train', 'retrieval', 'dense', 'softmax', 'hamming', 'renice'];

const begin = (id: string): string => `<!-- bench:begin ${id} -->`;
const end = (id: string): string => `<!-- bench:end ${id} -->`;

export function readResults(dir: string): ResultFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultFile)
    .filter((r) => r && typeof r.suite === 'string' && Array.isArray(r.rows))
    .sort((a, b) => (ORDER.indexOf(a.suite) + 99 * +(ORDER.indexOf(a.suite) < 0)) - (ORDER.indexOf(b.suite) + 99 * +(ORDER.indexOf(b.suite) < 0)) || a.suite.localeCompare(b.suite));
}

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const mib = (b: unknown): string => (fin(b) ? (b / 2 ** 20).toFixed(1) : '');
const f = (v: unknown, d: number): string => (fin(v) ? v.toFixed(d) : '');
const load = (r: ResultFile): string => `${r.loadavgAtStart?.[0]?.toFixed(1) ?? '?'} → ${r.loadavgAtEnd?.[0]?.toFixed(1) ?? '?'}`;
const mesa = (driver: string): string => /Mesa\s+([\w.~+-]+)/.exec(driver)?.[1] ?? driver;

function runLine(r: ResultFile): string {
  return `Run ${r.date.replace('T', ' ').slice(0, 16)} UTC${r.gitCommit ? ` at ${r.gitCommit}` : ''}; ${r.adapter} (${r.driver}, ${r.backend}); ${r.cpu}, ${r.cores} cores; ` +
    `node ${r.node}${r.webgpu ? `, webgpu ${r.webgpu}` : ''}; main thread ${r.niceMainThread ? 'reniced' : 'not reniced'}; 1-min load average ${load(r)}` +
    `${r.quick ? '; **--quick: a smoke test of the harness, not a measurement**' : ''}.`;
}

/** Versions of the peers as they appear in the rows. */
function peerVersions(results: ResultFile[]): string[] {
  const out = new Set<string>();
  for (const r of results) {
    for (const row of r.rows) {
      const m = /(PyTorch|tfjs-webgpu|numpy|FAISS) ([\w.+-]+)/.exec(row.impl);
      if (m) out.add(`${m[1]} ${m[2]}`);
    }
  }
  return [...out].sort();
}

/** Implementations that are what a user would pick instead of cmhash (the summary's peers). */
const EXTERNAL = /PyTorch|tfjs|numpy|TypeScript|onnx|WebAssembly|FAISS/i;

/** Ours-vs-peer ratio as a speed-up of ours (> 1: ours faster). */
function ratio(ours: number, peer: number): string {
  const s = peer / ours;
  return s >= 1 ? `**${s.toFixed(2)}×** faster` : `**${s.toFixed(2)}×** (${(1 / s).toFixed(1)}× slower)`;
}

function oursRow(rows: ResultRow[]): ResultRow | undefined {
  const ours = rows.filter((r) => r.impl.startsWith('cmhash') && fin(r.medianMs));
  return ours.find((r) => r.impl.includes('(default)')) ?? ours[0];
}

export function summary(results: ResultFile[]): string {
  const lines: string[] = ['## Summary: cmhash vs what users would pick instead (generated)', ''];
  if (results.length === 0) return [...lines, 'No results yet: run `npm run bench`.'].join('\n');
  const first = results[0]!;
  lines.push(`From ${results.map((r) => `bench/results/${r.suite}.json`).join(', ')}. Adapter: ${first.adapter} — Mesa ${mesa(first.driver)} (${first.backend}); ` +
    `${first.cpu}, ${first.cores} cores; node ${first.node}${first.webgpu ? `, webgpu (Dawn) ${first.webgpu}` : ''}; peers: ${peerVersions(results).join(', ') || 'none ran'}. ` +
    `Runs ${[...new Set(results.map((r) => r.date.slice(0, 16).replace('T', ' ')))].sort().join(', ')} UTC; 1-min load average per suite: ${results.map((r) => `${r.suite} ${load(r)}`).join(', ')}.` +
    (results.some((r) => r.quick) ? ` **Some results are --quick smoke tests (${results.filter((r) => r.quick).map((r) => r.suite).join(', ')}), not measurements.**` : ''), '');
  lines.push('Ratios are speed-ups of cmhash over the peer (median wall time of the peer ÷ ours; for training, throughput per step). ' +
    'Targets (issue 9): JSGHCA training at batch 32 ≥ 0.5× PyTorch CPU; retrieval faster than PyTorch CPU. (Issue 14): exact top-100 over 1M codes at least as fast as FAISS IndexBinaryFlat with 2 threads at 32/64/128 bits; multi-index hashing ≥ 5× the flat scan on learned 64-bit codes.', '');
  lines.push('| suite | case | cmhash ms | peer | peer ms | cmhash vs peer |', '|---|---|---:|---|---:|---|');
  for (const r of results) {
    if (r.suite === 'renice') continue;
    const cases = [...new Set(r.rows.map((x) => x.case))];
    for (const c of cases) {
      const rows = r.rows.filter((x) => x.case === c);
      const ours = oursRow(rows);
      for (const p of rows) {
        if (!EXTERNAL.test(p.impl)) continue; // our own alternatives (other GEMM paths, naive kernels) stay in the suite tables
        if (/MultiHash/.test(p.impl)) continue; // approximate unless nflip covers the neighbours: compared with our multi-index search in the suite table
        if (!ours) continue;
        if (!fin(p.medianMs)) {
          lines.push(`| ${r.suite} | ${c} | ${f(ours.medianMs, 1)} | ${p.impl} | | ${(p.note ?? 'no result').replace(/\|/g, '\\|')} |`);
          continue;
        }
        lines.push(`| ${r.suite} | ${c} | ${f(ours.medianMs, 1)} | ${p.impl} | ${f(p.medianMs, 1)} | ${ratio(ours.medianMs, p.medianMs)} |`);
      }
      if (r.suite === 'train' && !ours) {
        const missing = rows.find((x) => x.impl.startsWith('cmhash'));
        if (missing) lines.push(`| train | ${c} | | | | ${missing.note ?? 'no result'} |`);
      }
    }
  }
  const renice = results.find((r) => r.suite === 'renice');
  if (renice) {
    for (const c of [...new Set(renice.rows.map((x) => x.case))]) {
      const rows = renice.rows.filter((x) => x.case === c);
      const on = rows.find((x) => /reniced \(/.test(x.impl)), off = rows.find((x) => /--no-nice/.test(x.impl));
      if (on && off && fin(on.medianMs) && fin(off.medianMs)) lines.push(`| renice | ${c} | ${f(on.medianMs, 1)} (reniced) | same, main thread not reniced | ${f(off.medianMs, 1)} | ${ratio(on.medianMs, off.medianMs)} |`);
      else lines.push(`| renice | ${c} | | | | ${rows[0]?.note ?? 'no result'} |`);
    }
  }
  return lines.join('\n');
}

/** The train suite's extra tables: time, memory and the per-kernel GPU breakdown per model. */
function trainDetail(r: ResultFile): string {
  const ours = r.rows.filter((x) => x.impl.startsWith('cmhash') && x.extra);
  if (ours.length === 0) return '';
  const peerOf = (c: string) => r.rows.find((x) => x.case === c && x.impl.startsWith('PyTorch') && fin(x.medianMs));
  const out: string[] = ['', '**Time and memory per model** (peak GPU buffers from the runtime pool: live = held by tensors at once, pooled = everything the pool had allocated; RSS is the whole process, sampled after every step, and includes lavapipe\'s "GPU" memory, which is host memory; Δ = growth during this model):', '',
    '| model | batch (source) | step ms | epoch ms (steps) | dispatches / step | host recording ms / step | GPU busy ms / step | CPU ms / step | peak live MiB | peak pooled MiB | params MiB | peak RSS MiB (Δ over start) | prepare ms | PyTorch step ms | throughput vs PyTorch |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const o of ours) {
    const e = o.extra!;
    const p = peerOf(o.case);
    const prof = e.profile as { gpuMs: number } | undefined;
    out.push(`| ${e.model} | ${e.batchSize} (${e.batchSource}) | ${f(o.medianMs, 2)} | ${f(e.epochMs, 0)} (${e.stepsPerEpoch}) | ${f(e.dispatchesPerStep, 0)} | ${f(e.recordMs, 1)} | ${f(prof?.gpuMs, 2)} | ${f(e.cpuMsPerStep, 1)} | ${mib(e.peakLiveBytes)} | ${mib(e.peakAllocatedBytes)} | ${mib(e.paramBytes)} | ${mib(e.peakRssBytes)}${fin(e.rssStartBytes) && fin(e.peakRssBytes) ? ` (${e.peakRssBytes >= e.rssStartBytes ? '+' : '−'}${mib(Math.abs(e.peakRssBytes - e.rssStartBytes))})` : ''} | ${f(e.prepareMs, 0)} | ${p ? f(p.medianMs, 2) : ''} | ${p ? `${(p.medianMs / o.medianMs).toFixed(2)}×` : ''} |`);
  }
  out.push('', '**Where the GPU time goes** (timestamp queries, one compute pass per dispatch while profiling, averaged over the profiled steps; "GPU busy" can exceed the unprofiled step time because profiling adds pass boundaries):', '');
  for (const o of ours) {
    const e = o.extra!;
    const prof = e.profile as { gpuMs: number; dispatches: number; kernels: { kernel: string; dispatches: number; totalMs: number; meanUs: number; share: number }[] } | undefined;
    if (!prof) continue;
    const floor = fin(e.dispatchFloorUs) ? `; a near-empty dispatch costs ${f(e.dispatchFloorUs, 0)} µs here, so ≈${f((e.dispatchFloorUs as number) * prof.dispatches / 1e3, 1)} ms of it is fixed per-dispatch cost` : '';
    out.push(`*${e.model}* — ${f(prof.gpuMs, 2)} ms GPU over ${f(prof.dispatches, 0)} dispatches per step (step wall time ${f(o.medianMs, 2)} ms unprofiled, ${f(e.profiledStepMs, 2)} ms profiled${floor}):`, '',
      '| kernel | dispatches / step | mean µs | ms / step | share |', '|---|---:|---:|---:|---:|');
    for (const k of prof.kernels.slice(0, 8)) out.push(`| ${k.kernel} | ${f(k.dispatches, 1)} | ${f(k.meanUs, 0)} | ${f(k.totalMs, 2)} | ${(100 * k.share).toFixed(1)}% |`);
    out.push('');
    const tp = peerOf(o.case)?.extra?.profile as { steps: number; selfMsPerStep: number; ops: { op: string; calls: number; selfMs: number }[] } | null | undefined;
    if (tp) {
      out.push(`PyTorch, same step (torch.profiler self CPU time over ${tp.steps} steps, ${f(tp.selfMsPerStep, 2)} ms per step with the profiler's overhead):`, '',
        '| operator | calls / step | self ms / step | share |', '|---|---:|---:|---:|');
      for (const op of tp.ops.slice(0, 8)) out.push(`| ${op.op} | ${f(op.calls, 1)} | ${f(op.selfMs, 3)} | ${(100 * op.selfMs / tp.selfMsPerStep).toFixed(1)}% |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function suiteBlock(r: ResultFile): string {
  // Cells must not contain a bare '|' (notes quote error messages).
  const rows = r.rows.map((x) => ({ ...x, case: x.case.replace(/\|/g, '\\|'), impl: x.impl.replace(/\|/g, '\\|'), note: x.note?.replace(/\|/g, '\\|') }));
  const lines = [`### ${r.suite}: latest run (generated from bench/results/${r.suite}.json)`, '', runLine(r), '', markdownTable(rows)];
  if (r.suite === 'train') lines.push(trainDetail(r));
  return lines.join('\n');
}

interface Section { start: number; end: number; handWritten: boolean }

/**
 * The `## ` sections whose heading matches `heading`, with whether each holds hand-written text (any
 * non-blank line outside generated blocks).
 */
function sections(lines: string[], heading: RegExp): Section[] {
  const out: Section[] = [];
  lines.forEach((l, h) => {
    if (!heading.test(l)) return;
    let next = lines.findIndex((x, i) => i > h && /^##?\s/.test(x));
    if (next < 0) next = lines.length;
    let inBlock = false, handWritten = false;
    for (let i = h + 1; i < next; i++) {
      const t = lines[i]!.trim();
      if (t.startsWith('<!-- bench:begin ')) inBlock = true;
      else if (t.startsWith('<!-- bench:end ')) inBlock = false;
      else if (!inBlock && t !== '') handWritten = true;
    }
    out.push({ start: h, end: next, handWritten });
  });
  return out;
}

/**
 * Replace the block `id` in `doc`, or insert it: at the top, at the end of the (preferably hand-written)
 * section matching `heading`, else in a new section titled `title` at the end. A block that sits in a
 * section of its own while a hand-written section for it now exists moves there (its empty section goes).
 */
export function upsertBlock(doc: string, id: string, body: string, place: { heading?: RegExp; title?: string; top?: boolean }): string {
  const block = `${begin(id)}\n${body.trim()}\n${end(id)}`;
  let lines = doc.split('\n');
  const b = lines.indexOf(begin(id)), e = lines.indexOf(end(id));
  if (b >= 0 && e > b) {
    const hand = place.heading ? sections(lines, place.heading).find((x) => x.handWritten) : undefined;
    if (!hand || (b > hand.start && e < hand.end)) return [...lines.slice(0, b), block, ...lines.slice(e + 1)].join('\n');
    // Move: drop the block, and its section when nothing else is left in it.
    const own = [...lines.keys()].filter((i) => i < b && /^##\s/.test(lines[i]!)).pop();
    lines.splice(b, e - b + 1);
    if (own !== undefined) {
      let next = lines.findIndex((x, i) => i > own && /^##?\s/.test(x));
      if (next < 0) next = lines.length;
      if (lines.slice(own + 1, next).every((x) => x.trim() === '')) lines.splice(own, next - own);
    }
    lines = lines.join('\n').replace(/\n{3,}/g, '\n\n').split('\n');
  }
  if (place.top) {
    const t = lines.findIndex((l) => /^#\s/.test(l));
    lines.splice(t + 1, 0, '', block);
    return lines.join('\n');
  }
  if (place.heading) {
    const all = sections(lines, place.heading);
    const target = all.find((x) => x.handWritten) ?? all[0];
    if (target) {
      let next = target.end;
      while (next > target.start + 1 && lines[next - 1]!.trim() === '') next--;
      lines.splice(next, 0, '', block, '');
      return lines.join('\n').replace(/\n{3,}/g, '\n\n');
    }
  }
  return `${lines.join('\n').trimEnd()}\n\n## ${place.title ?? id}\n\n${block}\n`;
}

export function render(doc: string, results: ResultFile[]): string {
  let out = doc.trim() ? doc : '# Benchmarks\n';
  out = upsertBlock(out, 'summary', summary(results), { top: true });
  for (const r of results) {
    const s = SECTIONS[r.suite] ?? { heading: new RegExp(`^##\\s+.*\\b${r.suite}\\b`, 'i'), title: r.suite };
    out = upsertBlock(out, r.suite, suiteBlock(r), s);
  }
  return out.endsWith('\n') ? out : `${out}\n`;
}

/** Render `resultsDir` into `file` (keeping its hand-written parts); returns the file written. */
export function renderFile(resultsDir: string, file: string): string {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, render(doc, readResults(resultsDir)));
  return file;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const here = dirname(fileURLToPath(import.meta.url));
  const bench = here.includes(join('dist', 'bench')) ? join(here, '..', '..', 'bench') : here;
  let results = join(bench, 'results'), out = join(bench, '..', 'BENCHMARKS.md');
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--results') results = argv[++i]!;
    else if (argv[i] === '--out') out = argv[++i]!;
    else {
      console.error('usage: node dist/bench/render.js [--results <dir>] [--out <file>]');
      process.exit(2);
    }
  }
  console.log(`wrote ${relative(process.cwd(), renderFile(results, out)) || out}`);
}
