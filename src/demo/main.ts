/**
 * The demo page: loads a `cmhash export-demo` folder (from ./data/ or `?data=<url>`, or a folder the
 * user picks), then answers queries on the GPU. States: loading → ready ⇄ searching → results, or
 * error (no WebGPU, a missing or malformed file, a failed search). The page publishes its state on
 * `window.__cmhashDemo` and `<body data-state>` for automated checks.
 */
import * as cm from '../index.js';
import { filesSource, loadDemo, MODALITIES, other, runQuery, urlSource, type DemoData, type FileSource, type SearchResult } from './load.js';

type State = 'loading' | 'ready' | 'searching' | 'results' | 'error';

export interface DemoStatus {
  state: State;
  message: string;
  error?: string;
  adapter?: cm.AdapterSummary;
  source?: string;
  last?: {
    modality: cm.Modality; query: number; row: number; k: number; code: number[]; cliCode: number[]; codeDiff: number;
    indices: number[]; distances: number[]; relevant: boolean[]; mapAll: number; allMapAll: number;
  };
}

declare global {
  interface Window {
    __cmhashDemo?: DemoStatus;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status: DemoStatus = { state: 'loading', message: 'Loading…' };
window.__cmhashDemo = status;

function setState(state: State, message: string): void {
  status.state = state;
  status.message = message;
  document.body.dataset.state = state;
  const box = $('status');
  box.className = `status ${state === 'loading' || state === 'searching' ? 'loading' : state === 'error' ? 'error' : 'ready'}`;
  $('status-text').textContent = message;
  $('error').hidden = state !== 'error';
  for (const b of ['search', 'random'] as const) ($(b) as HTMLButtonElement).disabled = state === 'loading' || state === 'searching' || !demo;
}

function showError(title: string, err: unknown, hint: string): void {
  const msg = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  status.error = msg;
  $('error-title').textContent = title;
  $('error-message').textContent = msg;
  $('error-hint').textContent = hint;
  setState('error', title);
}

let rt: cm.Runtime | null = null;
let demo: DemoData | null = null;

const labelNames = (): string[] => demo!.manifest.dataset.labelNames;
function labelsOf(labels: Uint8Array, i: number): number[] {
  const c = labelNames().length;
  const out: number[] = [];
  for (let l = 0; l < c; l++) if (labels[i * c + l]) out.push(l);
  return out;
}

function tags(ls: number[], shared: Set<number> | null): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const l of ls) {
    const s = document.createElement('span');
    s.className = shared?.has(l) ? 'tag shared' : 'tag';
    s.textContent = labelNames()[l]!;
    frag.appendChild(s);
  }
  if (ls.length === 0) frag.appendChild(document.createTextNode('(none)'));
  return frag;
}

function fillModelInfo(d: DemoData, src: FileSource): void {
  const m = d.manifest;
  const rows: [string, string][] = [
    ['model', `${m.model.name} · ${m.model.bits}-bit codes · epoch ${m.model.epoch}`],
    ['dataset', `${m.dataset.name}: ${m.counts.queries} query items, ${m.counts.database} database items, ${m.dataset.labelNames.length} labels`],
    ['features', `image ${m.dataset.imageDim}-d, text ${m.dataset.textDim}-d${m.dataset.text ? ` (${m.dataset.text})` : ''}`],
    ['loaded from', `${src.label} (${(d.bytes / 1e6).toFixed(1)} MB)`],
  ];
  const dl = $('model-info');
  dl.replaceChildren();
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  $('model').hidden = false;
}

function fillQueryList(): void {
  const sel = $('query-item') as HTMLSelectElement;
  const d = demo!;
  sel.replaceChildren();
  for (let i = 0; i < d.queries.n; i++) {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = `#${i} (dataset row ${d.queries.rows[i]}) — ${labelsOf(d.queries.labels, i).map((l) => labelNames()[l]).join(', ') || 'no label'}`;
    sel.appendChild(o);
  }
  ($('topk') as HTMLInputElement).max = String(Math.min(100, d.db.n));
  $('query').hidden = false;
  selectFirstQuery();
}

/** The export's stated first query for the chosen direction (median AP; src/demo/pick.ts), else query 0. */
function selectFirstQuery(): void {
  const d = demo!;
  const m = ($('direction') as HTMLSelectElement).value as cm.Modality;
  const fq = d.manifest.firstQuery;
  ($('query-item') as HTMLSelectElement).value = String(fq ? fq[m].query : 0);
  showQueryOwn();
}

/** The selected query's own data: its kind, dataset row and labels, and why it is the first one. */
function showQueryOwn(): void {
  const d = demo!;
  const m = ($('direction') as HTMLSelectElement).value as cm.Modality;
  const qi = Number(($('query-item') as HTMLSelectElement).value);
  const fq = d.manifest.firstQuery;
  const why = fq && fq[m].query === qi
    ? ` This is the first query by the export's rule: ${fq.rule} (its AP ${fq[m].ap.toFixed(3)}).`
    : '';
  $('query-own').replaceChildren(
    document.createTextNode(`This query: the ${m} of test item #${qi} (dataset row ${d.queries.rows[qi]}), labelled `),
    tags(labelsOf(d.queries.labels, qi), null),
    document.createTextNode(`; it searches the ${d.db.n} database ${other(m)}s.${why}`),
  );
}

function showResults(r: SearchResult): void {
  const d = demo!;
  const qLabels = labelsOf(d.queries.labels, r.query);
  const shared = new Set(qLabels);
  const dbMod = other(r.modality);
  const details = $('query-details');
  details.replaceChildren(
    document.createTextNode(`Query: ${r.modality} #${r.query} (dataset row ${d.queries.rows[r.query]}), labels `),
    tags(qLabels, null),
    document.createTextNode(
      ` — encoded on the GPU in ${r.encodeMs.toFixed(0)} ms; ` +
        (r.codeDiff === 0 ? 'the code equals the one cmhash export-demo computed.' : `the code differs from the CLI's in ${r.codeDiff} of ${d.model.info.bits} bits.`),
    ),
  );
  const tbody = document.querySelector('#results-table tbody')!;
  tbody.replaceChildren();
  r.indices.forEach((idx, i) => {
    const tr = document.createElement('tr');
    const cells: (string | Node)[] = [
      String(i + 1), `${dbMod} #${idx} (row ${d.db.rows[idx]})`, tags(labelsOf(d.db.labels, idx), shared), String(r.distances[i]), r.relevant[i] ? '✓ yes' : '✗ no',
    ];
    cells.forEach((c, j) => {
      const td = document.createElement('td');
      if (j === 0 || j === 3) td.className = 'num';
      if (j === 1) td.className = 'item';
      if (j === 4) td.className = r.relevant[i] ? 'yes' : 'no';
      td.append(c);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  const hits = r.relevant.filter(Boolean).length;
  $('results-summary').textContent = `${r.modality} → ${dbMod}: top ${r.k} of ${d.db.n} by Hamming distance, ${hits} relevant (GPU search ${r.searchMs.toFixed(0)} ms)`;
  const dir = r.modality === 'image' ? 'I→T' : 'T→I';
  $('pr-svg').innerHTML = cm.prCurveSvg(
    [{ name: `this query (AP ${r.metrics.mapAll.toFixed(3)})`, metrics: r.metrics }, { name: `all ${d.queries.n} queries (mAP ${r.allMetrics.mapAll.toFixed(3)})`, metrics: r.allMetrics }],
    `Precision–recall by Hamming radius, ${dir}`,
  );
  $('pr-caption').textContent = `One point per Hamming radius 0…${d.model.info.bits}; relevant = shares at least one label. "All queries" uses the exported query codes.`;
  $('results').hidden = false;
  status.last = {
    modality: r.modality, query: r.query, row: d.queries.rows[r.query]!, k: r.k, code: Array.from(r.code), cliCode: Array.from(r.cliCode), codeDiff: r.codeDiff,
    indices: Array.from(r.indices), distances: Array.from(r.distances), relevant: r.relevant, mapAll: r.metrics.mapAll, allMapAll: r.allMetrics.mapAll,
  };
}

async function search(): Promise<void> {
  if (!demo) return;
  const m = ($('direction') as HTMLSelectElement).value as cm.Modality;
  const qi = Number(($('query-item') as HTMLSelectElement).value);
  const k = Number(($('topk') as HTMLInputElement).value);
  if (!MODALITIES.includes(m)) return;
  setState('searching', `Encoding ${m} #${qi} and searching ${demo.db.n} ${other(m)} codes on the GPU…`);
  try {
    const r = await runQuery(demo, m, qi, k);
    showResults(r);
    setState('results', `Ready. Top ${k} ${other(m)} results for ${m} #${qi}.`);
  } catch (e) {
    showError('The search failed', e, 'Try another query or a smaller top-k; reload the page if the GPU device was lost.');
  }
}

async function load(src: FileSource): Promise<void> {
  demo?.dispose();
  demo = null;
  for (const id of ['model', 'query', 'results']) $(id).hidden = true;
  status.source = src.label;
  status.error = undefined;
  status.last = undefined;
  setState('loading', `Loading the export from ${src.label}…`);
  try {
    demo = await loadDemo(rt!, src, (msg) => setState('loading', msg));
  } catch (e) {
    showError(
      'Could not load the demo files',
      e,
      'The page needs a folder written by `cmhash export-demo --checkpoint <dir> --out <dir>`: serve it with `npm run demo -- --data <dir>`, or pick the folder below.',
    );
    return;
  }
  fillModelInfo(demo, src);
  fillQueryList();
  setState('ready', `Ready: pick a query and search (${demo.manifest.model.name}, ${demo.manifest.model.bits} bits).`);
}

async function main(): Promise<void> {
  setState('loading', 'Starting WebGPU…');
  const noGpu = (): void => {
    $('adapter').querySelector('span')!.textContent = 'none';
    document.querySelector('footer')!.hidden = true;
  };
  if (!('gpu' in navigator) || !(navigator as Navigator & { gpu?: GPU }).gpu) {
    noGpu();
    showError(
      'WebGPU is not available in this browser',
      new Error('navigator.gpu is missing'),
      'Use a browser with WebGPU (Chrome or Edge 113+, or Chromium started with --enable-unsafe-webgpu) and open the page from http://127.0.0.1 / http://localhost or https: WebGPU needs a secure context.',
    );
    return;
  }
  try {
    rt = await cm.createBrowserRuntime();
  } catch (e) {
    noGpu();
    showError('No WebGPU adapter', e, 'The browser exposes WebGPU but gave no adapter or device: check that hardware acceleration (or a software adapter) is enabled.');
    return;
  }
  status.adapter = rt.info;
  const a = rt.info;
  $('adapter').querySelector('span')!.textContent =
    `${[a.vendor, a.architecture, a.device].filter(Boolean).join(' / ') || '(unnamed)'}${a.description ? ` — ${a.description}` : ''}${a.isFallbackAdapter ? ' (software fallback adapter)' : ''}`;
  void rt.device.lost.then((info) => {
    if (info.reason !== 'destroyed') showError('The GPU device was lost', new Error(info.message || String(info.reason)), 'Reload the page.');
  });

  $('query-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void search();
  });
  $('direction').addEventListener('change', () => {
    if (demo) selectFirstQuery();
  });
  $('query-item').addEventListener('change', () => {
    if (demo) showQueryOwn();
  });
  $('random').addEventListener('click', () => {
    if (!demo) return;
    ($('query-item') as HTMLSelectElement).value = String(Math.floor(Math.random() * demo.queries.n));
    showQueryOwn();
    void search();
  });
  $('open-folder').addEventListener('change', (ev) => {
    const files = (ev.target as HTMLInputElement).files;
    if (files && files.length) void load(filesSource(files));
  });
  const param = new URLSearchParams(location.search).get('data') ?? 'data/';
  await load(urlSource(new URL(param.endsWith('/') ? param : `${param}/`, location.href)));
}

void main().catch((e) => showError('The demo failed to start', e, 'Reload the page; see the browser console for details.'));
