/**
 * A small reader for MATLAB level-5 (v5) MAT-files, numeric matrices only (browser-safe).
 *
 * Format (MathWorks "MAT-File Format", level 5): a 128-byte header (116 bytes text, 8 bytes subsystem
 * offset, u16 version 0x0100, 2-byte endian indicator 'IM' little-endian / 'MI' big-endian), then tagged
 * data elements. A tag is 8 bytes (u32 type, u32 byte count) followed by the data padded to 8 bytes,
 * or the "small data element" form (u16 byte count in the high half, u16 type in the low half, ≤ 4 data
 * bytes in the same 8 bytes). Top-level elements are miMATRIX (14) or miCOMPRESSED (15: a zlib stream
 * holding one miMATRIX element). A miMATRIX holds: array flags (class in the low byte), dimensions
 * (miINT32), name (miINT8) and the real part, stored column-major in any numeric data type
 * (MATLAB stores e.g. a double-class 0/1 matrix as miUINT8).
 *
 * Decompression is injected (`inflate`) so this file stays free of Node built-ins: Node passes
 * `zlib.inflateSync`, a browser can pass any synchronous zlib implementation.
 */
import { DataError } from '../runtime/errors.js';

export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'logical';

/** One numeric variable, converted to row-major float32. */
export interface MatArray {
  name: string;
  /** MATLAB class of the variable ('logical' for logical arrays). */
  className: MatClass;
  /** Dimensions as MATLAB reports them (at least 2). */
  dims: number[];
  /** Values in row-major (C) order: the last dimension varies fastest. */
  data: Float32Array;
}

export interface MatReadOptions {
  /** File name used in error messages. */
  file: string;
  /** Synchronous zlib (RFC 1950) decompressor for miCOMPRESSED elements. */
  inflate: (data: Uint8Array) => Uint8Array;
  /** Read only these variables (others are skipped without decompressing). */
  only?: readonly string[];
}

/** MAT data types (miXXX). */
const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

const MI_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };

/** mxXXX_CLASS codes of numeric arrays. */
const MX_NUMERIC: Record<number, MatClass> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const MX_NAMES: Record<number, string> = { 1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 16: 'function' };

interface Tag {
  type: number;
  bytes: number;
  /** Offset of the data (after the tag). */
  dataOffset: number;
  /** Offset just past this element (padding included). */
  end: number;
}

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly le: boolean, readonly where: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string): never {
    throw new DataError(`${this.where}: ${msg}`);
  }

  tag(offset: number, what: string, padCompressed = true): Tag {
    if (offset + 8 > this.bytes.length) {
      this.fail(`${what}: truncated (tag at byte ${offset} needs 8 bytes, only ${this.bytes.length - offset} left)`);
    }
    const first = this.view.getUint32(offset, this.le);
    const hi = first >>> 16;
    if (hi !== 0) {
      // Small data element: byte count in the high half, type in the low half, data in bytes 4..7.
      const type = first & 0xffff;
      if (hi > 4) this.fail(`${what}: small data element claims ${hi} bytes (at most 4)`);
      return { type, bytes: hi, dataOffset: offset + 4, end: offset + 8 };
    }
    const type = first;
    const bytes = this.view.getUint32(offset + 4, this.le);
    const dataOffset = offset + 8;
    if (dataOffset + bytes > this.bytes.length) {
      this.fail(`${what}: truncated (element of type ${type} at byte ${offset} declares ${bytes} bytes, only ${this.bytes.length - dataOffset} left)`);
    }
    const padded = type === MI.COMPRESSED && !padCompressed ? bytes : Math.ceil(bytes / 8) * 8;
    return { type, bytes, dataOffset, end: Math.min(this.bytes.length, dataOffset + padded) };
  }

  /** Numeric element values as float64 (column-major, as stored). */
  numbers(t: Tag, what: string): Float64Array {
    const size = MI_SIZE[t.type];
    if (!size) this.fail(`${what}: unsupported data type ${t.type} for numeric data`);
    if (t.bytes % size !== 0) this.fail(`${what}: ${t.bytes} bytes is not a whole number of ${size}-byte values`);
    const n = t.bytes / size;
    const out = new Float64Array(n);
    const v = this.view, le = this.le;
    let o = t.dataOffset;
    switch (t.type) {
      case MI.INT8: for (let i = 0; i < n; i++, o += 1) out[i] = v.getInt8(o); break;
      case MI.UINT8: for (let i = 0; i < n; i++, o += 1) out[i] = v.getUint8(o); break;
      case MI.INT16: for (let i = 0; i < n; i++, o += 2) out[i] = v.getInt16(o, le); break;
      case MI.UINT16: for (let i = 0; i < n; i++, o += 2) out[i] = v.getUint16(o, le); break;
      case MI.INT32: for (let i = 0; i < n; i++, o += 4) out[i] = v.getInt32(o, le); break;
      case MI.UINT32: for (let i = 0; i < n; i++, o += 4) out[i] = v.getUint32(o, le); break;
      case MI.SINGLE: for (let i = 0; i < n; i++, o += 4) out[i] = v.getFloat32(o, le); break;
      case MI.DOUBLE: for (let i = 0; i < n; i++, o += 8) out[i] = v.getFloat64(o, le); break;
      case MI.INT64: for (let i = 0; i < n; i++, o += 8) out[i] = Number(v.getBigInt64(o, le)); break;
      case MI.UINT64: for (let i = 0; i < n; i++, o += 8) out[i] = Number(v.getBigUint64(o, le)); break;
    }
    return out;
  }

  text(t: Tag): string {
    let s = '';
    for (let i = 0; i < t.bytes; i++) s += String.fromCharCode(this.bytes[t.dataOffset + i]!);
    return s;
  }
}

/** Column-major (Fortran) values to row-major (C) order. */
export function colMajorToRowMajor(src: ArrayLike<number>, dims: readonly number[]): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (dims.length === 2) {
    const [r, c] = dims as [number, number];
    for (let j = 0; j < c; j++) {
      const base = j * r;
      for (let i = 0; i < r; i++) out[i * c + j] = src[base + i]!;
    }
    return out;
  }
  const rank = dims.length;
  const rowStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    rowStrides[d] = s;
    s *= dims[d]!;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += idx[d]! * rowStrides[d]!;
    out[o] = src[k]!;
    for (let d = 0; d < rank; d++) {
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Header facts of a MAT v5 file (throws DataError when it is not one). */
export function readMat5Header(bytes: Uint8Array, file: string): { text: string; littleEndian: boolean; version: number } {
  if (bytes.length < 128) throw new DataError(`${file}: not a MAT v5 file (only ${bytes.length} bytes, the header alone is 128)`);
  const ind = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (ind !== 'IM' && ind !== 'MI') {
    throw new DataError(`${file}: not a MAT v5 file (endian indicator is ${JSON.stringify(ind)}, expected "IM" or "MI"; MAT v4 and v7.3/HDF5 files are not supported)`);
  }
  const le = ind === 'IM';
  const view = new DataView(bytes.buffer, bytes.byteOffset, 128);
  const version = view.getUint16(124, le);
  if (version !== 0x0100) throw new DataError(`${file}: unsupported MAT version 0x${version.toString(16)} (expected 0x0100)`);
  let text = '';
  for (let i = 0; i < 116; i++) text += String.fromCharCode(bytes[i]!);
  if (text.startsWith('MATLAB 7.3')) throw new DataError(`${file}: MAT v7.3 (HDF5) files are not supported; save with -v7 or -v6`);
  return { text: text.trimEnd(), littleEndian: le, version };
}

function parseMatrix(r: Reader, start: number, end: number, file: string, only: ReadonlySet<string> | null): MatArray | null {
  const flagsTag = r.tag(start, `${file}: array flags`);
  if (flagsTag.type !== MI.UINT32 || flagsTag.bytes !== 8) r.fail(`array flags element has type ${flagsTag.type} and ${flagsTag.bytes} bytes (expected miUINT32, 8)`);
  const flags = r.view.getUint32(flagsTag.dataOffset, r.le);
  const cls = flags & 0xff;
  const isComplex = (flags & 0x0800) !== 0;
  const isLogical = (flags & 0x0200) !== 0;

  const dimsTag = r.tag(flagsTag.end, 'dimensions');
  if (dimsTag.type !== MI.INT32) r.fail(`dimensions element has type ${dimsTag.type} (expected miINT32)`);
  const dims = Array.from(r.numbers(dimsTag, 'dimensions'));
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) r.fail(`invalid dimensions [${dims.join(', ')}]`);

  const nameTag = r.tag(dimsTag.end, 'array name');
  if (nameTag.type !== MI.INT8 && nameTag.type !== MI.UINT8 && nameTag.type !== MI.UTF8) r.fail(`array name element has type ${nameTag.type} (expected miINT8)`);
  const name = r.text(nameTag);
  if (only && !only.has(name)) return null;
  const where = `${file}: variable '${name}'`;

  const className = MX_NUMERIC[cls];
  if (!className) {
    throw new DataError(`${where}: class ${MX_NAMES[cls] ?? cls} is not supported (numeric matrices only)`);
  }
  if (isComplex) throw new DataError(`${where}: complex arrays are not supported`);
  const realTag = r.tag(nameTag.end, `${where}: real part`);
  if (realTag.end > end) throw new DataError(`${where}: real part runs past the end of its matrix element`);
  const values = new Reader(r.bytes, r.le, where).numbers(realTag, 'real part');
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new DataError(`${where}: dimensions [${dims.join(', ')}] need ${count} values, the data holds ${values.length}`);
  }
  return { name, className: isLogical ? 'logical' : className, dims, data: colMajorToRowMajor(values, dims) };
}

/** Read the numeric variables of a MAT v5 file held in memory. */
export function readMat5(bytes: Uint8Array, opts: MatReadOptions): Map<string, MatArray> {
  const { file } = opts;
  const { littleEndian } = readMat5Header(bytes, file);
  const only = opts.only ? new Set(opts.only) : null;
  const top = new Reader(bytes, littleEndian, file);
  const out = new Map<string, MatArray>();
  let off = 128;
  let index = 0;
  while (off < bytes.length) {
    // Trailing zero padding after the last element is legal.
    if (bytes.length - off < 8 && bytes.subarray(off).every((b) => b === 0)) break;
    const t = top.tag(off, `element #${index}`, false);
    let arr: MatArray | null = null;
    if (t.type === MI.COMPRESSED) {
      let raw: Uint8Array;
      try {
        raw = opts.inflate(bytes.subarray(t.dataOffset, t.dataOffset + t.bytes));
      } catch (e) {
        throw new DataError(`${file}: element #${index} (miCOMPRESSED at byte ${off}): zlib stream is corrupt or truncated (${(e as Error).message})`);
      }
      const inner = new Reader(raw, littleEndian, `${file}: element #${index} (decompressed)`);
      const it = inner.tag(0, 'matrix');
      if (it.type === MI.MATRIX) arr = parseMatrix(inner, it.dataOffset, it.dataOffset + it.bytes, file, only);
      else if (it.type !== 0) inner.fail(`compressed element holds type ${it.type}, expected miMATRIX (14)`);
    } else if (t.type === MI.MATRIX) {
      if (t.bytes > 0) arr = parseMatrix(top, t.dataOffset, t.dataOffset + t.bytes, file, only);
    } else if (t.type < 1 || t.type > 18) {
      top.fail(`element #${index} at byte ${off} has unknown data type ${t.type} (corrupt file?)`);
    }
    if (arr) {
      if (out.has(arr.name)) throw new DataError(`${file}: variable '${arr.name}' appears twice`);
      out.set(arr.name, arr);
    }
    off = t.type === MI.COMPRESSED ? t.dataOffset + t.bytes : t.end;
    index++;
  }
  return out;
}

/** A variable as a 2-D [rows, cols] matrix, checking presence, rank, shape and finiteness. */
export function requireMatrix(
  vars: Map<string, MatArray>,
  file: string,
  name: string,
  expect: { rows?: number; cols?: number; integer?: boolean; min?: number; max?: number } = {},
): { rows: number; cols: number; data: Float32Array } {
  const v = vars.get(name);
  if (!v) throw new DataError(`${file}: variable '${name}' is missing (${vars.size ? `the file holds: ${[...vars.keys()].join(', ')}` : 'the file holds no numeric matrices'})`);
  const dims = v.dims.length > 2 && v.dims.slice(2).every((d) => d === 1) ? v.dims.slice(0, 2) : v.dims;
  if (dims.length !== 2) throw new DataError(`${file}: variable '${name}' has dimensions [${v.dims.join(', ')}], expected a 2-D matrix`);
  const [rows, cols] = dims as [number, number];
  if (rows === 0 || cols === 0) throw new DataError(`${file}: variable '${name}' is empty (shape [${rows}, ${cols}])`);
  if (expect.rows !== undefined && rows !== expect.rows) {
    throw new DataError(`${file}: variable '${name}' has ${rows} rows, expected ${expect.rows} (shape [${rows}, ${cols}])`);
  }
  if (expect.cols !== undefined && cols !== expect.cols) {
    throw new DataError(`${file}: variable '${name}' has ${cols} columns, expected ${expect.cols} (shape [${rows}, ${cols}])`);
  }
  const d = v.data;
  for (let i = 0; i < d.length; i++) {
    const x = d[i]!;
    if (!Number.isFinite(x)) {
      throw new DataError(`${file}: variable '${name}' has ${x} at row ${Math.floor(i / cols)}, column ${i % cols} (values must be finite)`);
    }
    if ((expect.integer && !Number.isInteger(x)) || (expect.min !== undefined && x < expect.min) || (expect.max !== undefined && x > expect.max)) {
      throw new DataError(`${file}: variable '${name}' has value ${x} at row ${Math.floor(i / cols)}, column ${i % cols} (expected ${expect.integer ? 'integers ' : ''}in [${expect.min ?? '-inf'}, ${expect.max ?? 'inf'}])`);
    }
  }
  return { rows, cols, data: d };
}

export interface MatWriteOptions {
  /** Synchronous zlib compressor: when given, each variable is written as a miCOMPRESSED element. */
  deflate?: (data: Uint8Array) => Uint8Array;
  /** Write big-endian ('MI') instead of little-endian ('IM'). */
  bigEndian?: boolean;
  /** Header text (padded to 116 bytes). */
  description?: string;
}

export interface MatWriteVar {
  name: string;
  /** Row-major values. */
  data: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Storage class: double (miDOUBLE), single (miSINGLE) or uint8 (miUINT8). Default double. */
  className?: 'double' | 'single' | 'uint8';
}

/** Write numeric 2-D matrices as a MAT v5 file (used by tests and for exporting codes to MATLAB). */
export function writeMat5(vars: readonly MatWriteVar[], opts: MatWriteOptions = {}): Uint8Array {
  const le = !opts.bigEndian;
  const pad8 = (n: number) => Math.ceil(n / 8) * 8;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(128);
  const desc = (opts.description ?? 'MATLAB 5.0 MAT-file, written by cmhash').slice(0, 116).padEnd(116, ' ');
  for (let i = 0; i < 116; i++) header[i] = desc.charCodeAt(i) & 0x7f;
  const hv = new DataView(header.buffer);
  hv.setUint16(124, 0x0100, le);
  header[126] = le ? 0x49 : 0x4d; // 'I' : 'M'
  header[127] = le ? 0x4d : 0x49;
  parts.push(header);
  for (const v of vars) {
    if (v.data.length !== v.rows * v.cols) throw new DataError(`writeMat5: variable '${v.name}' has ${v.data.length} values for shape [${v.rows}, ${v.cols}]`);
    const cls = v.className ?? 'double';
    const [mx, mi, size] = cls === 'double' ? [6, MI.DOUBLE, 8] : cls === 'single' ? [7, MI.SINGLE, 4] : [9, MI.UINT8, 1];
    const nameBytes = v.name.length;
    const nameLen = nameBytes <= 4 ? 8 : 8 + pad8(nameBytes);
    const dataBytes = v.rows * v.cols * size;
    const body = 16 + 16 + nameLen + 8 + pad8(dataBytes);
    const buf = new Uint8Array(8 + body);
    const dv = new DataView(buf.buffer);
    let o = 0;
    dv.setUint32(o, MI.MATRIX, le); dv.setUint32(o + 4, body, le); o += 8;
    dv.setUint32(o, MI.UINT32, le); dv.setUint32(o + 4, 8, le); dv.setUint32(o + 8, mx, le); o += 16;
    dv.setUint32(o, MI.INT32, le); dv.setUint32(o + 4, 8, le); dv.setInt32(o + 8, v.rows, le); dv.setInt32(o + 12, v.cols, le); o += 16;
    if (nameBytes <= 4) {
      dv.setUint32(o, (nameBytes << 16) | MI.INT8, le);
      for (let i = 0; i < nameBytes; i++) buf[o + 4 + i] = v.name.charCodeAt(i);
    } else {
      dv.setUint32(o, MI.INT8, le); dv.setUint32(o + 4, nameBytes, le);
      for (let i = 0; i < nameBytes; i++) buf[o + 8 + i] = v.name.charCodeAt(i);
    }
    o += nameLen;
    dv.setUint32(o, mi, le); dv.setUint32(o + 4, dataBytes, le); o += 8;
    for (let j = 0; j < v.cols; j++) {
      for (let i = 0; i < v.rows; i++) {
        const x = v.data[i * v.cols + j]!;
        if (cls === 'double') dv.setFloat64(o, x, le);
        else if (cls === 'single') dv.setFloat32(o, x, le);
        else dv.setUint8(o, x);
        o += size;
      }
    }
    if (opts.deflate) {
      const z = opts.deflate(buf);
      const c = new Uint8Array(8 + z.length);
      const cv = new DataView(c.buffer);
      cv.setUint32(0, MI.COMPRESSED, le); cv.setUint32(4, z.length, le);
      c.set(z, 8);
      parts.push(c);
    } else parts.push(buf);
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
