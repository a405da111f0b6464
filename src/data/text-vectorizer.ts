/**
 * Captions → fixed-width text features (browser-safe): a small tokenizer, a vocabulary fitted on the
 * training rows only, and tf-idf / bag-of-words / binary vectors. The fitted vectorizer is plain JSON
 * (`TextVectorizerSpec`), saved with a packed dataset and copied into checkpoints, so new captions are
 * encoded exactly as the training captions were.
 *
 * Tokenizer: Unicode NFKC, lower case, words = runs of letters, digits and combining marks (an inner
 * apostrophe keeps "don't" whole), optional stop-word removal.
 * Weighting: `tfidf` = count × idf, idf = ln((1 + N) / (1 + df)) + 1 (N training captions, df captions
 * holding the word), each row L2-normalised; `bow` = raw counts; `binary` = 1 where the word occurs.
 */
import { DataError } from '../runtime/errors.js';

export const TEXT_VECTORIZER_FORMAT = 'cmhash-text-vectorizer/1';

export type TextWeighting = 'tfidf' | 'bow' | 'binary';

export interface TextVectorizerSpec {
  format: typeof TEXT_VECTORIZER_FORMAT;
  weighting: TextWeighting;
  /** Words dropped before counting (empty: none). */
  stopWords: string[];
  /** A word enters the vocabulary when at least this many training captions hold it. */
  minCount: number;
  maxVocab: number;
  /** Feature column → word (most frequent first, ties alphabetical). */
  vocabulary: string[];
  /** Per column (tfidf only; empty otherwise). */
  idf: number[];
  /** Number of training captions the vocabulary was fitted on. */
  documents: number;
}

export interface TextVectorizerOptions {
  weighting?: TextWeighting;
  /** 'english' (the built-in list), 'none', or a list of words. Default 'english'. */
  stopWords?: 'english' | 'none' | readonly string[];
  minCount?: number;
  maxVocab?: number;
}

/** A short English stop-word list (function words only). */
export const ENGLISH_STOP_WORDS: readonly string[] = (
  'a about above after again against all am an and any are as at be because been before being below between both but by ' +
  'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
  'his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
  'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
  'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
  'yours yourself yourselves'
).split(' ');

const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Words of one caption (NFKC, lower case, Unicode word runs), stop words removed. */
export function tokenize(text: string, stop: ReadonlySet<string> = new Set()): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
  return stop.size ? words.filter((w) => !stop.has(w)) : words;
}

/** Fit the vocabulary (and idf) on the captions of `trainRows` only. */
export function fitTextVectorizer(captions: readonly string[], trainRows: ArrayLike<number>, opts: TextVectorizerOptions = {}): TextVectorizerSpec {
  const weighting = opts.weighting ?? 'tfidf';
  if (!['tfidf', 'bow', 'binary'].includes(weighting)) throw new DataError(`text weighting '${weighting}' is not one of tfidf, bow, binary`);
  const stopWords = opts.stopWords === 'none' ? [] : opts.stopWords === undefined || opts.stopWords === 'english' ? [...ENGLISH_STOP_WORDS] : [...opts.stopWords];
  const minCount = opts.minCount ?? 2, maxVocab = opts.maxVocab ?? 5000;
  if (!Number.isInteger(minCount) || minCount < 1) throw new DataError(`text vectorizer: minCount must be an integer ≥ 1, got ${minCount}`);
  if (!Number.isInteger(maxVocab) || maxVocab < 1) throw new DataError(`text vectorizer: maxVocab must be an integer ≥ 1, got ${maxVocab}`);
  const stop = new Set(stopWords);
  const df = new Map<string, number>();
  for (let i = 0; i < trainRows.length; i++) {
    const c = captions[trainRows[i]!];
    if (c === undefined) throw new DataError(`text vectorizer: training row ${trainRows[i]} has no caption (${captions.length} captions)`);
    for (const w of new Set(tokenize(c, stop))) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const words = [...df.entries()].filter(([, d]) => d >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxVocab);
  if (words.length === 0) {
    throw new DataError(`text vectorizer: no word occurs in ${minCount} or more of the ${trainRows.length} training captions (${df.size} distinct words); lower the minimum count`);
  }
  const n = trainRows.length;
  return {
    format: TEXT_VECTORIZER_FORMAT, weighting, stopWords, minCount, maxVocab,
    vocabulary: words.map(([w]) => w),
    idf: weighting === 'tfidf' ? words.map(([, d]) => Math.log((1 + n) / (1 + d)) + 1) : [],
    documents: n,
  };
}

/** Check a parsed vectorizer object (from JSON); `where` names the file in errors. */
export function checkTextVectorizer(o: unknown, where: string): TextVectorizerSpec {
  const s = o as Partial<TextVectorizerSpec> | null;
  const fail = (field: string, msg: string): never => { throw new DataError(`${where}: field '${field}' ${msg}`); };
  if (!s || typeof s !== 'object') throw new DataError(`${where}: text vectorizer is not a JSON object`);
  if (s.format !== TEXT_VECTORIZER_FORMAT) fail('format', `is ${JSON.stringify(s.format)}, expected "${TEXT_VECTORIZER_FORMAT}"`);
  if (!['tfidf', 'bow', 'binary'].includes(s.weighting as string)) fail('weighting', `is ${JSON.stringify(s.weighting)}, expected tfidf, bow or binary`);
  if (!Array.isArray(s.vocabulary) || s.vocabulary.length === 0 || !s.vocabulary.every((w) => typeof w === 'string')) fail('vocabulary', 'must be a non-empty array of strings');
  if (new Set(s.vocabulary).size !== s.vocabulary!.length) fail('vocabulary', 'lists a word twice');
  if (!Array.isArray(s.stopWords) || !s.stopWords.every((w) => typeof w === 'string')) fail('stopWords', 'must be an array of strings');
  if (!Array.isArray(s.idf) || !s.idf.every((x) => Number.isFinite(x))) fail('idf', 'must be an array of finite numbers');
  if (s.weighting === 'tfidf' && s.idf!.length !== s.vocabulary!.length) fail('idf', `has ${s.idf!.length} values for ${s.vocabulary!.length} words`);
  return s as TextVectorizerSpec;
}

/** Captions → [captions.length, vocabulary.length] features, row-major. Unknown words are ignored. */
export function vectorizeText(spec: TextVectorizerSpec, captions: readonly string[]): Float32Array {
  const dim = spec.vocabulary.length;
  const col = new Map(spec.vocabulary.map((w, i) => [w, i]));
  const stop = new Set(spec.stopWords);
  const out = new Float32Array(captions.length * dim);
  captions.forEach((c, i) => {
    if (typeof c !== 'string') throw new DataError(`vectorizeText: caption ${i} is ${typeof c}, expected a string`);
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (const w of tokenize(c, stop)) {
      const j = col.get(w);
      if (j !== undefined) row[j] = spec.weighting === 'binary' ? 1 : row[j]! + 1;
    }
    if (spec.weighting !== 'tfidf') return;
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      if (row[j]) { row[j] = row[j]! * spec.idf[j]!; ss += row[j]! * row[j]!; }
    }
    if (ss > 0) { const inv = 1 / Math.sqrt(ss); for (let j = 0; j < dim; j++) row[j] = row[j]! * inv; }
  });
  return out;
}
