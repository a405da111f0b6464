/** Loader for the Wikipedia cross-modal dataset (Rasiwasia et al. 2010) in its MAT v5 form. */
import { join } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { requireMatrix } from '../mat5.js';
import { carveValidation, validateDataset, type Dataset } from '../dataset.js';
import { readMatFile, readText } from './files.js';

/** The 10 categories, in the order of the category ids 1..10 of the .list files. */
export const WIKIPEDIA_CATEGORIES = ['art', 'biology', 'geography', 'history', 'literature', 'media', 'music', 'royalty', 'sport', 'warfare'];

export interface WikipediaOptions {
  /** Text features: 'lda' (10-d topic proportions, default: the literature's standard) or 'tfidf' (1000-d). */
  text?: 'tfidf' | 'lda';
  /** Validation items carved from the training pairs: count or fraction (default 0.1). */
  valSize?: number;
  valSeed?: number;
}

/** Parse a `<text_id>\t<image_id>\t<category>` list into category ids 0..9. */
export function parseWikipediaList(text: string, file: string, expectRows: number): Uint8Array {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length !== expectRows) throw new DataError(`${file}: ${lines.length} lines, expected ${expectRows} (one per matrix row)`);
  const out = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    const f = l.trim().split(/\s+/);
    const c = Number(f[2]);
    if (f.length !== 3 || !Number.isInteger(c) || c < 1 || c > WIKIPEDIA_CATEGORIES.length) {
      throw new DataError(`${file}: line ${i + 1} is ${JSON.stringify(l.slice(0, 80))}, expected "<text_id>\\t<image_id>\\t<category 1..10>"`);
    }
    out[i] = c - 1;
  });
  return out;
}

/**
 * Load Wikipedia from a folder with raw_features.mat and the two .list files. Rows 0..2172 are the
 * training pairs (= retrieval set), rows 2173..2865 the 693 test pairs (= queries).
 */
export function loadWikipedia(dir: string, opts: WikipediaOptions = {}): Dataset {
  const matFile = join(dir, 'raw_features.mat');
  const textKind = opts.text ?? 'lda';
  const tKey = textKind === 'tfidf' ? 'T_tfidf' : 'T';
  const vars = readMatFile(matFile, ['I_tr', 'I_te', `${tKey}_tr`, `${tKey}_te`]);
  const Itr = requireMatrix(vars, matFile, 'I_tr');
  const Ite = requireMatrix(vars, matFile, 'I_te', { cols: Itr.cols });
  const Ttr = requireMatrix(vars, matFile, `${tKey}_tr`, { rows: Itr.rows });
  const Tte = requireMatrix(vars, matFile, `${tKey}_te`, { rows: Ite.rows, cols: Ttr.cols });
  const trList = join(dir, 'trainset_txt_img_cat.list');
  const teList = join(dir, 'testset_txt_img_cat.list');
  const ctr = parseWikipediaList(readText(trList), trList, Itr.rows);
  const cte = parseWikipediaList(readText(teList), teList, Ite.rows);
  const nTr = Itr.rows, nTe = Ite.rows, n = nTr + nTe, c = WIKIPEDIA_CATEGORIES.length;
  const image = new Float32Array(n * Itr.cols);
  image.set(Itr.data, 0);
  image.set(Ite.data, nTr * Itr.cols);
  const text = new Float32Array(n * Ttr.cols);
  text.set(Ttr.data, 0);
  text.set(Tte.data, nTr * Ttr.cols);
  const labels = new Float32Array(n * c);
  ctr.forEach((k, i) => { labels[i * c + k] = 1; });
  cte.forEach((k, i) => { labels[(nTr + i) * c + k] = 1; });
  const trainRows = Uint32Array.from({ length: nTr }, (_, i) => i);
  const { train, val } = carveValidation(trainRows, opts.valSize ?? 0.1, opts.valSeed ?? 0);
  return validateDataset({
    name: 'wikipedia', n, imageDim: Itr.cols, textDim: Ttr.cols, numLabels: c,
    image, text, labels, labelNames: WIKIPEDIA_CATEGORIES,
    splits: { query: Uint32Array.from({ length: nTe }, (_, i) => nTr + i), retrieval: trainRows, train, val },
    source: `Wikipedia cross-modal dataset (Rasiwasia et al., ACM MM 2010), ${dir}, text ${textKind}`,
  }, dir);
}
