// Apache Parquet through hyparquet (pure JavaScript, no dependencies; loaded only when a Parquet file is read).
// Expects an id column (optional: "id" or --id-column) and a list column of numbers ("vector", "embedding", the
// only list column, or --vector-column): LIST<FLOAT|DOUBLE|INT*> in the standard 3-level form or a legacy repeated
// field. Read one row group at a time. Codecs: uncompressed and snappy (hyparquet), gzip and brotli (node:zlib),
// zstd where node:zlib has it (Node >= 22.15).
import * as zlib from 'node:zlib';
import { CliError } from '../errors.js';
import type { FieldOptions, Row, Source } from './types.js';

type Hyparquet = typeof import('hyparquet');

async function loadHyparquet(path: string): Promise<Hyparquet> {
  try {
    return await import('hyparquet');
  } catch (e) {
    throw new CliError(`${path}: reading Parquet needs the "hyparquet" package, which is not installed (npm install hyparquet): ${(e as Error).message}`);
  }
}

function compressors() {
  const z = zlib as typeof zlib & { zstdDecompressSync?: (b: Uint8Array) => Buffer };
  const wrap = (f: (b: Uint8Array) => Buffer) => (input: Uint8Array) => new Uint8Array(f(input));
  return {
    GZIP: wrap(zlib.gunzipSync),
    BROTLI: wrap(zlib.brotliDecompressSync),
    ...(z.zstdDecompressSync ? { ZSTD: wrap(z.zstdDecompressSync) } : {}),
  };
}

export async function openParquet(path: string, fields: FieldOptions = {}): Promise<Source> {
  const hp = await loadHyparquet(path);
  const file = await hp.asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await hp.parquetMetadataAsync(file);
  } catch (e) {
    throw new CliError(`${path}: not a readable Parquet file: ${(e as Error).message}`);
  }
  const columns = hp.parquetSchema(metadata).children;
  const names = columns.map((c) => c.element.name);
  const isList = (c: (typeof columns)[number]) =>
    c.element.converted_type === 'LIST' || c.element.logical_type?.type === 'LIST' || c.element.repetition_type === 'REPEATED';
  const listing = columns.map((c) => `${c.element.name}${isList(c) ? ' (list)' : ''}`).join(', ');

  let vectorName = fields.vectorField;
  if (vectorName === undefined) {
    const lists = columns.filter(isList);
    vectorName = ['vector', 'embedding'].find((n) => names.includes(n)) ?? (lists.length === 1 ? lists[0].element.name : undefined);
    if (vectorName === undefined) throw new CliError(`${path}: cannot tell which column holds the vectors (columns: ${listing}); name it with --vector-column`);
  }
  const vectorColumn = columns.find((c) => c.element.name === vectorName);
  if (!vectorColumn) throw new CliError(`${path}: no column "${vectorName}" (columns: ${listing})`);
  if (!isList(vectorColumn)) throw new CliError(`${path}: column "${vectorName}" is not a list column (columns: ${listing})`);
  const idName = fields.idField ?? (names.includes('id') ? 'id' : undefined);
  if (idName !== undefined && !names.includes(idName)) throw new CliError(`${path}: no column "${idName}" (columns: ${listing})`);

  const rows = Number(metadata.num_rows);
  let done = 0;
  return {
    name: path, format: 'parquet', unit: 'row', rows,
    fraction: () => (rows === 0 ? 1 : done / rows),
    async *batches() {
      let start = 0;
      for (const group of metadata.row_groups) {
        const end = start + Number(group.num_rows);
        let objects: Record<string, unknown>[];
        try {
          objects = await hp.parquetReadObjects({
            file, metadata, rowStart: start, rowEnd: end, compressors: compressors(),
            columns: idName === undefined ? [vectorName!] : [idName, vectorName!],
          });
        } catch (e) {
          throw new CliError(`${path}: rows ${start + 1}..${end}: ${(e as Error).message}`);
        }
        const batch: Row[] = new Array(objects.length);
        for (let r = 0; r < objects.length; r++) {
          const o = objects[r];
          const row: Row = { at: start + r + 1, index: start + r };
          if (idName !== undefined) {
            const id = o[idName];
            row.id = typeof id === 'bigint' && id <= BigInt(Number.MAX_SAFE_INTEGER) && id >= 0n ? Number(id) : id;
          }
          const v = o[vectorName!];
          if (v === undefined || v === null) row.problem = { kind: 'missing vector', message: `"${vectorName}" is null` };
          else if (!Array.isArray(v) && !ArrayBuffer.isView(v)) row.problem = { kind: 'malformed', message: `"${vectorName}" is not a list` };
          else row.values = v as ArrayLike<unknown>;
          batch[r] = row;
        }
        start = end;
        done = end;
        if (batch.length) yield batch;
      }
    },
    async close() { /* hyparquet reads slices on demand: nothing stays open */ },
  };
}
