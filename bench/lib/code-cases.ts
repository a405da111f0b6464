/**
 * The codes the retrieval and hamming suites search: uniform random codes, and learned codes — a trained
 * JSGHCA model's codes of the 2,866 Wikipedia items (bench/data, written by `cmhash export`) with the image
 * codes tiled to the database size, every copy after the first with seeded bit noise (each bit flipped
 * with probability 1/16), and the text codes as queries (text → image). Learned codes cluster, so their
 * distance histograms (and a search's candidate counts) differ from random codes'. 'learned-image' is the
 * same database searched by image codes (image → image: "more like this" from an item's page, near-duplicate
 * search): the queries are the first nq image codes themselves, which are database items 0..nq-1 (the
 * noise-free first copy), so every query finds itself at distance 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToPacked } from '../../src/retrieval/code-bytes.js';
import { decodeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';
import { peersDir } from './python.js';

export type CodeKind = 'random' | 'learned' | 'learned-image';

export interface Codes {
  kind: CodeKind;
  bits: number;
  n: number;
  nq: number;
  db: Uint32Array;
  queries: Uint32Array;
}

export function randomWords(count: number, rng: Rng): Uint32Array {
  const a = new Uint32Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.nextU32();
  return a;
}

/** The learned codes of one modality, packed (2866 × words). */
export function learnedCodes(bits: number, modality: 'image' | 'text'): Uint32Array {
  const file = join(peersDir(), '..', 'data', `wikipedia-jsghca-${bits}-${modality}.npy`);
  const { data, shape } = decodeNpy(new Uint8Array(readFileSync(file)), file);
  if (shape[1] !== Math.ceil(bits / 8)) throw new Error(`${file}: shape [${shape.join(', ')}] is not [n, ${bits / 8}]`);
  return bytesToPacked(data as Uint8Array, bits);
}

/** `src` (m × words) repeated to `count` codes; copies after the first get bit noise (p = 1/16 per bit). */
export function tileWithNoise(src: Uint32Array, words: number, count: number, rng: Rng): Uint32Array {
  const m = src.length / words;
  const out = new Uint32Array(count * words);
  for (let i = 0; i < count; i++) {
    const s = (i % m) * words;
    const noisy = i >= m;
    for (let j = 0; j < words; j++) {
      const flip = noisy ? (rng.nextU32() & rng.nextU32() & rng.nextU32() & rng.nextU32()) >>> 0 : 0;
      out[i * words + j] = (src[s + j]! ^ flip) >>> 0;
    }
  }
  return out;
}

export function makeCodes(kind: CodeKind, bits: number, n: number, nq: number, seed: number): Codes {
  const w = bits / 32;
  const rng = new Rng(seed + bits + (kind === 'random' ? 0 : 1000)); // both learned kinds: the same database
  if (kind === 'random') return { kind, bits, n, nq, db: randomWords(n * w, rng), queries: randomWords(nq * w, rng) };
  const db = tileWithNoise(learnedCodes(bits, 'image'), w, n, rng);
  return { kind, bits, n, nq, db, queries: tileWithNoise(learnedCodes(bits, kind === 'learned' ? 'text' : 'image'), w, nq, rng) };
}

export const fmtN = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}K` : String(n));
