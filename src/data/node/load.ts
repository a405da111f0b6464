/** `--data` resolution: 'default', 'wikipedia', 'mirflickr', or a folder in any supported format. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import type { Dataset } from '../dataset.js';
import { isDir, sharedDataDir } from './files.js';
import { loadMirflickr, type MirflickrOptions } from './mirflickr.js';
import { loadDefaultDataset, loadPackedDataset } from './packed-file.js';
import { loadWikipedia } from './wikipedia.js';

export interface LoadDatasetOptions {
  /** Text variant: 'tfidf' or 'lda' for Wikipedia / the default dataset. */
  text?: string;
  valSize?: number;
  valSeed?: number;
  /** MIRFlickr split: 'fixed' or a seed for a random split. */
  split?: MirflickrOptions['split'];
}

/** Load a dataset by name or folder. */
export function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Dataset {
  const text = opts.text as 'tfidf' | 'lda' | undefined;
  // A packed folder names its own text variants (its manifest checks them); the built-in sets have these two.
  const builtIn = spec === 'default' || spec === 'wikipedia' || !existsSync(join(resolve(spec), 'manifest.json'));
  if (builtIn && text !== undefined && text !== 'tfidf' && text !== 'lda') throw new DataError(`unknown text variant '${text}' (choose tfidf or lda)`);
  const common = { valSize: opts.valSize, valSeed: opts.valSeed };
  if (spec === 'default') return loadDefaultDataset({ ...common, text });
  if (spec === 'wikipedia') return loadWikipedia(join(sharedDataDir(), 'wikipedia'), { ...common, text });
  if (spec === 'mirflickr' || spec === 'mirflickr25k') return loadMirflickr(join(sharedDataDir(), 'mirflickr25k'), { ...common, split: opts.split });
  const dir = resolve(spec);
  if (!isDir(dir)) throw new DataError(`--data ${spec}: not 'default', 'wikipedia', 'mirflickr' or an existing folder`);
  if (existsSync(join(dir, 'manifest.json'))) return loadPackedDataset(dir, { ...common, text });
  if (existsSync(join(dir, 'raw_features.mat'))) return loadWikipedia(dir, { ...common, text });
  if (existsSync(join(dir, 'mirflickr25k-lall.mat'))) return loadMirflickr(dir, { ...common, split: opts.split });
  throw new DataError(`${dir}: no manifest.json (packed), raw_features.mat (Wikipedia) or mirflickr25k-lall.mat (MIRFlickr) found`);
}

/** Parse a --split value: fixed | random:<seed> | per-label:<seed>. */
export function parseSplitSpec(text: string): NonNullable<MirflickrOptions['split']> {
  if (text === 'fixed') return 'fixed';
  const m = /^(random|per-label):(\d+)$/.exec(text);
  if (!m) throw new DataError(`--split ${text}: expected fixed, random:<seed> or per-label:<seed>`);
  return m[1] === 'random' ? { kind: 'random', seed: Number(m[2]) } : { kind: 'per-label', seed: Number(m[2]) };
}
