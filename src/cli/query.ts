// `annoy-wasm query`: nearest neighbours of an item, of a vector given inline, or of every row of a file.
import { int, oneOf, parse, positionals, str } from './args.js';
import { CliError, UsageError, describe } from './errors.js';
import { println, type Io } from './io.js';
import { INDEX_OPTIONS, INDEX_OPTIONS_HELP, indexSpec, openIndex } from './open-index.js';
import { openSource } from './readers/index.js';
import { RowChecker } from './rows.js';

export const QUERY_USAGE = `usage: annoy-wasm query <index> (--item <id> | --vector <json> | --input <file>) [options]

Prints the nearest items of one item, of one vector, or of every vector in a file (any input format of
\`annoy-wasm build\`; "-" is JSON Lines on stdin), best first.

options:
  --item <id>           the neighbours of item <id>
  --vector <json>       the neighbours of this vector, e.g. --vector '[0.1, 0.2, 0.3]'
  --input <file>        the neighbours of every vector in <file>
  -k <k>                neighbours per query (default 10)
  --search-k <n>        candidates to collect before the exact re-rank (default k * trees)
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
  rerank: { type: 'string' },
  format: { type: 'string' },
  ...INDEX_OPTIONS,
} as const;

/** A float32 distance printed as its shortest float32 form. */
const f32 = (d: number) => Number(d.toPrecision(9));

export async function query(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  if (p.help) {
    println(io.stdout, QUERY_USAGE);
    return 0;
  }
  const [path] = positionals(p, ['index']);
  const given = (['item', 'vector', 'input'] as const).filter((o) => p.values[o] !== undefined);
  if (given.length !== 1) throw new UsageError(given.length === 0 ? 'give one of --item, --vector or --input' : `give only one of --${given.join(', --')}`);
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
  const options = searchK === undefined && rerank === undefined ? undefined : { searchK, rerank };
  const { index } = openIndex(path, spec);
  try {
    const emit = (lines: string[]) => { if (lines.length) io.stdout.write(lines.join('\n') + '\n'); };
    // an index with string keys: its keys printed beside the ids
    const keyed = index.hasKeys;
    const render = (q: number | string, ids: Uint32Array, distances: Float32Array): string => {
      const keys = keyed ? [...ids].map((id) => index.keyOf(id)) : [];
      return format === 'json'
        ? JSON.stringify({ query: q, ids: [...ids], ...(keyed ? { keys } : {}), distances: [...distances].map(f32) })
        : [...ids].map((id, r) => `${q}\t${r + 1}\t${id}${keyed ? `\t${keys[r]}` : ''}\t${f32(distances[r])}`).join('\n');
    };
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

function search<T>(path: string, f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    throw new CliError(`${path}: ${what}: ${describe(e)}`, { cause: e });
  }
}
