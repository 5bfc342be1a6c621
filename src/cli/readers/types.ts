// What every input reader yields: rows in file order, in batches, each with where it came from. A reader reports
// what it cannot parse as a row's `problem`; checking lengths and values is rows.ts's job, the same for all formats.

export type Format = 'npy' | 'fvecs' | 'bvecs' | 'ivecs' | 'jsonl' | 'csv' | 'tsv' | 'parquet';

export type ProblemKind = 'wrong length' | 'not finite' | 'not a number' | 'not 0/1' | 'malformed' | 'missing vector' | 'bad id';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

export interface Row {
  /** Where the row is, in the reader's unit (a line number for text, a 1-based row or record number otherwise). */
  at: number;
  /** 0-based position among the data rows (header and blank lines excluded): the id when the row has none. */
  index: number;
  /** The id the row carries (an id field or column), if any; unchecked. */
  id?: unknown;
  /** The values, unchecked (text readers may hold non-numbers); absent when `problem` is set. */
  values?: ArrayLike<unknown>;
  problem?: Problem;
}

export interface Source {
  /** The name to show: the path, or "stdin". */
  name: string;
  format: Format;
  unit: 'line' | 'row' | 'record';
  /** Values per row, when the format says so before any row (.npy's shape, a Parquet fixed-size list). */
  dimensions?: number;
  /** Rows in the file, when known before reading (.npy, Parquet, fixed-size records). */
  rows?: number;
  /** How far reading has got, 0..1, when it can be told (bytes or rows). */
  fraction(): number | undefined;
  batches(): AsyncIterable<Row[]>;
  close(): Promise<void>;
}

/** How a reader finds ids and vectors in formats with named fields (JSON Lines, CSV with a header, Parquet). */
export interface FieldOptions {
  idField?: string;
  vectorField?: string;
}

export const BATCH_ROWS = 4096;
