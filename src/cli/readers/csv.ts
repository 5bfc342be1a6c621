// CSV and TSV: one vector per line, one value per column. The first line is a header when none of its fields is a
// number; with a header, the column named "id" (or --id-column) holds the ids and every other column is a vector
// component. Fields may be quoted; a quoted field may not span lines. nan/inf spellings are read as such (and then
// refused as not finite), an empty or non-numeric field is a bad row naming its column.
import type { Readable } from 'node:stream';
import { openLines } from './lines.js';
import type { FieldOptions, Row, Source } from './types.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/** A field as a number, or undefined when it is not one. */
export function parseNumber(field: string): number | undefined {
  const t = field.trim();
  if (NUMBER.test(t)) return Number(t);
  const m = NON_FINITE.exec(t);
  if (m) return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/** Splits one line into fields ("" quotes a quote inside a quoted field). */
export function splitFields(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') { field = ''; quoted = true; }
    else if (c === delimiter) { fields.push(field); field = ''; }
    else field += c;
  }
  fields.push(field);
  return fields;
}

export async function openCsv(path: string, stdin: Readable, format: 'csv' | 'tsv', options: FieldOptions & { delimiter?: string } = {}): Promise<Source> {
  const input = await openLines(path, stdin);
  const delimiter = options.delimiter ?? (format === 'tsv' ? '\t' : ',');
  return {
    name: input.name, format, unit: 'line',
    fraction: () => (input.size ? input.bytesRead() / input.size : undefined),
    async *batches() {
      let header: string[] | null | undefined; // undefined: not seen the first line yet; null: there is none
      let idColumn = -1;
      let index = 0;
      for await (const lines of input.lines()) {
        const batch: Row[] = [];
        for (const { text, line } of lines) {
          if (text.trim() === '') continue;
          const fields = splitFields(text, delimiter);
          if (header === undefined) {
            if (fields.every((f) => parseNumber(f) === undefined)) {
              header = fields.map((f) => f.trim());
              const idName = options.idField ?? 'id';
              idColumn = header.indexOf(idName);
              if (options.idField !== undefined && idColumn < 0) throw new Error(`line ${line}: no column named "${idName}" in the header`);
              continue;
            }
            header = null;
            if (options.idField !== undefined) throw new Error(`line ${line}: --id-column needs a header line, and the first line is all numbers`);
          }
          const row: Row = { at: line, index: index++ };
          const values: number[] = [];
          for (let c = 0; c < fields.length; c++) {
            const f = fields[c];
            if (c === idColumn) {
              const t = f.trim();
              row.id = /^\d+$/.test(t) ? Number(t) : t;
              continue;
            }
            const x = parseNumber(f);
            const column = header ? `column ${header[c] ?? c + 1}` : `column ${c + 1}`;
            if (x === undefined) {
              row.problem = { kind: 'not a number', message: f.trim() === '' ? `${column} is empty` : `${column} is ${JSON.stringify(f.trim())}, not a number` };
              break;
            }
            if (!Number.isFinite(x) && !row.problem) row.problem = { kind: 'not finite', message: `${column} is ${f.trim()}: vectors must hold finite values` };
            values.push(x);
          }
          if (!row.problem) row.values = values;
          batch.push(row);
        }
        if (batch.length) yield batch;
      }
    },
    close: () => input.close(),
  };
}
