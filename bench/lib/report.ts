/** Markdown tables and JSON result files. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { ResultRow } from './types.js';

const fmt = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits));

export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = ['| case | implementation | median ms | GFLOP/s | worker CPU ms | samples | note |', '|---|---|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    lines.push(`| ${r.case} | ${r.impl} | ${fmt(r.medianMs, 1)} | ${fmt(r.gflops ?? r.gbps, 2)} | ${fmt(r.workerCpuMs ?? undefined, 0)} | ${r.samples} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}

export function environment(rt: Runtime): Record<string, unknown> {
  const i = rt.info;
  return {
    date: new Date().toISOString(),
    adapter: [i.vendor, i.architecture, i.device].filter(Boolean).join(' / '),
    driver: i.description,
    backend: i.backend,
    features: i.features,
    subgroups: i.subgroupMinSize ? `${i.subgroupMinSize}..${i.subgroupMaxSize}` : null,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavgAtStart: loadavg(),
    node: process.version,
    webgpu: packageVersion('webgpu'),
    gitCommit: gitCommit(),
  };
}

/** Installed version of an npm package (null when absent). */
export function packageVersion(name: string): string | null {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** The commit the benchmarked tree is based on, '+dirty' when it has uncommitted changes (null outside git). */
function gitCommit(): string | null {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+dirty' : ''}`;
}

export function writeResults(outDir: string, suite: string, env: Record<string, unknown>, rows: readonly ResultRow[]): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${suite}.json`);
  writeFileSync(file, JSON.stringify({ suite, ...env, loadavgAtEnd: loadavg(), rows }, null, 2) + '\n');
  return file;
}
