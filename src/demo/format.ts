/**
 * The demo export (`cmhash export-demo`, read by the demo page): static files in one folder.
 *
 *   demo.json             this manifest
 *   model.safetensors     the checkpoint's weights           (checkpoint format, src/train/checkpoint.ts)
 *   state.safetensors     the checkpoint's state tensors     (with the JSON side file's model state, the
 *                         model is rebuilt exactly as the CLI rebuilds it: input scales, stages, …)
 *   checkpoint.json       the checkpoint's JSON side file
 *   queries.safetensors   the query set: image F32 [q, dImage], text F32 [q, dText], labels U8 [q, c], rows U32 [q]
 *   database.safetensors  the retrieval set: labels U8 [n, c], rows U32 [n]
 *   db-image.cmhi         packed codes of the database images  (HammingIndex file; text → image search)
 *   db-text.cmhi          packed codes of the database texts   (HammingIndex file; image → text search)
 *   queries-image.cmhi    the CLI's codes of the query images  (to check the page's own encoding)
 *   queries-text.cmhi     the CLI's codes of the query texts
 *
 * Browser-safe: the page and the CLI share this description and its validation.
 */
// The demo page imports the library only through the entry (the bundler maps it to cmhash.js).
import { DataError, type Modality } from '../index.js';

export const DEMO_FORMAT = 'cmhash-demo/1';
export const DEMO_MANIFEST = 'demo.json';

export interface DemoManifest {
  format: typeof DEMO_FORMAT;
  createdAt: string;
  model: { name: string; bits: number; epoch: number };
  dataset: { name: string; labelNames: string[]; imageDim: number; textDim: number; text?: string; source?: string };
  counts: { queries: number; database: number };
  /** The query the page selects first for each direction (query modality), and why (src/demo/pick.ts); absent in older exports. */
  firstQuery?: Record<Modality, { query: number; ap: number }> & { rule: string };
  files: {
    weights: string;
    state: string;
    checkpoint: string;
    queries: string;
    database: string;
    /** Database codes by modality of the database items. */
    index: Record<Modality, string>;
    /** The exporting CLI's codes of the query items, by modality of the query. */
    queryCodes: Record<Modality, string>;
  };
}

/** The file names a fresh export uses. */
export const DEMO_FILES: DemoManifest['files'] = {
  weights: 'model.safetensors',
  state: 'state.safetensors',
  checkpoint: 'checkpoint.json',
  queries: 'queries.safetensors',
  database: 'database.safetensors',
  index: { image: 'db-image.cmhi', text: 'db-text.cmhi' },
  queryCodes: { image: 'queries-image.cmhi', text: 'queries-text.cmhi' },
};

/** Parse and check demo.json; every problem is a DataError naming the file and the field. */
export function parseDemoManifest(text: string, where = DEMO_MANIFEST): DemoManifest {
  let m: DemoManifest;
  try {
    m = JSON.parse(text) as DemoManifest;
  } catch (e) {
    throw new DataError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, want: string): never => {
    throw new DataError(`${where}: field '${field}' ${want}`);
  };
  if (!m || typeof m !== 'object') fail('(root)', 'must be an object');
  if (m.format !== DEMO_FORMAT) fail('format', `is ${JSON.stringify(m.format)}, expected "${DEMO_FORMAT}" (is this a cmhash demo export?)`);
  if (typeof m.model?.name !== 'string' || !Number.isInteger(m.model.bits) || m.model.bits < 1) fail('model', 'must have a name and integer bits');
  const d = m.dataset;
  if (!d || typeof d.name !== 'string' || !Array.isArray(d.labelNames) || d.labelNames.some((l) => typeof l !== 'string')) fail('dataset', 'must have a name and labelNames (strings)');
  if (!Number.isInteger(d.imageDim) || d.imageDim < 1 || !Number.isInteger(d.textDim) || d.textDim < 1) fail('dataset', 'must have positive integer imageDim and textDim');
  if (!Number.isInteger(m.counts?.queries) || m.counts.queries < 1 || !Number.isInteger(m.counts?.database) || m.counts.database < 1) fail('counts', 'must give positive integer queries and database');
  if (m.firstQuery !== undefined) {
    const fq = m.firstQuery;
    for (const mod of ['image', 'text'] as const) {
      const e = fq?.[mod];
      if (!e || !Number.isInteger(e.query) || e.query < 0 || e.query >= m.counts.queries || typeof e.ap !== 'number') fail(`firstQuery.${mod}`, `must give a query number below ${m.counts.queries} and its ap`);
    }
    if (typeof fq.rule !== 'string') fail('firstQuery.rule', 'must be a string');
  }
  const f = m.files;
  const names = [f?.weights, f?.state, f?.checkpoint, f?.queries, f?.database, f?.index?.image, f?.index?.text, f?.queryCodes?.image, f?.queryCodes?.text];
  if (names.some((n) => typeof n !== 'string' || n === '' || n.includes('..') || n.startsWith('/'))) fail('files', 'must name every file (relative names inside the export folder)');
  return m;
}
