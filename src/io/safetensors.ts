/**
 * safetensors (https://github.com/huggingface/safetensors) reader and writer, browser-safe.
 *
 * Layout: u64 little-endian N = header length, then N bytes of UTF-8 JSON
 * `{ "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, "__metadata__": { str: str } }`
 * (offsets relative to the start of the data section), then the raw little-endian data. The header is
 * padded with spaces to a multiple of 8 bytes, as the reference writer does. Tensors are written in
 * name order, contiguous, without gaps.
 */
import { DataError } from '../runtime/errors.js';

export type SafeDType = 'F64' | 'F32' | 'F16' | 'I64' | 'I32' | 'U32' | 'I16' | 'U16' | 'I8' | 'U8' | 'BOOL';
const SIZE: Record<SafeDType, number> = { F64: 8, F32: 4, F16: 2, I64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafeTensor {
  dtype: 'F32' | 'I32' | 'U32' | 'U8';
  shape: number[];
  data: Float32Array | Int32Array | Uint32Array | Uint8Array;
}

function dtypeOfArray(a: SafeTensor['data']): SafeTensor['dtype'] {
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof Int32Array) return 'I32';
  if (a instanceof Uint32Array) return 'U32';
  return 'U8';
}

/** Serialise named tensors (and optional string metadata) to safetensors bytes. */
export function encodeSafetensors(tensors: Map<string, { shape: number[]; data: SafeTensor['data'] }>, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let off = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new DataError('encodeSafetensors: "__metadata__" is reserved');
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new DataError(`encodeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const bytes = t.data.byteLength;
    header[name] = { dtype: dtypeOfArray(t.data), shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hbytes = enc.encode(json);
  const pad = (8 - (hbytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hbytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + hbytes.length + off);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let p = 8 + hbytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    const src = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    if (d instanceof Uint8Array || isLittleEndianHost()) out.set(src, p);
    else {
      // Big-endian host: write each 4-byte value little-endian.
      for (let i = 0; i < d.length; i++) {
        if (d instanceof Float32Array) view.setFloat32(p + i * 4, d[i]!, true);
        else if (d instanceof Int32Array) view.setInt32(p + i * 4, d[i]!, true);
        else view.setUint32(p + i * 4, d[i]!, true);
      }
    }
    p += d.byteLength;
  }
  return out;
}

let leHost: boolean | null = null;
function isLittleEndianHost(): boolean {
  if (leHost === null) leHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  return leHost;
}

export interface DecodedSafetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/**
 * Parse safetensors bytes. F32/I32/U32/U8 come back as typed arrays; F64 and F16 are converted to
 * F32. Every structural problem (short file, bad JSON, offsets out of range, overlaps or gaps, a size
 * that does not match dtype × shape) is a DataError naming `file` and the tensor.
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors'): DecodedSafetensors {
  const fail = (msg: string): never => {
    throw new DataError(`${file}: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, the header length alone needs 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getBigUint64(0, true);
  if (hlen > BigInt(bytes.length - 8)) fail(`truncated or not safetensors: header length ${hlen} exceeds the ${bytes.length - 8} bytes after it`);
  const n = Number(hlen);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!v || typeof v !== 'object') fail('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__.${k} must be a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') fail(`tensor '${name}': entry is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in SIZE)) fail(`tensor '${name}': unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}': shape must be an array of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[1] < off[0]) fail(`tensor '${name}': data_offsets must be [begin, end] with 0 ≤ begin ≤ end`);
    const [begin, end] = off as [number, number];
    if (end > dataLen) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes); the file is truncated`);
    const shape = e.shape as number[];
    const want = shape.reduce((a, b) => a * b, 1) * SIZE[e.dtype as SafeDType];
    if (end - begin !== want) fail(`tensor '${name}': ${end - begin} bytes for shape [${shape.join(', ')}] of ${e.dtype} (needs ${want})`);
    entries.push({ name, dtype: e.dtype as SafeDType, shape, begin, end });
  }
  // Offsets must tile the data section exactly (no overlaps, no gaps), as the reference reader checks.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin !== pos) fail(`tensor '${e.name}': data starts at ${e.begin}, expected ${pos} (overlapping or missing data)`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`data section has ${dataLen} bytes, the tensors cover ${pos}`);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    const at = dataStart + e.begin;
    let data: SafeTensor['data'];
    let dtype: SafeTensor['dtype'];
    switch (e.dtype) {
      case 'F32': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat32(at + 4 * i, true); data = a; dtype = 'F32'; break; }
      case 'F64': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat64(at + 8 * i, true); data = a; dtype = 'F32'; break; }
      case 'F16': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = halfToFloat(view.getUint16(at + 2 * i, true)); data = a; dtype = 'F32'; break; }
      case 'I32': { const a = new Int32Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt32(at + 4 * i, true); data = a; dtype = 'I32'; break; }
      case 'U32': { const a = new Uint32Array(count); for (let i = 0; i < count; i++) a[i] = view.getUint32(at + 4 * i, true); data = a; dtype = 'U32'; break; }
      case 'U8': case 'BOOL': data = bytes.slice(at, at + count); dtype = 'U8'; break;
      default: return fail(`tensor '${e.name}': dtype ${e.dtype} is not supported by cmhash (F32, F64, F16, I32, U32, U8)`);
    }
    tensors.set(e.name, { dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
