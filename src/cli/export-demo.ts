/** `cmhash export-demo`: a checkpoint + its dataset → the static files the browser demo loads (src/demo/format.ts). */
import { copyFileSync, writeFileSync } from 'node:fs';
import { ensureWritableDir } from '../train/node/durable.js';
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/node/load.js';
import { gatherRows } from '../data/dataset.js';
import { loadCheckpointDir } from '../train/node/files.js';
import { encodeFeatures } from '../train/evaluate.js';
import { encodeSafetensors } from '../io/safetensors.js';
import { HammingIndex } from '../retrieval/index.js';
import { DataError } from '../runtime/errors.js';
import type { Modality } from '../models/types.js';
import { FIRST_QUERY_RULE, medianPosition, queryAps } from '../demo/pick.js';
import { wordsFor } from '../ops/hashing.js';
import { DEMO_FILES, DEMO_FORMAT, DEMO_MANIFEST, type DemoManifest } from '../demo/format.js';
import { COMMON_HELP, COMMON_OPTIONS, int, loadPlugins, modelFromCheckpoint, parse, runtimeFor, UsageError } from './common.js';
import type { CliTrainConfig } from './train.js';
import { info } from './output.js';

export const EXPORT_DEMO_HELP = `cmhash export-demo --checkpoint <dir> --out <dir> [options]

Writes everything the browser demo (npm run demo) needs as static files: the checkpoint,
the query set (image and text features, labels), the retrieval set's labels, the retrieval set's
packed codes for each modality (HammingIndex files) and the CLI's codes of the queries.

Options:
  --checkpoint <dir>   checkpoint folder (e.g. runs/default/checkpoints/best)
  --out <dir>          output folder (created; existing export files are replaced)
  --data <spec>        dataset (default: the one the checkpoint was trained on)
  --queries <n>        export only the first n query items (default: the whole query split)
${COMMON_HELP}`;

const MODALITIES: Modality[] = ['image', 'text'];

export async function exportDemoCommand(args: string[]): Promise<number> {
  const v = parse(args, { ...COMMON_OPTIONS, checkpoint: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, queries: { type: 'string' } });
  if (v.help) {
    console.log(EXPORT_DEMO_HELP);
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('--checkpoint <dir> is required');
  if (!v.out) throw new UsageError('--out <dir> is required');
  await loadPlugins(v.plugin);
  const dir = resolve(v.checkpoint as string);
  const out = resolve(v.out as string);
  const ckpt = loadCheckpointDir(dir);
  ensureWritableDir(out, '--out');
  const cli = (ckpt.meta.config.cli ?? {}) as Partial<CliTrainConfig>;
  const ds = loadDataset((v.data as string | undefined) ?? cli.data ?? 'default', { text: cli.text, valSize: cli.valSize, valSeed: cli.seed });
  const { imageDim, textDim } = ckpt.meta.dims;
  if (ds.imageDim !== imageDim || ds.textDim !== textDim) {
    throw new DataError(`${ds.name}: features are image ${ds.imageDim}-d and text ${ds.textDim}-d, the checkpoint's model expects ${imageDim} and ${textDim}`);
  }
  const allQueries = ds.splits.query;
  const nq = v.queries === undefined ? allQueries.length : Math.min(int('queries', v.queries, allQueries.length, 1), allQueries.length);
  const queryRows = allQueries.subarray(0, nq);
  const dbRows = ds.splits.retrieval;

  const rt = await runtimeFor(v.backend ?? cli.backend);
  try {
    const model = await modelFromCheckpoint(rt, ckpt, dir);
    const bits = model.info.bits;
    const f = DEMO_FILES;
    const features = (m: Modality) => (m === 'image' ? { data: ds.image, dim: ds.imageDim } : { data: ds.text, dim: ds.textDim });
    const codes = { db: {} as Record<Modality, Uint32Array>, query: {} as Record<Modality, Uint32Array> };
    for (const m of MODALITIES) {
      const { data, dim } = features(m);
      for (const [side, rows, file] of [['db', dbRows, f.index[m]], ['query', queryRows, f.queryCodes[m]]] as const) {
        const index = HammingIndex.create(rt, bits);
        codes[side][m] = await encodeFeatures(model, m, data, dim, rows);
        index.add(codes[side][m]);
        writeFileSync(join(out, file), index.save());
        index.dispose();
      }
    }
    const labels = (rows: Uint32Array) => Uint8Array.from(gatherRows(ds.labels, ds.numLabels, rows));
    // The page's first query per direction: the median-AP query (src/demo/pick.ts), from the codes just written.
    const qLabels = labels(queryRows), dbLabels = labels(dbRows);
    const first = (m: Modality) => {
      const aps = queryAps({ codes: codes.query[m], labels: qLabels }, { codes: codes.db[m === 'image' ? 'text' : 'image'], labels: dbLabels }, wordsFor(bits), ds.numLabels);
      const query = medianPosition(aps);
      return { query, ap: aps[query]! };
    };
    const firstQuery = { image: first('image'), text: first('text'), rule: FIRST_QUERY_RULE };
    writeFileSync(join(out, f.queries), encodeSafetensors(new Map([
      ['image', { shape: [nq, ds.imageDim], data: gatherRows(ds.image, ds.imageDim, queryRows) }],
      ['text', { shape: [nq, ds.textDim], data: gatherRows(ds.text, ds.textDim, queryRows) }],
      ['labels', { shape: [nq, ds.numLabels], data: labels(queryRows) }],
      ['rows', { shape: [nq], data: Uint32Array.from(queryRows) }],
    ]), { dataset: ds.name, split: 'query' }));
    writeFileSync(join(out, f.database), encodeSafetensors(new Map([
      ['labels', { shape: [dbRows.length, ds.numLabels], data: labels(dbRows) }],
      ['rows', { shape: [dbRows.length], data: Uint32Array.from(dbRows) }],
    ]), { dataset: ds.name, split: 'retrieval' }));
    // The whole checkpoint: the page rebuilds the model exactly as modelFromCheckpoint does.
    copyFileSync(join(dir, 'model.safetensors'), join(out, f.weights));
    copyFileSync(join(dir, 'state.safetensors'), join(out, f.state));
    copyFileSync(join(dir, 'checkpoint.json'), join(out, f.checkpoint));
    const manifest: DemoManifest = {
      format: DEMO_FORMAT,
      createdAt: new Date().toISOString(),
      model: { name: model.info.name, bits, epoch: ckpt.meta.loop.epoch },
      dataset: { name: ds.name, labelNames: ds.labelNames, imageDim: ds.imageDim, textDim: ds.textDim, text: cli.text, source: ds.source },
      counts: { queries: nq, database: dbRows.length },
      firstQuery,
      files: f,
    };
    writeFileSync(join(out, DEMO_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    model.dispose();
    info(`demo export: ${model.info.name} ${bits} bits (epoch ${ckpt.meta.loop.epoch}), ${nq} queries, ${dbRows.length} database items of ${ds.name} → ${out}`);
    return 0;
  } finally {
    await rt.destroy();
  }
}
