/**
 * A user's matrix files (features, multi-hot labels) as row-major float32 [rows, cols]: `.npy`,
 * `.csv` (optional header row), MAT v5 `.mat` and `.safetensors`. Errors name the file, the variable
 * and the row/column.
 */
import { extname } from 'node:path';
import { DataError } from '../../runtime/errors.js';
import { csvMatrix } from '../csv.js';
import { requireMatrix } from '../mat5.js';
import { readNpy } from '../../io/npy.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import { readBytes, readMatFile, readText } from './files.js';

export interface MatrixFile {
  data: Float32Array;
  rows: number;
  cols: number;
  /** Column names from a CSV header row. */
  header?: string[];
}

export const MATRIX_EXTENSIONS = ['.npy', '.csv', '.mat', '.safetensors'] as const;

function checkFinite(data: Float32Array, cols: number, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new DataError(`${where} has ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols} (values must be finite)`);
  }
}

/** One variable from a file holding several: `name`, or the only one. */
function pick<T>(all: Map<string, T>, file: string, name: string | undefined, what: string): [string, T] {
  const held = [...all.keys()].join(', ') || `no ${what}s`;
  const key = name ?? (all.size === 1 ? [...all.keys()][0]! : undefined);
  if (key === undefined) throw new DataError(`${file}: holds ${all.size} ${what}s (${held}); name one`);
  const v = all.get(key);
  if (v === undefined) throw new DataError(`${file}: no ${what} '${key}' (the file holds: ${held})`);
  return [key, v];
}

function nonEmpty(m: MatrixFile, where: string): MatrixFile {
  if (m.rows === 0 || m.cols === 0) throw new DataError(`${where} is empty (shape [${m.rows}, ${m.cols}])`);
  return m;
}

/**
 * Read a [rows, cols] matrix; a 1-D array reads as one column. `name` picks the variable of a .mat
 * file or the tensor of a .safetensors file (default: the only one).
 */
export function readMatrixFile(file: string, name?: string): MatrixFile {
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') {
    const a = readNpy(readBytes(file), file);
    const [rows, cols] = a.shape.length === 2 ? a.shape as [number, number] : [a.shape[0]!, 1];
    checkFinite(a.data, cols, file);
    return nonEmpty({ data: a.data, rows, cols }, file);
  }
  if (ext === '.csv') {
    return csvMatrix(readText(file), file);
  }
  if (ext === '.mat') {
    const vars = readMatFile(file, name ? [name] : undefined);
    // A named variable goes straight to requireMatrix, whose error lists what the file holds.
    return requireMatrix(vars, file, name ?? pick(vars, file, undefined, 'variable')[0]);
  }
  if (ext === '.safetensors') {
    const [key, t] = pick(decodeSafetensors(readBytes(file), file).tensors, file, name, 'tensor');
    if (t.shape.length !== 2 && t.shape.length !== 1) throw new DataError(`${file}: tensor '${key}' has shape [${t.shape.join(', ')}], expected [n, dim]`);
    const rows = t.shape[0]!, cols = t.shape.length === 2 ? t.shape[1]! : 1;
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    checkFinite(data, cols, `${file}: tensor '${key}'`);
    return nonEmpty({ data, rows, cols }, `${file}: tensor '${key}'`);
  }
  throw new DataError(`${file}: unsupported file type '${ext || '(none)'}' (expected ${MATRIX_EXTENSIONS.join(', ')})`);
}
