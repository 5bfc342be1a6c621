// Picks the reader for an input by its extension (or --format), and opens it; "-" is JSON Lines on stdin.
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError, about } from '../errors.js';
import { openCsv } from './csv.js';
import { openJsonl } from './jsonl.js';
import { openNpy } from './npy.js';
import { openParquet } from './parquet.js';
import type { FieldOptions, Format, Source } from './types.js';
import { openVecs } from './vecs.js';

export type { Format, Row, Source, Problem, ProblemKind } from './types.js';

export const FORMATS: readonly Format[] = ['npy', 'fvecs', 'bvecs', 'ivecs', 'jsonl', 'csv', 'tsv', 'parquet'];

const EXTENSIONS: Record<string, Format> = {
  '.npy': 'npy', '.fvecs': 'fvecs', '.bvecs': 'bvecs', '.ivecs': 'ivecs',
  '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl',
  '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.parquet': 'parquet', '.pq': 'parquet',
};

export interface OpenOptions extends FieldOptions {
  /** Overrides the extension. */
  format?: string;
  delimiter?: string;
}

export function formatOf(path: string, forced?: string): Format {
  if (forced !== undefined) {
    if (!(FORMATS as readonly string[]).includes(forced)) throw new UsageError(`--format ${JSON.stringify(forced)} is not one of ${FORMATS.join(', ')}`);
    return forced as Format;
  }
  if (path === '-') return 'jsonl';
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(`${path}: cannot tell the input format from the extension "${extname(path)}": use .npy, .fvecs, .bvecs, .ivecs, .jsonl, .csv, .tsv or .parquet, or give --format`);
  }
  return format;
}

/** Opens `path` for reading rows; failures name the file. */
export async function openSource(path: string, stdin: Readable, options: OpenOptions = {}): Promise<Source> {
  const format = formatOf(path, options.format);
  if (path === '-' && !['jsonl', 'csv', 'tsv'].includes(format)) throw new UsageError(`stdin ("-") can be JSON Lines, CSV or TSV, not ${format}`);
  return about(path === '-' ? 'stdin' : path, () => {
    switch (format) {
      case 'npy': return openNpy(path);
      case 'fvecs': case 'bvecs': case 'ivecs': return openVecs(path, format);
      case 'jsonl': return openJsonl(path, stdin, options);
      case 'csv': case 'tsv': return openCsv(path, stdin, format, options);
      case 'parquet': return openParquet(path, options);
    }
  });
}
