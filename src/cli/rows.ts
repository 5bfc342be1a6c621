// Row checks shared by every command that reads vectors: the same rules as the library (length, finite float32,
// hamming 0/1, ids in [0, 2^31 - 1)), but each problem names the file and the row, and --skip-invalid turns a stop
// into a count.
import { AnnoyError } from '../errors.js';
import { checkId, checkValues } from '../checks.js';
import type { Metric } from '../metric.js';
import { CliError } from './errors.js';
import type { Problem, ProblemKind, Row, Source } from './readers/index.js';

/** Examples of skipped rows kept for the report. */
const EXAMPLES = 10;

export interface CheckedRow {
  id: number;
  /** --keys: the row's key. */
  key?: string;
  values: ArrayLike<number>;
}

export class RowChecker {
  dimensions: number | undefined;
  /** Where the expected length came from, for messages. */
  #dimensionsFrom: string;
  readonly #metric: Metric | undefined;
  readonly #skipInvalid: boolean;
  readonly #source: Source;
  skipped = 0;
  readonly kinds = new Map<ProblemKind, number>();
  readonly examples: string[] = [];

  readonly #keys: boolean;

  constructor(source: Source, options: { dimensions?: number; metric?: Metric; skipInvalid?: boolean; dimensionsFrom?: string; keys?: boolean }) {
    this.#keys = options.keys ?? false;
    this.#source = source;
    this.#metric = options.metric;
    this.#skipInvalid = options.skipInvalid ?? false;
    if (options.dimensions !== undefined) {
      if (source.format === 'npy' && source.dimensions !== undefined && source.dimensions !== options.dimensions) {
        throw new CliError(`${source.name}: the array has ${source.dimensions} columns but ${options.dimensionsFrom ?? '--dimensions'} is ${options.dimensions}`);
      }
      this.dimensions = options.dimensions;
      this.#dimensionsFrom = options.dimensionsFrom ?? '--dimensions';
    } else {
      this.dimensions = source.dimensions;
      this.#dimensionsFrom = source.format === 'npy' ? 'the array shape' : `the length of ${source.unit} 1`;
    }
  }

  where(row: Pick<Row, 'at'>): string {
    return `${this.#source.name}: ${this.#source.unit} ${row.at}`;
  }

  /** The row's id and values, or null when it is bad and skipped; throws CliError when it is bad and not skipped. */
  check(row: Row): CheckedRow | null {
    const problem = this.#problem(row);
    if (problem === undefined && this.#keys) return { id: row.index, key: String(row.id), values: row.values as ArrayLike<number> };
    if (problem === undefined) return { id: row.id === undefined ? row.index : (row.id as number), values: row.values as ArrayLike<number> };
    const message = `${this.where(row)}: ${problem.message}`;
    if (!this.#skipInvalid) throw new CliError(`${message} (--skip-invalid skips bad rows)`);
    this.skipped++;
    this.kinds.set(problem.kind, (this.kinds.get(problem.kind) ?? 0) + 1);
    if (this.examples.length < EXAMPLES) this.examples.push(message);
    return null;
  }

  #problem(row: Row): Problem | undefined {
    if (row.problem) return row.problem;
    const values = row.values!;
    if (this.dimensions === undefined) {
      this.dimensions = values.length;
      this.#dimensionsFrom = `the length of ${this.#source.unit} ${row.at}`;
      if (values.length === 0) return { kind: 'wrong length', message: 'the vector is empty' };
    }
    if (values.length !== this.dimensions) {
      return { kind: 'wrong length', message: `has ${values.length} values, expected ${this.dimensions} (${this.#dimensionsFrom})` };
    }
    try {
      checkValues(values as ArrayLike<number>, 0, 1, this.dimensions, this.#metric ?? 'euclidean', -1);
    } catch (e) {
      if (!(e instanceof AnnoyError)) throw e;
      const kind: ProblemKind = e.code === 'NOT_FINITE' ? 'not finite' : e.code === 'DIMENSION_MISMATCH' ? 'wrong length'
        : /hamming/.test(e.message) ? 'not 0/1' : 'not a number';
      return { kind, message: e.message };
    }
    if (this.#keys) {
      if (typeof row.id !== 'string' && typeof row.id !== 'number') return { kind: 'bad id', message: `has no key (--keys: every row needs one in its id column), found ${JSON.stringify(row.id) ?? 'none'}` };
      if (String(row.id).length === 0) return { kind: 'bad id', message: 'has an empty key' };
      if (/[\uD800-\uDFFF]/.test(String(row.id).replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return { kind: 'bad id', message: 'has a key with a lone surrogate' };
    } else if (row.id !== undefined) {
      try {
        checkId(row.id);
      } catch (e) {
        if (!(e instanceof AnnoyError)) throw e;
        return { kind: 'bad id', message: e.message };
      }
    }
    return undefined;
  }

  /** "3 invalid rows skipped (2 wrong length, 1 not finite)", or undefined when none was. */
  summary(): string | undefined {
    if (this.skipped === 0) return undefined;
    const kinds = [...this.kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    return `skipped ${this.skipped} invalid ${this.#source.unit}${this.skipped === 1 ? '' : 's'} of ${this.#source.name} (${kinds})`;
  }
}

/**
 * Reads a whole (small) source into one flat array: queries (float32), or ground-truth ids (`integers`, kept as
 * float64 so every id is exact). Bad rows stop the read.
 */
export async function readAll(source: Source, options: { dimensions?: number; dimensionsFrom?: string; metric?: Metric; integers?: boolean }): Promise<{ flat: Float32Array | Float64Array; rows: number; dimensions: number; ids: number[] }> {
  const checker = new RowChecker(source, options);
  const parts: ArrayLike<number>[] = [];
  const ids: number[] = [];
  try {
    for await (const batch of source.batches()) {
      for (const row of batch) {
        const ok = checker.check(row)!;
        if (options.integers) {
          for (let j = 0; j < ok.values.length; j++) {
            if (!Number.isInteger(ok.values[j]) || ok.values[j] < 0) throw new CliError(`${checker.where(row)}: value ${j} is ${ok.values[j]}, not an item id`);
          }
        }
        parts.push(Array.from(ok.values)); // a copy: readers reuse their buffers
        ids.push(ok.id);
      }
    }
  } finally {
    await source.close();
  }
  const dimensions = checker.dimensions ?? 0;
  const flat = options.integers ? new Float64Array(parts.length * dimensions) : new Float32Array(parts.length * dimensions);
  parts.forEach((p, i) => flat.set(p, i * dimensions));
  return { flat, rows: parts.length, dimensions, ids };
}
