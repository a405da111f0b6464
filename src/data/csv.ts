/**
 * CSV (RFC 4180) parsing for features, labels and split columns (browser-safe).
 *
 * Fields are separated by commas (or `delimiter`), records by LF or CRLF; a field in double quotes may
 * hold commas, newlines and doubled quotes (""). Blank lines are skipped. Every record keeps the line
 * number it started on, so errors can name the row a user would see in an editor.
 */
import { DataError } from '../runtime/errors.js';

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: string[];
}

/** Split CSV text into records of fields (quotes removed). Throws on an unclosed quote. */
export function parseCsv(text: string, file: string, delimiter = ','): CsvRecord[] {
  const out: CsvRecord[] = [];
  let fields: string[] = [], field = '', line = 1, start = 1, quoted = false, any = false;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // byte-order mark
  const endRecord = () => {
    fields.push(field);
    if (any || fields.length > 1 || field !== '') out.push({ line: start, fields });
    fields = [];
    field = '';
    any = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') { quoted = true; any = true; }
    else if (c === delimiter) { fields.push(field); field = ''; any = true; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) throw new DataError(`${file}: line ${start}: a quoted field is not closed before the end of the file`);
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}

/** A finite number from a CSV field, or a DataError naming the file, line and column. */
export function csvNumber(field: string, file: string, line: number, col: number, header?: string): number {
  const t = field.trim();
  const x = t === '' ? NaN : Number(t);
  if (!Number.isFinite(x)) {
    throw new DataError(`${file}: line ${line}, column ${col + 1}${header ? ` ('${header}')` : ''}: ${JSON.stringify(field.slice(0, 40))} is not a finite number`);
  }
  return x;
}

/** True when every field of the record reads as a number (used to tell a header row from data). */
export function isNumericRecord(r: CsvRecord): boolean {
  return r.fields.every((f) => f.trim() !== '' && Number.isFinite(Number(f.trim())));
}

/**
 * A numeric matrix from CSV text: one item per record, one column per field. A first record with any
 * non-numeric field is taken as a header (its names are returned). All records must have the same
 * number of fields.
 */
export function csvMatrix(text: string, file: string): { data: Float32Array; rows: number; cols: number; header?: string[] } {
  const recs = parseCsv(text, file);
  if (recs.length === 0) throw new DataError(`${file}: no rows`);
  let header: string[] | undefined;
  let body = recs;
  if (!isNumericRecord(recs[0]!)) {
    header = recs[0]!.fields.map((f) => f.trim());
    body = recs.slice(1);
  }
  if (body.length === 0) throw new DataError(`${file}: only a header row, no data`);
  const cols = header?.length ?? body[0]!.fields.length;
  const data = new Float32Array(body.length * cols);
  body.forEach((r, i) => {
    if (r.fields.length !== cols) throw new DataError(`${file}: line ${r.line} has ${r.fields.length} fields, expected ${cols} (as on line ${(header ? recs[0] : body[0])!.line})`);
    r.fields.forEach((f, j) => { data[i * cols + j] = csvNumber(f, file, r.line, j, header?.[j]); });
  });
  return { data, rows: body.length, cols, header };
}
