/**
 * Packed codes as bytes, the layout FAISS binary indexes, numpy and Milvus binary vectors use:
 * code i is row i of a uint8 [n, ceil(bits/8)] matrix, and bit j of the code (the j-th hash bit, the one
 * packBits sets from column j) is bit (j mod 8) — least significant first — of byte floor(j / 8).
 * This is exactly the little-endian byte view of cmhash's u32 words (bit j of word w = hash bit 32w + j),
 * cut to ceil(bits/8) bytes, with the padding bits past `bits` cleared; so the Hamming distance between
 * two byte rows (popcount of their XOR, as FAISS IndexBinaryFlat computes it) equals cmhash's.
 * numpy: np.unpackbits(codes, axis=1, bitorder='little')[:, :bits] gives the 0/1 bits in hash order.
 */
import { checkBits, lastWordMask, wordsFor } from '../ops/hashing.js';
import { ShapeError } from '../runtime/errors.js';

export function bytesPerCode(bits: number): number {
  checkBits('bytesPerCode', bits);
  return Math.ceil(bits / 8);
}

/** n × words packed u32 codes → n × ceil(bits/8) bytes (padding bits cleared). */
export function packedToBytes(packed: Uint32Array, bits: number): Uint8Array {
  const words = wordsFor(bits), bpc = bytesPerCode(bits), mask = lastWordMask(bits);
  if (packed.length % words !== 0) throw new ShapeError(`packedToBytes: packed has ${packed.length} words, not a multiple of ${words} (${bits}-bit codes)`);
  const n = packed.length / words;
  const out = new Uint8Array(n * bpc);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < bpc; b++) {
      const w = b >> 2;
      let x = packed[i * words + w]!;
      if (w === words - 1) x &= mask;
      out[i * bpc + b] = (x >>> ((b & 3) * 8)) & 0xff;
    }
  }
  return out;
}

/** n × ceil(bits/8) bytes → n × words packed u32 codes; bits past `bits` in the last byte must be 0. */
export function bytesToPacked(bytes: Uint8Array, bits: number): Uint32Array {
  const words = wordsFor(bits), bpc = bytesPerCode(bits);
  if (bytes.length % bpc !== 0) throw new ShapeError(`bytesToPacked: ${bytes.length} bytes is not a multiple of ${bpc} (${bits}-bit codes)`);
  const n = bytes.length / bpc;
  const out = new Uint32Array(n * words);
  const tail = bits % 8 === 0 ? 0 : 0xff & ~((1 << (bits % 8)) - 1);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < bpc; b++) {
      const v = bytes[i * bpc + b]!;
      if (b === bpc - 1 && (v & tail) !== 0) throw new ShapeError(`bytesToPacked: code ${i} has bits set past bit ${bits} (byte ${b} = 0x${v.toString(16)})`);
      out[i * words + (b >> 2)]! |= v << ((b & 3) * 8);
    }
  }
  return out;
}
