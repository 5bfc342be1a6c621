// `annoy-wasm query`: nearest neighbours of an item, of a vector given inline, or of every row of a file.
import { int, oneOf, parse, positionals, str } from './args.js';
import { CliError, UsageError, describe } from './errors.js';
import { println, type Io } from './io.js';
import { INDEX_OPTIONS, INDEX_OPTIONS_HELP, indexSpec, openSearchable } from './open-index.js';
import { openSource } from './readers/index.js';
import { RowChecker } from './rows.js';
import { createWriteStream, writeFileSync } from 'node:fs';
import type { BatchResult } from '../index/results.js';

export const QUERY_USAGE = `usage: annoy-wasm query <index> (--item <id> | --vector <json> | --input <file> | --all) [options]

Prints the nearest items of one item, of one vector, of every vector in a file (any input format of
\`annoy-wasm build\`; "-" is JSON Lines on stdin), or of every item of the index (--all), best first.

options:
  --item <id>           the neighbours of item <id>
  --vector <json>       the neighbours of this vector, e.g. --vector '[0.1, 0.2, 0.3]'
  --input <file>        the neighbours of every vector in <file>
  --all                 every item's nearest other items (a "similar items" table; a hole gets an empty row);
                        on an index with a graph each row is a short walk from the item itself; on a shard
                        manifest each row searches every shard (global ids)
  --output <file>       write there instead of stdout, in the form its name ends with: .jsonl (JSON Lines), .tsv,
                        or .npy (ids as uint32, size x k, 4294967295 where a row has fewer hits; the distances as
                        float32 in <name>.distances.npy)
  -k <k>                neighbours per query (default 10)
  --search-k <n>        candidates to collect before the exact re-rank (default k * trees; with a graph: the
                        tree candidates the walk starts from, default 8)
  --ef <n>              indexes with a graph: the best candidates the walk keeps (default max(k, 64); at least k)
  --rerank <n>          screened indexes: how many of the candidates best by their codes get the exact distance
                        (default max(50, 5k); at least k; -1 for every candidate)
  --format <f>          json (default: one JSON object per query, {"query", "ids", "distances"}) or tsv
                        (a header, then query, rank, id, distance per line)
${INDEX_OPTIONS_HELP}
  -h, --help            show this help

"query" is the item id, 0 for --vector, or the row's id (its id field, else its 0-based position) for --input.
exit status: 0 done, 1 failed (unreadable index or input, unknown item, wrong vector length), 2 bad usage`;

const OPTIONS = {
  item: { type: 'string' },
  vector: { type: 'string' },
  input: { type: 'string' },
  k: { type: 'string', short: 'k' },
  'search-k': { type: 'string' },
  ef: { type: 'string' },
  all: { type: 'boolean' },
  output: { type: 'string' },
  rerank: { type: 'string' },
  format: { type: 'string' },
  ...INDEX_OPTIONS,
} as const;

/** A float32 distance printed as its shortest float32 form. */
const f32 = (d: number) => Number(d.toPrecision(9));

export async function query(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  const [path] = positionals(p, ['index']);
  const given = (['item', 'vector', 'input', 'all'] as const).filter((o) => p.values[o] !== undefined);
  if (given.length !== 1) throw new UsageError(given.length === 0 ? 'give one of --item, --vector, --input or --all' : `give only one of --${given.join(', --')}`);
  const output = str(p, 'output');
  if (output !== undefined && p.values.all !== true) throw new UsageError('--output is for --all');
  const ef = int(p, 'ef', 1);
  const k = int(p, 'k', 1) ?? 10;
  const searchK = int(p, 'search-k', 1);
  const rerank = str(p, 'rerank') === '-1' ? -1 : int(p, 'rerank', 1);
  const format = oneOf(p, 'format', ['json', 'tsv'] as const, 'json');
  // an integer is an id; anything else a key (an index built with --keys)
  const itemText = str(p, 'item');
  const item: number | string | undefined = itemText === undefined ? undefined : /^\s*\d+\s*$/.test(itemText) ? int(p, 'item', 0, 2 ** 31 - 2)! : itemText;
  let vector: number[] | undefined;
  if (p.values.vector !== undefined) {
    try {
      vector = JSON.parse(str(p, 'vector')!);
    } catch {
      throw new UsageError(`--vector is not JSON: ${JSON.stringify(str(p, 'vector'))}`);
    }
    if (!Array.isArray(vector) || vector.some((x) => typeof x !== 'number')) throw new UsageError('--vector is not a JSON array of numbers');
  }
  const spec = indexSpec(p);
  const options = searchK === undefined && rerank === undefined && ef === undefined ? undefined : { searchK, rerank, ef };
  const { index } = await openSearchable(path, spec);
  try {
    const emit = (lines: string[]) => { if (lines.length) io.stdout.write(lines.join('\n') + '\n'); };
    // an index with string keys (one file, or shards built with keys: true): its keys printed beside the ids
    const keyed = index.hasKeys;
    const render = (q: number | string, ids: Uint32Array, distances: Float32Array, as: 'json' | 'tsv' = format): string => {
      const keys = keyed ? [...ids].map((id) => index.keyOf(id)) : [];
      return as === 'json'
        ? JSON.stringify({ query: q, ids: [...ids], ...(keyed ? { keys } : {}), distances: [...distances].map(f32) })
        : [...ids].map((id, r) => `${q}\t${r + 1}\t${id}${keyed ? `\t${keys[r]}` : ''}\t${f32(distances[r])}`).join('\n');
    };
    if (p.values.all === true) {
      const started = performance.now();
      let shown = 0; // progress on stderr about every 5% (the rows come from rounds over all items at once)
      const all = search(path, () => index.searchAll(k, {
        ...options,
        onProgress: ({ done, total }) => {
          if (output === undefined || (done - shown < total / 20 && done !== total)) return;
          shown = done;
          println(io.stderr, `query --all: ${done}/${total} items`);
        },
      }), '--all');
      await writeAll(all, output ?? null, output === undefined ? format : undefined, io, render);
      if (output !== undefined) println(io.stderr, `wrote ${output}: ${all.counts.length} rows of up to ${k} neighbours in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    if (format === 'tsv') println(io.stdout, `query\trank\tid${keyed ? '\tkey' : ''}\tdistance`);
    if (item !== undefined) {
      const { ids, distances } = search(path, () => index.searchItem(item, k, options), `item ${item}`);
      emit([render(item, ids, distances)]);
    } else if (vector !== undefined) {
      const { ids, distances } = search(path, () => index.search(vector!, k, options), '--vector');
      emit([render(0, ids, distances)]);
    } else {
      const source = await openSource(str(p, 'input')!, io.stdin);
      const checker = new RowChecker(source, { dimensions: index.dimensions, dimensionsFrom: `the index ${path}`, metric: index.metric });
      try {
        for await (const batch of source.batches()) {
          const lines: string[] = [];
          for (const row of batch) {
            const ok = checker.check(row)!;
            const { ids, distances } = index.search(ok.values, k, options);
            lines.push(render(ok.id, ids, distances));
          }
          emit(lines);
        }
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`${source.name}: ${describe(e)}`, { cause: e });
      } finally {
        await source.close();
      }
    }
    return 0;
  } finally {
    index.free();
  }
}

/** Every item's row: JSON Lines or tsv (to stdout or a file), or two .npy files. */
async function writeAll(all: BatchResult, output: string | null, format: 'json' | 'tsv' | undefined, io: Io, render: (q: number, ids: Uint32Array, d: Float32Array, as: 'json' | 'tsv') => string): Promise<void> {
  const kind = format ?? (output!.endsWith('.npy') ? 'npy' : output!.endsWith('.tsv') ? 'tsv' : output!.endsWith('.jsonl') || output!.endsWith('.json') ? 'json' : undefined);
  if (kind === undefined) throw new UsageError(`--output ${output}: name it .jsonl, .tsv or .npy`);
  const rows = all.counts.length, k = all.k;
  if (kind === 'npy') {
    writeFileSync(output!, npy(all.ids, '<u4', rows, k));
    writeFileSync(output!.replace(/\.npy$/, '.distances.npy'), npy(all.distances, '<f4', rows, k));
    return;
  }
  const chunks: string[] = kind === 'tsv' ? ['query\trank\tid\tdistance'] : [];
  const out = output === null ? null : createWriteStream(output);
  const flush = async () => {
    if (!chunks.length) return;
    const text = chunks.join('\n') + '\n';
    chunks.length = 0;
    if (out === null) io.stdout.write(text);
    else if (!out.write(text)) await new Promise<void>((r) => { out.once('drain', () => r()); });
  };
  for (let i = 0; i < rows; i++) {
    const row = all.row(i);
    const line = render(i, row.ids, row.distances, kind); // the form the file's name asks for, whatever --format says
    if (line !== '' || kind === 'json') chunks.push(line);
    if (chunks.length >= 4096) await flush();
  }
  await flush();
  if (out !== null) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** A NumPy .npy (version 1.0) file of a rows x k C-order array. */
function npy(data: Uint32Array | Float32Array, dtype: string, rows: number, k: number): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${rows}, ${k}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, header.length & 0xFF, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

function search<T>(path: string, f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    throw new CliError(`${path}: ${what}: ${describe(e)}`, { cause: e });
  }
}
