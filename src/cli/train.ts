/** `cmhash train`: train a registered model on a dataset, evaluate on the test protocol, write plots. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeDataset } from '../data/dataset.js';
import { parseSplitSpec } from '../data/node/load.js';
import { createModel, getModelEntry } from '../models/registry.js';
import { train, type TrainConfig } from '../train/loop.js';
import { newRunId, restoreCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { parseLrSchedule } from '../train/schedule.js';
import { JsonlLog, loadCheckpointDir, recoverCheckpointDir, saveCheckpointDir } from '../train/node/files.js';
import { ensureWritableDir } from '../train/node/durable.js';
import { DataError } from '../runtime/errors.js';
import { progressHooks } from '../train/node/progress.js';
import { COMMON_HELP, COMMON_OPTIONS, datasetFor, imageInputFor, int, loadPlugins, num, parse, runtimeFor, UsageError, type Values } from './common.js';
import { evaluateAndReport } from './report.js';
import { info, isQuiet, shownPath } from './output.js';

export const TRAIN_HELP = `cmhash train --model <name> --bits <n> --data <default|wikipedia|mirflickr|folder> [options]

Trains a model on the training split, evaluates validation mAP every --eval-every epochs (early stop
after --patience evaluations without improvement), keeps the best weights, then evaluates I→T and T→I
on the test protocol (queries against the retrieval set) and writes, under --out:
  log.jsonl, checkpoints/last/, checkpoints/best/ (model.safetensors, state.safetensors, checkpoint.json),
  results.json, pr.svg, patk.svg

Options:
  --model <name>           model (default jsghca); 'cmhash train --list-models' shows the ones in this build
  --bits <n>               code length (default 64)
  --data <spec>            default (embedded Wikipedia), wikipedia, mirflickr, or a dataset folder (default 'default')
  --split <s>              MIRFlickr split: fixed (split/*.txt, default) | random:<seed> | per-label:<seed> (DJSRH's)
  --text <lda|tfidf>       Wikipedia text features: 10-d LDA topics (default) or 1000-d tf-idf
  --epochs <n>             epoch cap (default 200; early stopping ends runs sooner)
  --batch <n>              mini-batch size (default: the model's own, shown by --list-models)
  --lr <x>                 base learning rate (default: the model's)
  --lr-schedule <s>        constant | step:<every>:<gamma> | cosine[:<min>] | warmup:<epochs> (default constant)
  --seed <n>               seed for initialisation, batch order and splits (default 0)
  --val-size <x>           validation items carved from training: fraction < 1 or count (default 0.1)
  --eval-every <n>         validation every n epochs, 0 = never (default 1)
  --patience <n>           early stop after n evaluations without improvement, 0 = never (default 10)
  --min-epochs <n>         early stopping cannot end the run before epoch n (default 0: no floor)
  --checkpoint-every <n>   save checkpoints/last every n epochs (default 1)
  --raw-images <size>      train the image net on raw photos (decoded, augmented, normalised on the GPU) cropped
                           to size×size. A dataset with a photo for every row keeps its own split; otherwise
                           only the rows that have photos are used (MIRFlickr: 730), split by --photo-queries
  --photo-queries <n>      queries drawn (seeded) from the photo rows with --raw-images (default 100); given
                           explicitly it re-splits a fully photographed dataset too
  --model-config <json>    model-specific settings merged over the model's defaults, e.g. '{"beta":0.6}'
  --out <dir>              output folder (default runs/<model>-<bits>)
  --resume <dir>           continue from a checkpoint folder (e.g. runs/x/checkpoints/last); exact
                           continuation with the checkpoint's configuration; --epochs may extend it
  --reset-optimizer        with --resume: accept a checkpoint without state.safetensors and restart the
                           optimiser state (not an exact continuation)
  --progress <auto|bar|lines>  progress display (default auto: a bar on a terminal, lines otherwise)
  --list-models            list the models in this build and exit
${COMMON_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' }, bits: { type: 'string' }, data: { type: 'string' }, text: { type: 'string' },
  epochs: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, 'lr-schedule': { type: 'string' },
  seed: { type: 'string' }, 'val-size': { type: 'string' }, 'eval-every': { type: 'string' }, patience: { type: 'string' }, 'min-epochs': { type: 'string' },
  'checkpoint-every': { type: 'string' }, 'model-config': { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' },
  progress: { type: 'string' }, 'list-models': { type: 'boolean' }, 'reset-optimizer': { type: 'boolean' }, 'raw-images': { type: 'string' }, 'photo-queries': { type: 'string' }, split: { type: 'string' },
} as const;

/** The run configuration stored in checkpoints (what `--resume` and `eval` rebuild from). */
export interface CliTrainConfig {
  model: string;
  bits: number;
  data: string;
  text?: string;
  epochs: number;
  batch: number;
  lr?: number;
  lrSchedule?: string;
  seed: number;
  valSize: number;
  evalEvery: number;
  patience: number;
  /** Absent in checkpoints written before the option (= 0). */
  minEpochs?: number;
  checkpointEvery: number;
  modelConfig?: Record<string, unknown>;
  backend?: string;
  rawImages?: number;
  photoQueries?: number;
  split?: string;
}

/**
 * The convergence protocol of the results tables (README "Results"): train until the validation mAP has not
 * improved for DEFAULT_PATIENCE evaluations, within a generous cap — `cmhash train --model X` alone reproduces them.
 */
const DEFAULT_EPOCHS = 200;
const DEFAULT_PATIENCE = 10;

function configFrom(v: Values, base: CliTrainConfig | undefined, modelBatch: number): CliTrainConfig {
  let modelConfig = base?.modelConfig;
  if (v['model-config'] !== undefined) {
    try {
      modelConfig = JSON.parse(v['model-config'] as string) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--model-config is not valid JSON: ${(e as Error).message}`);
    }
  }
  const c: CliTrainConfig = {
    model: (v.model as string | undefined) ?? base?.model ?? 'jsghca',
    bits: int('bits', v.bits, base?.bits ?? 64, 1),
    data: (v.data as string | undefined) ?? base?.data ?? 'default',
    text: (v.text as string | undefined) ?? base?.text,
    epochs: int('epochs', v.epochs, base?.epochs ?? DEFAULT_EPOCHS, 1),
    batch: int('batch', v.batch, base?.batch ?? modelBatch, 1),
    lr: num('lr', v.lr, base?.lr),
    lrSchedule: (v['lr-schedule'] as string | undefined) ?? base?.lrSchedule,
    seed: int('seed', v.seed, base?.seed ?? 0),
    valSize: num('val-size', v['val-size'], base?.valSize ?? 0.1)!,
    evalEvery: int('eval-every', v['eval-every'], base?.evalEvery ?? 1),
    patience: int('patience', v.patience, base?.patience ?? DEFAULT_PATIENCE),
    minEpochs: int('min-epochs', v['min-epochs'], base?.minEpochs ?? 0),
    checkpointEvery: int('checkpoint-every', v['checkpoint-every'], base?.checkpointEvery ?? 1),
    modelConfig,
    backend: (v.backend as string | undefined) ?? base?.backend,
    rawImages: v['raw-images'] !== undefined ? int('raw-images', v['raw-images'], 0, 8) : base?.rawImages,
    photoQueries: v['photo-queries'] !== undefined ? int('photo-queries', v['photo-queries'], 0, 1) : base?.photoQueries,
    split: (v.split as string | undefined) ?? base?.split,
  };
  if (c.split) {
    try {
      parseSplitSpec(c.split);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (c.batch < 2) throw new UsageError(`--batch must be at least 2, got ${c.batch}: the models learn from similarities between the items of a mini-batch, and with one item every code collapses to the same value`);
  if (c.lrSchedule) {
    try {
      parseLrSchedule(c.lrSchedule);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return c;
}

export async function trainCommand(args: string[]): Promise<number> {
  const v = parse(args, OPTIONS);
  if (v.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  await loadPlugins(v.plugin);
  if (v['list-models']) {
    const { listModels } = await import('../models/registry.js');
    const models = await listModels();
    for (const m of models) console.log(`${m.name.padEnd(10)} ${m.supervised ? 'supervised  ' : 'unsupervised'} batch ${String(m.batchSize).padEnd(4)}${m.description}`);
    if (models.length === 0) console.log('(no models in this build)');
    return 0;
  }
  const resumeDir = v.resume as string | undefined;
  const resetOptimizer = v['reset-optimizer'] === true;
  if (resetOptimizer && !resumeDir) throw new UsageError('--reset-optimizer only applies with --resume <dir>');
  const ckpt = resumeDir
    ? loadCheckpointDir(resolve(resumeDir), { requireState: !resetOptimizer, resetHint: '; restore it, or pass --reset-optimizer to resume with fresh optimiser state (not an exact continuation)' })
    : undefined;
  if (ckpt) {
    for (const k of ['model', 'bits', 'seed', 'batch', 'data', 'text', 'lr', 'val-size', 'model-config', 'raw-images', 'photo-queries', 'split']) {
      if (v[k] !== undefined) throw new UsageError(`--${k} cannot change on --resume (exact continuation uses the checkpoint's configuration)`);
    }
  }
  const base = ckpt?.meta.config.cli as CliTrainConfig | undefined;
  // Fail fast on an unknown model, before loading data or a device; the entry also gives the model's own batch.
  const entry = await getModelEntry((v.model as string | undefined) ?? base?.model ?? 'jsghca');
  const cfg = configFrom(v, base, entry.batchSize);
  const out = resolve((v.out as string | undefined) ?? (resumeDir ? join(resolve(resumeDir), '..', '..') : join('runs', `${cfg.model}-${cfg.bits}`)));
  const progress = (v.progress as string | undefined) ?? 'auto';
  if (!['auto', 'bar', 'lines'].includes(progress)) throw new UsageError(`--progress must be auto, bar or lines, got '${progress}'`);

  ensureWritableDir(out, '--out');
  // Repair interrupted checkpoint saves of an earlier process before anything reads or replaces them.
  for (const tag of ['last', 'best']) {
    try {
      recoverCheckpointDir(join(out, 'checkpoints', tag));
    } catch (e) {
      console.error(`cmhash train: warning: ${(e as Error).message}; this run's first save replaces them`);
    }
  }
  const runId = ckpt?.meta.loop.runId ?? newRunId();
  const ds = datasetFor(cfg);
  const log = new JsonlLog(join(out, 'log.jsonl'));
  const rt = await runtimeFor(cfg.backend);
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error('\ncmhash train: stopping after this step (Ctrl-C again to abort); resume from checkpoints/last');
  };
  process.on('SIGINT', onSignal);
  try {
    const imageInput = imageInputFor(rt, ds, cfg);
    const model = await createModel(cfg.model, rt, {
      bits: cfg.bits, seed: cfg.seed,
      dims: { imageDim: ds.imageDim, textDim: ds.textDim, numLabels: ds.numLabels, ...(imageInput ? { imageShape: [...imageInput.shape] } : {}) },
      lr: cfg.lr, batchSize: cfg.batch, config: cfg.modelConfig, readFile: (p) => readFile(p),
    }).catch((e: Error) => {
      // A bad setting surfaces deep inside a layer ("Linear: outFeatures …"): name the option it came from.
      if (cfg.modelConfig && Object.keys(cfg.modelConfig).length) throw new UsageError(`--model-config ${JSON.stringify(cfg.modelConfig)}: model ${cfg.model} cannot be built with these settings (${e.message})`);
      throw e;
    });
    const trainConfig: TrainConfig = {
      epochs: cfg.epochs, batchSize: cfg.batch, seed: cfg.seed, evalEvery: cfg.evalEvery, patience: cfg.patience, minEpochs: cfg.minEpochs,
      checkpointEvery: cfg.checkpointEvery, lrSchedule: cfg.lrSchedule ? parseLrSchedule(cfg.lrSchedule) : undefined,
    };
    const bar = progressHooks({ epochs: cfg.epochs, tty: progress === 'auto' ? undefined : progress === 'bar', silent: isQuiet() });
    const t0 = performance.now();
    info(`cmhash train: ${cfg.model} ${cfg.bits} bits on ${ds.name} (${ds.splits.train.length} training pairs, ${ds.splits.val.length} validation, ${ds.splits.query.length} queries), adapter ${rt.info.description || rt.info.device} (${rt.info.backend})`);
    log.write('start', { runId, config: cfg, dataset: describeDataset(ds), model: model.info, adapter: rt.info, resumedFrom: resumeDir ?? null, resetOptimizer });
    if (resetOptimizer) console.error('cmhash train: --reset-optimizer: optimiser state restarts from zero (not an exact continuation)');
    const result = await train(model, ds, trainConfig, {
      // The caption vectorizer travels with the weights, so loadModel().encodeText(captions) matches training.
      checkpointConfig: { cli: cfg, ...(ds.textVectorizer ? { textVectorizer: ds.textVectorizer } : {}) },
      imageInput,
      onStep: bar.onStep,
      onEpoch: (r) => {
        bar.onEpoch!(r);
        log.write('epoch', { ...r });
      },
      onEval: ({ epoch, metrics, improved }) => log.write('val', { epoch, i2t: metrics.i2t.mapAll, t2i: metrics.t2i.mapAll, mean: metrics.meanMap, improved }),
      saveCheckpoint: async (c, tag) => saveCheckpointDir(join(out, 'checkpoints', tag), c),
      shouldStop: () => stopping,
      runId,
    }, ckpt, { where: resumeDir ? resolve(resumeDir) : undefined, resetState: resetOptimizer });
    bar.stop();
    const trainSeconds = (performance.now() - t0) / 1000;
    if (stopping) {
      log.write('interrupted', { epoch: result.state.epoch });
      info(`interrupted after epoch ${result.state.epoch}; resume with: npx cmhash train --resume ${shownPath(join(out, 'checkpoints', 'last'))}`);
      model.dispose();
      return 130;
    }
    let weights: Record<string, unknown> = { source: 'last', epoch: result.state.epoch };
    let bestDir = join(out, 'checkpoints', 'best');
    if (result.best) {
      const found = result.bestCheckpoint ? { ckpt: result.bestCheckpoint, dir: join(out, 'checkpoints', 'best') } : findBest(runId, result.best, [join(out, 'checkpoints', 'best'), ...(resumeDir ? [join(resolve(resumeDir), '..', 'best')] : [])], resumeDir ? join(resolve(resumeDir), '..', 'best') : null);
      await restoreCheckpoint(model, found.ckpt, found.dir);
      weights = { source: 'best', epoch: result.best.epoch, checkpoint: found.dir };
      bestDir = found.dir;
      info(`best validation mAP ${result.best.score.toFixed(4)} at epoch ${result.best.epoch}${result.stoppedEarly ? ' (stopped early)' : ''}; evaluating those weights (${found.dir})`);
    }
    const report = await evaluateAndReport(model, ds, out, undefined, imageInput, { runId, weights });
    log.write('test', { i2t: report.i2t.mapAll, t2i: report.t2i.mapAll, i2tMapAtK: report.i2t.mapAtK, t2iMapAtK: report.t2i.mapAtK, bestEpoch: result.best?.epoch ?? null, trainSeconds });
    info(`trained ${result.state.epoch} epochs in ${trainSeconds.toFixed(1)} s`);
    const ck = (tag: string) => shownPath(join(out, 'checkpoints', tag));
    info(`checkpoints: ${result.best ? `${shownPath(bestDir)} (best validation, epoch ${result.best.epoch}), ` : ''}${ck('last')} (epoch ${result.state.epoch}); log ${shownPath(join(out, 'log.jsonl'))}`);
    model.dispose();
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    await rt.destroy();
  }
}

/**
 * The best checkpoint of run `runId` (validation best `best`) among `dirs`. A folder holding another
 * run's best (e.g. an --out reused by a resume from elsewhere) is never used. A checkpoint written
 * before run identities existed is accepted only from `legacyDir` (the resumed run's own folder) and
 * only with the same best epoch and score.
 */
function findBest(runId: string, best: { score: number; epoch: number }, dirs: string[], legacyDir: string | null): { ckpt: Checkpoint; dir: string } {
  const seen: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'checkpoint.json'))) {
      seen.push(`${dir} (missing)`);
      continue;
    }
    const ckpt = loadCheckpointDir(dir);
    const l = ckpt.meta.loop;
    const same = l.best?.epoch === best.epoch && l.best.score === best.score && l.epoch === best.epoch;
    if (same && (l.runId === runId || (l.runId === undefined && dir === legacyDir))) return { ckpt, dir };
    seen.push(`${dir} (run ${l.runId ?? 'without id'}, epoch ${l.epoch})`);
  }
  throw new DataError(`the best weights of this run (run ${runId}, validation best at epoch ${best.epoch}) are in no checkpoint folder: ${seen.join('; ')}. Evaluate a checkpoint of this run with 'cmhash eval --checkpoint <dir>'`);
}
