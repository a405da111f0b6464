/**
 * Page script of the in-browser kernel suite: creates a runtime on navigator.gpu with poisoned
 * buffers, runs every family of kernel-suite.ts (and the negative controls), compares each result
 * with its float64 CPU reference, shows a table and publishes the report on `window.__kernelSuite`
 * for the test driver. `?family=a,b` runs only the named families.
 */
import { createBrowserRuntime, KERNEL_SOURCES, type AdapterSummary, type KernelSpec, type Runtime } from '../../src/index.js';
import { evaluateCheck, type CheckResult } from './compare.js';
import { CONTROLS, FAMILIES, type KernelFamily } from './kernel-suite.js';

export interface CaseReport {
  family: string;
  name: string;
  control: boolean;
  ok: boolean;
  checks: CheckResult[];
  error?: string;
  ms: number;
}

export interface SuiteReport {
  done: boolean;
  adapter?: AdapterSummary;
  families: string[];
  cases: CaseReport[];
  /** Every kernel in the bundle, and those the (non-control) cases dispatched. */
  kernels: string[];
  kernelsUsed: string[];
  /** The case running now (names the culprit when the suite hangs). */
  running?: string;
  /** Set when the suite could not run at all (no WebGPU, runtime creation failed). */
  fatal?: string;
}

declare global {
  interface Window {
    __kernelSuite?: SuiteReport;
  }
}

const report: SuiteReport = { done: false, families: [], cases: [], kernels: Object.keys(KERNEL_SOURCES).sort(), kernelsUsed: [] };
window.__kernelSuite = report;

const statusEl = document.getElementById('status')!;
const tbody = document.querySelector('#results tbody')!;

function show(r: CaseReport): void {
  const tr = document.createElement('tr');
  tr.className = r.ok ? 'ok' : 'fail';
  const detail = r.error ?? r.checks.filter((c) => !c.ok).map((c) => `${c.label}: ${c.reason}`).join('; ');
  for (const text of [r.family, r.name, r.control ? 'control (must fail)' : '', r.ok ? 'pass' : 'FAIL', `${r.checks.length}`, detail, `${r.ms.toFixed(0)} ms`]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
}

async function runFamily(rt: Runtime, fam: KernelFamily, control: boolean): Promise<void> {
  for (const c of fam.cases) {
    const t0 = performance.now();
    const r: CaseReport = { family: fam.family, name: c.name, control, ok: false, checks: [], ms: 0 };
    report.running = `${fam.family}/${c.name}`;
    try {
      const checks = await c.run(rt);
      await rt.sync(); // surfaces asynchronous GPU errors of this case
      r.checks = checks.map(evaluateCheck);
      r.ok = r.checks.length > 0 && r.checks.every((x) => x.ok);
      if (r.checks.length === 0) r.error = 'case produced no checks';
    } catch (e) {
      r.error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    r.ms = performance.now() - t0;
    report.cases.push(r);
    show(r);
    statusEl.textContent = `running… ${report.cases.length} cases done`;
  }
}

async function main(): Promise<void> {
  const only = new URLSearchParams(location.search).get('family')?.split(',').filter(Boolean);
  const families = FAMILIES.filter((f) => !only || only.includes(f.family));
  report.families = families.map((f) => f.family);
  let rt: Runtime;
  try {
    rt = await createBrowserRuntime({ poisonBuffers: true });
  } catch (e) {
    report.fatal = `${(e as Error).name}: ${(e as Error).message}`;
    statusEl.textContent = report.fatal;
    report.done = true;
    return;
  }
  report.adapter = rt.info;
  // Record which kernels the suite dispatches, so kernels without a browser check are noticed.
  const used = new Set<string>();
  const get = rt.pipelines.get.bind(rt.pipelines);
  rt.pipelines.get = (spec: KernelSpec) => {
    used.add(spec.kernel);
    return get(spec);
  };
  document.getElementById('adapter')!.textContent = `${rt.info.vendor} / ${rt.info.architecture} (${rt.info.description || rt.info.backend})`;
  for (const fam of families) await runFamily(rt, fam, false);
  report.kernelsUsed = [...used].sort();
  report.running = undefined;
  if (!only) await runFamily(rt, CONTROLS, true);
  await rt.destroy();
  const failed = report.cases.filter((c) => !c.control && !c.ok).length;
  statusEl.textContent = `done: ${report.cases.length} cases, ${failed} failed`;
  report.done = true;
}

main().catch((e) => {
  report.fatal = `${(e as Error).name}: ${(e as Error).message}`;
  report.done = true;
});
