/** Loader for MIRFlickr-25K (the 20,015-pair cleared set): LAll labels, YAll tag bag-of-words, splits, photos. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { requireMatrix } from '../mat5.js';
import { carveValidation, parseIndexList, perLabelSplit, randomSplit, validateDataset, type Dataset } from '../dataset.js';
import { readMatFile, readText } from './files.js';

export interface MirflickrOptions {
  /**
   * 'fixed' (split/*.txt, default), a seeded random split (2,000 queries, 5,000 training rows by default),
   * or DJSRH's per-label split (`{ kind: 'per-label', seed }`).
   */
  split?: 'fixed' | { kind?: 'random'; seed: number; numQuery?: number; numTrain?: number } | { kind: 'per-label'; seed: number };
  /** Validation items carved from the training rows: count or fraction (default 0.1). */
  valSize?: number;
  valSeed?: number;
}

function readLines(file: string): string[] {
  return readText(file).split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
}

/** rows.tsv: `row_in_LAll_YAll\timage_file` with a header line. Returns one file name per row ('' where none). */
export function parseImageRows(text: string, file: string, n: number): string[] {
  const out = new Array<string>(n).fill('');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  lines.forEach((l, i) => {
    if (i === 0 && !/^\d/.test(l)) return; // header
    const [r, f] = l.split('\t');
    const row = Number(r);
    if (!Number.isInteger(row) || row < 0 || row >= n || !f || !/^[\w.-]+$/.test(f.trim())) {
      throw new DataError(`${file}: line ${i + 1} is ${JSON.stringify(l.slice(0, 80))}, expected "<row 0..${n - 1}>\\t<image file>"`);
    }
    out[row] = f.trim();
  });
  return out;
}

/**
 * Load MIRFlickr-25K from its folder. The image side has no features here (imageDim 0); rows with a
 * photo in images/ get `imageFiles[row]` for the raw-image path.
 */
export function loadMirflickr(dir: string, opts: MirflickrOptions = {}): Dataset {
  const lFile = join(dir, 'mirflickr25k-lall.mat');
  const yFile = join(dir, 'mirflickr25k-yall.mat');
  const L = requireMatrix(readMatFile(lFile, ['LAll']), lFile, 'LAll', { integer: true, min: 0, max: 1 });
  const Y = requireMatrix(readMatFile(yFile, ['YAll']), yFile, 'YAll', { rows: L.rows, min: 0 });
  const n = L.rows;
  const namesFile = join(dir, 'label_names.txt');
  const labelNames = readLines(namesFile);
  if (labelNames.length !== L.cols) throw new DataError(`${namesFile}: ${labelNames.length} label names, but LAll in ${lFile} has ${L.cols} columns`);
  let base: { query: Uint32Array; retrieval: Uint32Array; train: Uint32Array };
  const split = opts.split ?? 'fixed';
  if (split === 'fixed') {
    const read = (k: string) => {
      const f = join(dir, 'split', `${k}.txt`);
      return parseIndexList(readText(f), f, n);
    };
    base = { query: read('query'), retrieval: read('retrieval'), train: read('train') };
    const inRet = new Uint8Array(n);
    for (const r of base.retrieval) inRet[r] = 1;
    for (const r of base.query) if (inRet[r]) throw new DataError(`${join(dir, 'split')}: row ${r} is in both query.txt and retrieval.txt`);
    for (const r of base.train) if (!inRet[r]) throw new DataError(`${join(dir, 'split')}: train.txt row ${r} is not in retrieval.txt`);
  } else if (split.kind === 'per-label') {
    base = perLabelSplit(L.data, n, L.cols, { seed: split.seed });
  } else {
    base = randomSplit(n, { numQuery: split.numQuery ?? 2000, numTrain: split.numTrain ?? 5000, seed: split.seed });
  }
  const { train, val } = carveValidation(base.train, opts.valSize ?? 0.1, opts.valSeed ?? 0);
  const rowsFile = join(dir, 'images', 'rows.tsv');
  const imageFiles = existsSync(rowsFile) ? parseImageRows(readText(rowsFile), rowsFile, n) : undefined;
  return validateDataset({
    name: 'mirflickr25k', n, imageDim: 0, textDim: Y.cols, numLabels: L.cols,
    image: new Float32Array(0), text: Y.data, labels: L.data, labelNames,
    splits: { query: base.query, retrieval: base.retrieval, train, val },
    imageFiles, imageRoot: imageFiles ? join(dir, 'images') : undefined,
    source: `MIRFlickr-25K cleared set (20,015 pairs), ${dir}, split ${split === 'fixed' ? 'fixed' : `${split.kind ?? 'random'} seed ${split.seed}`}`,
  }, dir);
}
