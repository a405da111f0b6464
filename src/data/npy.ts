/**
 * A reader and writer for NumPy `.npy` files (browser-safe): numeric arrays of rank 1 or 2.
 *
 * Format (numpy.lib.format, versions 1.0–3.0): the magic `\x93NUMPY`, a major and a minor version
 * byte, the header length (u16 LE in 1.0, u32 LE in 2.0/3.0), then an ASCII/UTF-8 Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }` padded with spaces to a multiple of
 * 64 bytes, then the raw array data. `descr` is a byte order (`<` little, `>` big, `|` not
 * applicable, `=` native = little here) and a kind + size: f4/f8, i1/i2/i4/i8, u1/u2/u4/u8, b1.
 * Object arrays (pickles) and structured dtypes are refused, never unpickled.
 */
import { DataError } from '../runtime/errors.js';

/** A numeric array read from a .npy file, converted to float32 in row-major (C) order. */
export interface NpyFloat32 {
  /** NumPy dtype descriptor as written in the file, e.g. '<f4'. */
  descr: string;
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parse the header dict literal: only the three keys numpy writes, in any order. */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const fail = (msg: string): never => {
    throw new DataError(`${file}: .npy header ${msg} (header: ${JSON.stringify(text.trim().slice(0, 120))})`);
  };
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  if (descr === undefined) {
    if (/'descr'\s*:\s*\[/.test(text)) fail('has a structured dtype (a list of fields); save a plain numeric array');
    fail("has no 'descr' string");
  }
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  if (fo === undefined) fail("has no 'fortran_order' True/False");
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (sh === undefined) fail("has no 'shape' tuple");
  const shape = sh!.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (!/^\d+L?$/.test(s)) fail(`has shape entry ${JSON.stringify(s)}, expected a non-negative integer`);
    return Number(s.replace('L', ''));
  });
  return { descr: descr!, fortran: fo === 'True', shape };
}

/** Read one element at `off` as a number. */
function elementReader(descr: string, file: string): { size: number; read: (v: DataView, off: number) => number } {
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) {
    const hint = /^[<>|=]?O/.test(descr) ? ' (object arrays need pickle, which cmhash never runs; save numbers)'
      : /^[<>|=]?[SUV]/.test(descr) ? ' (strings: put labels or ids in a text or CSV file instead)' : '';
    throw new DataError(`${file}: .npy dtype '${descr}' is not supported${hint}; use float32/float64, (u)int8–64 or bool`);
  }
  const le = m[1] !== '>';
  const kind = m[2]!, size = Number(m[3]);
  const key = `${kind}${size}`;
  const readers: Record<string, (v: DataView, o: number) => number> = {
    f4: (v, o) => v.getFloat32(o, le),
    f8: (v, o) => v.getFloat64(o, le),
    i1: (v, o) => v.getInt8(o),
    i2: (v, o) => v.getInt16(o, le),
    i4: (v, o) => v.getInt32(o, le),
    i8: (v, o) => Number(v.getBigInt64(o, le)),
    u1: (v, o) => v.getUint8(o),
    u2: (v, o) => v.getUint16(o, le),
    u4: (v, o) => v.getUint32(o, le),
    u8: (v, o) => Number(v.getBigUint64(o, le)),
    b1: (v, o) => (v.getUint8(o) ? 1 : 0),
  };
  const read = readers[key];
  if (!read) throw new DataError(`${file}: .npy dtype '${descr}' is not supported; use float32/float64, (u)int8–64 or bool`);
  return { size, read };
}

/** Parse a .npy file (rank 0–2; a rank-0 array reads as shape [1]). `file` names it in errors. */
export function readNpy(bytes: Uint8Array, file: string): NpyFloat32 {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(`${file}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(`${file}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + hlen > bytes.length) throw new DataError(`${file}: .npy header says ${hlen} bytes, the file has only ${bytes.length - start} after the preamble (truncated)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const { descr, fortran, shape } = parseHeader(text, file);
  if (shape.length > 2) throw new DataError(`${file}: .npy array has shape (${shape.join(', ')}); expected a vector or a matrix [items, dims]`);
  const { size, read } = elementReader(descr, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  const need = count * size;
  if (bytes.length - off !== need) {
    throw new DataError(`${file}: .npy data is ${bytes.length - off} bytes, shape (${shape.join(', ')}) of '${descr}' needs ${need}${bytes.length - off < need ? ' (truncated)' : ' (trailing bytes)'}`);
  }
  const out = new Float32Array(count);
  const rows = shape.length === 2 ? shape[0]! : count, cols = shape.length === 2 ? shape[1]! : 1;
  for (let i = 0; i < count; i++) {
    // Fortran order stores column-major: element i of the file is (i % rows, floor(i / rows)).
    const dst = fortran && shape.length === 2 ? (i % rows) * cols + Math.floor(i / rows) : i;
    out[dst] = read(v, off + i * size);
  }
  return { descr, shape: shape.length === 0 ? [1] : shape, data: out };
}
