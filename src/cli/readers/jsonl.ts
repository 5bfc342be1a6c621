// JSON Lines: one vector per line, either an object {"id": 3, "vector": [...]} (field names configurable) or a bare
// array [...]. Blank lines are skipped. NaN and Infinity, which Python's json module writes but JSON does not allow,
// are read as the non-finite numbers they mean, so they are reported as such.
import type { Readable } from 'node:stream';
import { openLines } from './lines.js';
import type { FieldOptions, Problem, Row, Source } from './types.js';

const NON_FINITE = /([[,:]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g;

export async function openJsonl(path: string, stdin: Readable, fields: FieldOptions = {}): Promise<Source> {
  const input = await openLines(path, stdin);
  const idField = fields.idField ?? 'id';
  const vectorField = fields.vectorField ?? 'vector';
  return {
    name: input.name, format: 'jsonl', unit: 'line',
    fraction: () => (input.size ? input.bytesRead() / input.size : undefined),
    async *batches() {
      let index = 0;
      for await (const lines of input.lines()) {
        const batch: Row[] = [];
        for (const { text, line } of lines) {
          if (text.trim() === '') continue;
          const row: Row = { at: line, index: index++ };
          const parsed = parseLine(text);
          if ('problem' in parsed) row.problem = parsed.problem;
          else if (Array.isArray(parsed.value)) row.values = parsed.value;
          else if (parsed.value !== null && typeof parsed.value === 'object') {
            const o = parsed.value as Record<string, unknown>;
            const v = o[vectorField];
            if (idField in o) row.id = o[idField];
            if (v === undefined || v === null) row.problem = { kind: 'missing vector', message: `no "${vectorField}" field` };
            else if (!Array.isArray(v)) row.problem = { kind: 'malformed', message: `"${vectorField}" is not an array` };
            else row.values = v;
          } else row.problem = { kind: 'malformed', message: 'not an array or an object' };
          batch.push(row);
        }
        if (batch.length) yield batch;
      }
    },
    close: () => input.close(),
  };
}

function parseLine(text: string): { value: unknown } | { problem: Problem } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    if (/NaN|Infinity/.test(text)) {
      try {
        const value = JSON.parse(text.replace(NON_FINITE, '$1"$2"'), (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
        return { value };
      } catch { /* not that either */ }
    }
    return { problem: { kind: 'malformed', message: `not valid JSON (${(e as Error).message.replace(/^Unexpected/, 'unexpected')})` } };
  }
}
