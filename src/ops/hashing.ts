/**
 * Binary codes on the GPU: sign + bit-packing of real-valued codes into u32 words, unpacking, and the
 * full XOR-popcount Hamming distance matrix. Packed layout: [n, ceil(k/32)] u32, bit j of word w is
 * code[32w + j] >= 0 (sign(0) → +1); padding bits past k are 0. Top-k search lives in
 * src/retrieval/hamming-index.ts. No gradients (sign is flat).
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { keep } from '../tensor/scope.js';
import { unaryRaw } from './elementwise.js';
import { reduceRaw } from './reduce.js';
import { launch } from './launch.js';
import { checkRank, checkSameRuntime, checkTensor } from './validate.js';

/** Codes up to this many bits are supported (distances then fit in a byte). */
export const MAX_CODE_BITS = 128;

export const wordsFor = (bits: number): number => Math.ceil(bits / 32);

/** Mask of the valid bits of the last word of a `bits`-bit code. */
export const lastWordMask = (bits: number): number => (bits % 32 === 0 ? 0xffffffff : (1 << (bits % 32)) - 1) >>> 0;

export function checkBits(op: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_CODE_BITS) {
    throw new RangeError(`${op}: bits must be an integer in 1..${MAX_CODE_BITS}, got ${bits}`);
  }
}

/** Sign + pack codes [n, k] f32 → [n, ceil(k/32)] u32 (k ≤ 128). */
export function packBits(codes: Tensor): Tensor {
  checkTensor('packBits', 'codes', codes, 'f32');
  checkRank('packBits', 'codes', codes, 2);
  const [n, k] = [codes.shape[0]!, codes.shape[1]!];
  checkBits(`packBits: codes ${fmtShape(codes.shape)}`, k);
  const words = wordsFor(k);
  const rt = codes.runtime;
  const out = Tensor.empty(rt, [n, words], 'u32');
  if (n > 0) {
    launch(rt, 'pack_bits', [codes.buffer, out.buffer], { n, k, words });
    checkFiniteOnRead('packBits', 'codes', codes);
  }
  return out;
}

/**
 * The sign of NaN is undefined, so codes made from non-finite values are garbage. Σ(0·x) is NaN iff x
 * holds a NaN or ±Infinity; it is computed on the GPU now and verified with the next readback
 * (Runtime.deferCheck), which then throws a DataError naming the op and the tensor.
 */
function checkFiniteOnRead(op: string, name: string, x: Tensor): void {
  const zeroed = unaryRaw('affine', x, 0, 0);
  const total = keep(reduceRaw('sum', zeroed, x.shape.map((_, i) => i), false, 1));
  zeroed.dispose();
  x.runtime.deferCheck(
    total.buffer,
    (w) => new Float32Array(w)[0] === 0,
    `${op}: ${name} tensor #${x.id} ${fmtShape(x.shape)} holds NaN or ±Infinity (the sign of a non-finite value is undefined, so its codes would be garbage); check what produced it (a diverged model, NaN inputs)`,
    () => total.dispose(),
  );
}

/** Unpack [n, ceil(bits/32)] u32 → ±1 codes [n, bits] f32. */
export function unpackBits(packed: Tensor, bits: number): Tensor {
  checkTensor('unpackBits', 'packed', packed, 'u32');
  checkRank('unpackBits', 'packed', packed, 2);
  checkBits('unpackBits', bits);
  const words = wordsFor(bits);
  if (packed.shape[1] !== words) throw new ShapeError(`unpackBits: packed ${fmtShape(packed.shape)} must have ${words} words per row for ${bits} bits`);
  const n = packed.shape[0]!;
  const rt = packed.runtime;
  const out = Tensor.empty(rt, [n, bits], 'f32');
  if (n > 0) {
    launch(rt, 'unpack_bits', [packed.buffer, out.buffer], { n, k: bits, words });
  }
  return out;
}

/**
 * Hamming distances of packed queries [nq, words] against a packed database [n, words] → u32 [nq, n]
 * (the full matrix; for search over large databases use HammingIndex, which never stores distances).
 */
export function hammingDistances(queries: Tensor, db: Tensor, bits: number): Tensor {
  const op = 'hammingDistances';
  checkTensor(op, 'queries', queries, 'u32');
  checkTensor(op, 'db', db, 'u32');
  checkRank(op, 'queries', queries, 2);
  checkRank(op, 'db', db, 2);
  checkSameRuntime(op, queries, db);
  checkBits(op, bits);
  const words = wordsFor(bits);
  if (queries.shape[1] !== words || db.shape[1] !== words) {
    throw new ShapeError(`${op}: queries ${fmtShape(queries.shape)} and db ${fmtShape(db.shape)} must both have ${words} words per row for ${bits} bits`);
  }
  const [nq, n] = [queries.shape[0]!, db.shape[0]!];
  const rt = queries.runtime;
  const out = Tensor.empty(rt, [nq, n], 'u32');
  if (nq * n > 0) {
    launch(rt, 'hamming_dist', [queries.buffer, db.buffer, out.buffer], { nq, n, last_mask: lastWordMask(bits) }, { constants: { WORDS: words } });
  }
  return out;
}
