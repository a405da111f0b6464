/** `cmhash pack`: a user's feature, label, caption and image files → a dataset folder for `--data`. */
import { packDataset, type PackOptions } from '../data/node/pack.js';
import type { TextWeighting } from '../data/text-vectorizer.js';
import { readText } from '../data/node/files.js';
import { textLines } from '../data/labels.js';
import { int, num, parse, UsageError } from './common.js';
import { info } from './output.js';

export const PACK_HELP = `cmhash pack --out <dir> (--image-features <file> | --images <folder>) (--captions <file> | --text-features <file>) --labels <file> [options]

Packs your own data into a dataset folder (manifest.json + arrays; docs/dataset-format.md) that
'cmhash train --data <dir>' trains on. Every file holds one row per item, in the same order.

Inputs:
  --image-features <file>  image feature matrix [items, dims]: .npy, .csv (optional header row), .mat, .safetensors
  --image-var <name>       the variable (.mat) or tensor (.safetensors) in it (default: the only one)
  --images <folder>        JPEG photos for the raw-image path: <folder>/<id>.jpg (copied into <dir>/images/)
  --image-list <file>      … or one photo path per line, relative to --images (empty line: no photo)
  --text-features <file>   text feature matrix [items, dims] (same formats)
  --text-var <name>        variable / tensor name in --text-features
  --captions <file>        raw text, one caption per line (UTF-8); turned into features with a vocabulary
                           fitted on the training rows only and saved with the dataset
  --labels <file>          a 0/1 multi-hot matrix (.npy, .mat, .safetensors, or .csv of 0/1, header row = names)
                           or label names: .csv/.txt, one line per item, names separated by , | or ;
                           (any label set; several labels per item; an empty line = no labels)
  --label-var <name>       variable / tensor name in a .mat / .safetensors label file
  --label-format <f>       auto (default), matrix or names
  --label-names <file>     names of the matrix's label columns, one per line (default label0, label1, …)
  --ids <file>             one id per line (unique; default: the row number); search prints them

Split (which rows are queries, retrieval set, training set):
  --split <s>              random:<seed> (default random:0); or a file with one of query / retrieval / train
                           per line (train rows are also in the retrieval set); or three files of 0-based
                           row indices: query.txt,retrieval.txt,train.txt
  --query-size <x>         random split: queries, a count or a fraction of all rows (default 0.1)
  --train-size <x>         random split: training rows among the rest, a count or fraction (default: all)

Captions:
  --text-weighting <w>     tfidf (default; L2-normalised rows), bow (counts) or binary
  --stop-words <s>         english (default), none, or a file with one word per line
  --min-count <n>          a word needs this many training captions to enter the vocabulary (default 2)
  --max-vocab <n>          keep at most n words, the most frequent (default 5000)

Output:
  --out <dir>              the dataset folder (must be new or empty unless --overwrite)
  --name <s>               dataset name (default: the folder name)
  --source <s>, --licence <s>  recorded in the manifest
  --overwrite              replace an existing folder
  --help                   this text`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' }, name: { type: 'string' }, source: { type: 'string' }, licence: { type: 'string' }, overwrite: { type: 'boolean' },
  'image-features': { type: 'string' }, 'image-var': { type: 'string' }, images: { type: 'string' }, 'image-list': { type: 'string' },
  'text-features': { type: 'string' }, 'text-var': { type: 'string' }, captions: { type: 'string' },
  labels: { type: 'string' }, 'label-var': { type: 'string' }, 'label-format': { type: 'string' }, 'label-names': { type: 'string' }, ids: { type: 'string' },
  split: { type: 'string' }, 'query-size': { type: 'string' }, 'train-size': { type: 'string' },
  'text-weighting': { type: 'string' }, 'stop-words': { type: 'string' }, 'min-count': { type: 'string' }, 'max-vocab': { type: 'string' },
} as const;

export async function packCommand(args: string[]): Promise<number> {
  const v = parse(args, OPTIONS);
  if (v.help) {
    console.log(PACK_HELP);
    return 0;
  }
  const s = (k: string) => v[k] as string | undefined;
  if (!s('out')) throw new UsageError('--out <dir> is required');
  if (!s('labels')) throw new UsageError('--labels <file> is required');
  if (!s('image-features') && !s('images')) throw new UsageError('give --image-features <file> or --images <folder>');
  if (!s('text-features') === !s('captions')) throw new UsageError('give exactly one of --captions <file> or --text-features <file>');
  const format = s('label-format') ?? 'auto';
  if (!['auto', 'matrix', 'names'].includes(format)) throw new UsageError(`--label-format must be auto, matrix or names, got '${format}'`);
  const weighting = s('text-weighting') ?? 'tfidf';
  if (!['tfidf', 'bow', 'binary'].includes(weighting)) throw new UsageError(`--text-weighting must be tfidf, bow or binary, got '${weighting}'`);
  const sw = s('stop-words') ?? 'english';
  const split = s('split') ?? 'random:0';
  if (split.startsWith('random') && !/^random:\d+$/.test(split)) throw new UsageError(`--split ${split}: expected random:<seed>, e.g. random:0`);
  const opts: PackOptions = {
    out: s('out')!, name: s('name'), source: s('source'), licence: s('licence'), overwrite: v.overwrite === true,
    imageFeatures: s('image-features') ? { file: s('image-features')!, var: s('image-var') } : undefined,
    images: s('images'), imageList: s('image-list'),
    textFeatures: s('text-features') ? { file: s('text-features')!, var: s('text-var') } : undefined,
    captions: s('captions'),
    labels: { file: s('labels')!, var: s('label-var'), format: format as 'auto' | 'matrix' | 'names' },
    labelNames: s('label-names'), ids: s('ids'),
    split, querySize: num('query-size', s('query-size'), undefined, 0), trainSize: num('train-size', s('train-size'), undefined, 0),
    text: {
      weighting: weighting as TextWeighting,
      stopWords: sw === 'english' || sw === 'none' ? sw : textLines(readText(sw)).map((w) => w.trim().toLowerCase()).filter((w) => w),
      minCount: int('min-count', s('min-count'), 2, 1),
      maxVocab: int('max-vocab', s('max-vocab'), 5000, 1),
    },
  };
  const r = packDataset(opts);
  info(`packed ${r.n} items into ${r.dir}`);
  info(`  image: ${r.imageDim ? `${r.imageDim}-d features` : 'no features'}${r.photos !== undefined ? `, ${r.photos} photos` : ''}; text: ${r.textDim}-d '${r.manifest.text.default}'${r.vocabulary !== undefined ? ` (vocabulary of ${r.vocabulary} words from the training captions)` : ''}`);
  info(`  labels (${r.labelNames.length}): ${r.labelNames.slice(0, 12).join(', ')}${r.labelNames.length > 12 ? ', …' : ''}`);
  info(`  split: ${r.splits.query} queries, ${r.splits.retrieval} retrieval, ${r.splits.train} training (10% of those held out for validation when training)`);
  info(`train on it with: cmhash train --data ${r.dir} --model <name> --bits <n>`);
  return 0;
}
