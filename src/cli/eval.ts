/** `cmhash eval`: evaluate a checkpoint on the test protocol (I→T, T→I), write results JSON and plots. */
import { join, resolve } from 'node:path';
import { loadCheckpointDir } from '../train/node/files.js';
import { ensureWritableDir } from '../train/node/durable.js';
import { checkDims, COMMON_HELP, COMMON_OPTIONS, datasetFor, imageInputFor, loadPlugins, modelFromCheckpoint, parse, runtimeFor, UsageError } from './common.js';
import { evaluateAndReport } from './report.js';
import { info } from './output.js';
import type { CliTrainConfig } from './train.js';

export const EVAL_HELP = `cmhash eval --checkpoint <dir> [options]

Rebuilds the model from a checkpoint folder and evaluates image→text and text→image retrieval of the
query split against the retrieval split: mAP@all, mAP@50, precision@K, precision–recall by Hamming
radius, and the random-code baseline. Writes results.json, pr.svg and patk.svg.

Options:
  --checkpoint <dir>   checkpoint folder (e.g. runs/jsghca-64/checkpoints/best)
  --data <spec>        dataset (default: the one the checkpoint was trained on)
  --out <dir>          output folder (default: <checkpoint>/eval)
${COMMON_HELP}`;

export async function evalCommand(args: string[]): Promise<number> {
  const v = parse(args, { ...COMMON_OPTIONS, checkpoint: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' } });
  if (v.help) {
    console.log(EVAL_HELP);
    return 0;
  }
  if (!v.checkpoint) throw new UsageError('--checkpoint <dir> is required');
  await loadPlugins(v.plugin);
  const dir = resolve(v.checkpoint as string);
  const ckpt = loadCheckpointDir(dir);
  const cli = (ckpt.meta.config.cli ?? {}) as Partial<CliTrainConfig>;
  const ds = datasetFor({ data: 'default', ...cli }, v.data as string | undefined);
  checkDims(ckpt, ds, dir, cli.rawImages ? ['textDim'] : ['imageDim', 'textDim']);
  const outDir = resolve((v.out as string | undefined) ?? join(dir, 'eval'));
  ensureWritableDir(outDir, '--out');
  const rt = await runtimeFor(v.backend ?? cli.backend);
  try {
    const model = await modelFromCheckpoint(rt, ckpt, dir);
    info(`cmhash eval: ${ckpt.meta.model.name} ${ckpt.meta.model.bits} bits, epoch ${ckpt.meta.loop.epoch}, on ${ds.name}`);
    await evaluateAndReport(model, ds, outDir, undefined, imageInputFor(rt, ds, { data: 'default', ...cli }), { runId: ckpt.meta.loop.runId ?? null, weights: { checkpoint: dir, epoch: ckpt.meta.loop.epoch } });
    model.dispose();
    return 0;
  } finally {
    await rt.destroy();
  }
}
