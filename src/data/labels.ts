/**
 * Labels for a user's dataset (browser-safe): a 0/1 multi-hot matrix, or label names per item.
 *
 * Names format: one line per item, its labels separated by commas, `|` or `;` (CSV quoting allowed for
 * names holding those characters); an empty line is an item with no labels. Any label set, any number
 * of labels per item. The label columns are the distinct names in sorted order.
 */
import { DataError } from '../runtime/errors.js';
import { isNumericRecord, parseCsv } from './csv.js';

export interface LabelMatrix {
  /** [rows, names.length] 0/1, row-major. */
  labels: Uint8Array;
  names: string[];
  rows: number;
}

/** Lines of a text file, one per row: LF or CRLF, one final newline optional. */
export function textLines(text: string): string[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = s.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Label names per item → a multi-hot matrix. */
export function labelsFromNames(text: string, file: string): LabelMatrix {
  const lines = textLines(text);
  const perRow = lines.map((l, i) => {
    if (l.trim() === '') return [];
    const names = parseCsv(l, `${file}: line ${i + 1}`).flatMap((r) => r.fields).flatMap((f) => f.split(/[|;]/)).map((s) => s.trim()).filter((s) => s !== '');
    return [...new Set(names)];
  });
  const names = [...new Set(perRow.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new DataError(`${file}: no label names in ${lines.length} lines`);
  const col = new Map(names.map((n, j) => [n, j]));
  const labels = new Uint8Array(lines.length * names.length);
  perRow.forEach((ns, i) => { for (const n of ns) labels[i * names.length + col.get(n)!] = 1; });
  return { labels, names, rows: lines.length };
}

/** A numeric matrix that must hold only 0 and 1 → multi-hot labels (errors name the file, row and column). */
export function multiHotFrom(data: ArrayLike<number>, rows: number, cols: number, file: string): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const x = data[i]!;
    if (x !== 0 && x !== 1) throw new DataError(`${file}: label value ${x} at row ${Math.floor(i / cols)}, column ${i % cols}; a multi-hot matrix holds only 0 and 1 (or give label names, one line per item)`);
    out[i] = x;
  }
  return out;
}

/**
 * Does this CSV/text hold a 0/1 matrix (optionally under a header row) rather than label names?
 * True when every row after an optional header is numeric, all 0/1, and the rows have one width.
 */
export function looksLikeMultiHot(text: string, file: string): boolean {
  const recs = parseCsv(text, file);
  if (recs.length === 0) return false;
  const body = isNumericRecord(recs[0]!) ? recs : recs.slice(1);
  if (body.length === 0) return false;
  const w = body[0]!.fields.length;
  return body.every((r) => r.fields.length === w && r.fields.every((f) => f.trim() === '0' || f.trim() === '1'));
}
