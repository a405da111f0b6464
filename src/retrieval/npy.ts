/**
 * NumPy `.npy` files (format version 1.0) for the array types the code export writes and the benchmarks
 * read back: little-endian uint8, int32, uint32, int64 and float32, C order. Browser-safe (bytes in,
 * bytes out). Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { DataError } from '../runtime/errors.js';

export type NpyArray = Uint8Array | Int32Array | Uint32Array | BigInt64Array | Float32Array;

const DESCR: [new (...a: never[]) => NpyArray, string][] = [
  [Uint8Array, '|u1'], [Int32Array, '<i4'], [Uint32Array, '<u4'], [BigInt64Array, '<i8'], [Float32Array, '<f4'],
];

function descrOf(data: NpyArray): string {
  for (const [ctor, d] of DESCR) if (data instanceof ctor) return d;
  throw new DataError('encodeNpy: unsupported array type');
}

/** `data` (row-major, `shape`) as the bytes of an .npy file. Assumes a little-endian host (every WebGPU host). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new DataError(`encodeNpy: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces and a newline to 64 bytes.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Parse an .npy file of one of the supported dtypes (versions 1–3, C order). `where` names it in errors. */
export function decodeNpy(bytes: Uint8Array, where = 'npy'): { data: NpyArray; shape: number[]; descr: string } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new DataError(`${where}: not an .npy file (bad magic)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const hlen = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new DataError(`${where}: Fortran-order arrays are not supported`);
  const shapeM = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeM) throw new DataError(`${where}: malformed header ${header.trim()}`);
  const shape = shapeM[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const entry = DESCR.find(([, d]) => d === descr || (d === '|u1' && descr === '<u1'));
  if (!entry) throw new DataError(`${where}: dtype ${descr} is not supported (uint8, int32, uint32, int64, float32)`);
  const ctor = entry[0] as unknown as { new (b: ArrayBuffer): NpyArray; BYTES_PER_ELEMENT: number };
  const off = start + hlen;
  if (bytes.length - off !== count * ctor.BYTES_PER_ELEMENT) throw new DataError(`${where}: shape [${shape.join(', ')}] needs ${count * ctor.BYTES_PER_ELEMENT} data bytes, file has ${bytes.length - off}`);
  const copy = new Uint8Array(bytes.length - off); // aligned copy (a Node Buffer's slice is a view)
  copy.set(bytes.subarray(off));
  const data = new ctor(copy.buffer);
  return { data, shape, descr };
}
