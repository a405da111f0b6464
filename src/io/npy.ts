/**
 * NumPy `.npy` files, the one codec of the library (browser-safe: bytes in, bytes out). The data layer
 * reads users' feature and label matrices with `readNpy` (any numeric dtype → float32); the retrieval
 * layer and `cmhash export` write and read exact typed arrays with `encodeNpy` / `decodeNpy` and
 * string ids with `encodeNpyStrings` / `decodeNpyStrings`.
 *
 * Format (numpy.lib.format, versions 1.0–3.0; spec:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the magic `\x93NUMPY`, a major
 * and a minor version byte, the header length (u16 LE in 1.0, u32 LE in 2.0/3.0), then a Python dict
 * literal `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }` padded with spaces and a newline
 * so the data starts at a multiple of 64 bytes, then the raw array data. `descr` is a byte order (`<`
 * little, `>` big, `|` not applicable, `=` native = little here) and a kind + size: f4/f8,
 * i1/i2/i4/i8, u1/u2/u4/u8, b1, or U<chars> (UTF-32 strings, NUL-padded). Object arrays (pickles) and
 * structured dtypes are refused, never unpickled. Writers emit version 1.0, little-endian, C order.
 */
import { DataError } from '../runtime/errors.js';

/** The typed arrays `encodeNpy` writes and `decodeNpy` returns, with their dtypes. */
export type NpyArray = Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float32Array;

/** A numeric array read by `readNpy`, converted to float32 in row-major (C) order. */
export interface NpyFloat32 {
  /** NumPy dtype descriptor as written in the file, e.g. '<f4'. */
  descr: string;
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type TypedCtor = { new (b: ArrayBuffer): NpyArray; BYTES_PER_ELEMENT: number };

/**
 * Numeric element types by kind + size: how to read one element as a number (any byte order), and the
 * typed array that holds it exactly (the types `decodeNpy` returns and `encodeNpy` writes).
 */
const NUMERIC: Record<string, { read: (v: DataView, o: number, le: boolean) => number; array?: TypedCtor }> = {
  f4: { read: (v, o, le) => v.getFloat32(o, le), array: Float32Array as unknown as TypedCtor },
  f8: { read: (v, o, le) => v.getFloat64(o, le) },
  i1: { read: (v, o) => v.getInt8(o) },
  i2: { read: (v, o, le) => v.getInt16(o, le) },
  i4: { read: (v, o, le) => v.getInt32(o, le), array: Int32Array as unknown as TypedCtor },
  i8: { read: (v, o, le) => Number(v.getBigInt64(o, le)), array: BigInt64Array as unknown as TypedCtor },
  u1: { read: (v, o) => v.getUint8(o), array: Uint8Array as unknown as TypedCtor },
  u2: { read: (v, o, le) => v.getUint16(o, le) },
  u4: { read: (v, o, le) => v.getUint32(o, le), array: Uint32Array as unknown as TypedCtor },
  u8: { read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  b1: { read: (v, o) => (v.getUint8(o) ? 1 : 0) },
};
const EXACT = 'uint8, int32, uint32, int64 or float32';

/** A parsed file: header fields, the element type, and where the data starts. */
interface Parsed {
  descr: string;
  fortran: boolean;
  shape: number[];
  count: number;
  /** Little-endian (or single-byte) data. */
  le: boolean;
  /** Kind letter (f, i, u, b, U) and size (bytes; characters for U). */
  kind: string;
  size: number;
  view: DataView;
  offset: number;
}

/** Parse the header dict literal: only the three keys numpy writes, in any order. */
function parseHeader(text: string, where: string): { descr: string; fortran: boolean; shape: number[] } {
  const fail = (msg: string): never => {
    throw new DataError(`${where}: .npy header ${msg} (header: ${JSON.stringify(text.trim().slice(0, 120))})`);
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

/** Preamble, header, dtype and data length of a .npy file; `where` names it in every error. */
function parseNpy(bytes: Uint8Array, where: string): Parsed {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(`${where}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(`${where}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw new DataError(`${where}: .npy preamble is cut short (truncated)`);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + hlen > bytes.length) throw new DataError(`${where}: .npy header says ${hlen} bytes, the file has only ${bytes.length - start} after the preamble (truncated)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const { descr, fortran, shape } = parseHeader(text, where);
  const m = /^([<>|=])([fiubU])(\d+)$/.exec(descr);
  const known = m && (m[2] === 'U' || NUMERIC[`${m[2]}${m[3]}`]);
  if (!m || !known) {
    const hint = /^[<>|=]?O/.test(descr) ? ' (object arrays need pickle, which cmhash never runs; save numbers)' : /^[<>|=]?[SV]/.test(descr) ? ' (byte strings: save text as a unicode array, numpy dtype U)' : '';
    throw new DataError(`${where}: .npy dtype '${descr}' is not supported${hint}; use float32/float64, (u)int8–64, bool or unicode (U)`);
  }
  const kind = m[2]!, size = Number(m[3]);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + hlen;
  const need = count * (kind === 'U' ? 4 * size : size), have = bytes.length - offset;
  if (have !== need) {
    throw new DataError(`${where}: shape [${shape.join(', ')}] needs ${need} data bytes, file has ${have} (${have < need ? 'truncated' : 'trailing bytes'}; dtype '${descr}')`);
  }
  return { descr, fortran, shape, count, le: m[1] !== '>', kind, size, view, offset };
}

/** The header and preamble of a version-1.0 file for `descr` and `shape`, followed by `body`. */
function npyFile(descr: string, shape: readonly number[], body: Uint8Array): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces and a newline to 64 bytes.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + body.byteLength);
  out.set([...MAGIC, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

function checkCount(fn: string, shape: readonly number[], length: number): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (length !== count) throw new DataError(`${fn}: shape [${shape.join(', ')}] needs ${count} values, got ${length}`);
}

/** `data` (row-major, `shape`) as the bytes of an .npy file. Assumes a little-endian host (every WebGPU host). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Uint8Array ? '|u1' : data instanceof Int32Array ? '<i4' : data instanceof Uint32Array ? '<u4'
    : data instanceof BigInt64Array ? '<i8' : data instanceof Float32Array ? '<f4' : null;
  if (descr === null) throw new DataError(`encodeNpy: unsupported array type (${EXACT})`);
  checkCount('encodeNpy', shape, data.length);
  return npyFile(descr, shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * Strings as a numpy unicode array (`<U<w>`, w = the longest string in code points, at least 1): each
 * element w UTF-32LE code units, NUL-padded. `np.load` gives a `str_` array; strings that end in NUL
 * characters lose them (numpy strips trailing NULs).
 */
export function encodeNpyStrings(values: readonly string[], shape: readonly number[] = [values.length]): Uint8Array {
  checkCount('encodeNpyStrings', shape, values.length);
  const points = values.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const width = points.reduce((w, p) => Math.max(w, p.length), 1);
  const body = new Uint8Array(values.length * width * 4);
  const v = new DataView(body.buffer);
  points.forEach((p, i) => p.forEach((c, j) => v.setUint32((i * width + j) * 4, c, true)));
  return npyFile(`<U${width}`, shape, body);
}

/** Parse an .npy file of one of the exact types (uint8, int32, uint32, int64, float32; little-endian, C order). `where` names it in errors. */
export function decodeNpy(bytes: Uint8Array, where = 'npy'): { data: NpyArray; shape: number[]; descr: string } {
  const p = parseNpy(bytes, where);
  const ctor = p.kind === 'U' ? undefined : NUMERIC[`${p.kind}${p.size}`]!.array;
  if (!ctor) throw new DataError(`${where}: dtype ${p.descr} is not supported here (${EXACT}${p.kind === 'U' ? '; read strings with decodeNpyStrings' : ''})`);
  if (!p.le && p.size > 1) throw new DataError(`${where}: big-endian dtype ${p.descr} is not supported here (save it little-endian)`);
  if (p.fortran && p.shape.length > 1) throw new DataError(`${where}: Fortran-order arrays are not supported here (save in C order)`);
  const copy = new Uint8Array(p.count * p.size); // aligned copy (a Node Buffer's slice is a view)
  copy.set(new Uint8Array(p.view.buffer, p.view.byteOffset + p.offset, copy.length));
  return { data: new ctor(copy.buffer), shape: p.shape, descr: p.descr };
}

/** Parse a unicode (`U`) .npy array, row-major; trailing NULs are stripped as numpy does. `where` names it in errors. */
export function decodeNpyStrings(bytes: Uint8Array, where = 'npy'): { data: string[]; shape: number[]; descr: string } {
  const p = parseNpy(bytes, where);
  if (p.kind !== 'U') throw new DataError(`${where}: dtype ${p.descr} is not a unicode string array (numpy dtype U)`);
  if (p.fortran && p.shape.length > 1) throw new DataError(`${where}: Fortran-order arrays are not supported here (save in C order)`);
  const data: string[] = [];
  for (let i = 0; i < p.count; i++) {
    const cps: number[] = [];
    for (let j = 0; j < p.size; j++) cps.push(p.view.getUint32(p.offset + (i * p.size + j) * 4, p.le));
    while (cps.length && cps[cps.length - 1] === 0) cps.pop();
    const bad = cps.find((c) => c > 0x10ffff);
    if (bad !== undefined) throw new DataError(`${where}: element ${i} holds ${bad}, which is not a Unicode code point`);
    data.push(String.fromCodePoint(...cps));
  }
  return { data, shape: p.shape, descr: p.descr };
}

/** A numeric .npy array of rank 0–2 (a rank-0 array reads as shape [1]) as float32, any byte order, C or Fortran order. */
export function readNpy(bytes: Uint8Array, file: string): NpyFloat32 {
  const p = parseNpy(bytes, file);
  if (p.kind === 'U') throw new DataError(`${file}: .npy dtype '${p.descr}' holds strings (put labels or ids in a text or CSV file instead); use float32/float64, (u)int8–64 or bool`);
  if (p.shape.length > 2) throw new DataError(`${file}: .npy array has shape (${p.shape.join(', ')}); expected a vector or a matrix [items, dims]`);
  const { read } = NUMERIC[`${p.kind}${p.size}`]!;
  const out = new Float32Array(p.count);
  const rows = p.shape.length === 2 ? p.shape[0]! : p.count, cols = p.shape.length === 2 ? p.shape[1]! : 1;
  for (let i = 0; i < p.count; i++) {
    // Fortran order stores column-major: element i of the file is (i % rows, floor(i / rows)).
    const dst = p.fortran && p.shape.length === 2 ? (i % rows) * cols + Math.floor(i / rows) : i;
    out[dst] = read(p.view, p.offset + i * p.size, p.le);
  }
  return { descr: p.descr, shape: p.shape.length === 0 ? [1] : p.shape, data: out };
}
