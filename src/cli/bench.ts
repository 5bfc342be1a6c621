// `annoy-wasm bench`: recall@k and queries/s of an index on a set of queries, against given ground truth or
// an exact brute force over the index's own items (getItem, float64, independent of the trees).
import type { Index } from '../index/index.js';
import type { ShardedIndex } from '../shards/sharded-index.js';
import { AnnoyError } from '../errors.js';
import { int, intList, parse, positionals, str } from './args.js';
import { CliError, UsageError, describe } from './errors.js';
import { println, type Io } from './io.js';
import { exactDistance, TopK } from './distance.js';
import { INDEX_OPTIONS, INDEX_OPTIONS_HELP, indexSpec, openSearchable } from './open-index.js';
import { count, duration } from './progress.js';
import { openSource } from './readers/index.js';
import { readAll } from './rows.js';

export const BENCH_USAGE = `usage: annoy-wasm bench <index> --queries <file> [--ground-truth <file>] [options]

Measures recall@k and single-thread queries/s of <index> on the vectors of <file> (any input format of
\`annoy-wasm build\`). Ground truth is a file of neighbour ids per query, best first (.ivecs, .npy of
integers, JSON Lines of arrays, CSV); without one, the exact neighbours are found by brute force over the
index's items. recall@k counts a returned item as found when its distance is no worse than the true k-th
nearest's (so ties count), as ann-benchmarks does.

options:
  --queries <file>      query vectors (required)
  --ground-truth <file> the true neighbour ids of each query (default: brute force)
  -k <k>                neighbours per query (default 10)
  --search-k <n,...>    one or more searchK values to measure (default: k * trees)
  --time <s>            seconds to spend timing each searchK (default 1; at least one pass over the queries)
  --json                one JSON object instead of a table
${INDEX_OPTIONS_HELP}
  -h, --help            show this help

exit status: 0 measured, 1 failed (unreadable index, queries or ground truth), 2 bad usage`;

const OPTIONS = {
  queries: { type: 'string' },
  'ground-truth': { type: 'string' },
  k: { type: 'string', short: 'k' },
  'search-k': { type: 'string' },
  time: { type: 'string' },
  json: { type: 'boolean' },
  ...INDEX_OPTIONS,
} as const;

export async function bench(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  const [path] = positionals(p, ['index']);
  const queriesPath = str(p, 'queries');
  if (queriesPath === undefined) throw new UsageError('--queries is required (a file of query vectors)');
  const truthPath = str(p, 'ground-truth');
  const k = int(p, 'k', 1) ?? 10;
  const searchKs = intList(p, 'search-k', 1) ?? [-1];
  const timeText = str(p, 'time') ?? '1';
  const seconds = Number(timeText);
  if (!(seconds >= 0 && seconds <= 3600)) throw new UsageError(`--time ${JSON.stringify(timeText)} is not a number of seconds in [0, 3600]`);
  const spec = indexSpec(p);
  const { index } = await openSearchable(path, spec);
  try {
    const queries = await readAll(await openSource(queriesPath, io.stdin), { dimensions: index.dimensions, dimensionsFrom: `the index ${path}`, metric: index.metric });
    if (queries.rows === 0) throw new CliError(`${queriesPath}: no query vectors`);
    const dims = index.dimensions;
    const query = (q: number) => queries.flat.subarray(q * dims, (q + 1) * dims) as Float32Array;

    // The true k-th distance of each query: from the ground-truth ids, or by brute force.
    const started = performance.now();
    let truthNote: string;
    const kth = new Float64Array(queries.rows);
    const depth = new Uint32Array(queries.rows); // how many true neighbours each query has (k, or fewer items)
    if (truthPath !== undefined) {
      const truth = await readAll(await openSource(truthPath, io.stdin), { integers: true });
      if (truth.rows !== queries.rows) throw new CliError(`${truthPath}: ${truth.rows} rows of ground truth for ${queries.rows} queries`);
      if (truth.dimensions < Math.min(k, index.count)) throw new CliError(`${truthPath}: ${truth.dimensions} neighbours per query, fewer than k = ${k}`);
      for (let q = 0; q < queries.rows; q++) {
        depth[q] = Math.min(k, truth.dimensions);
        const id = truth.flat[q * truth.dimensions + depth[q] - 1];
        let item: Float32Array;
        try {
          item = index.getItem(id);
        } catch (e) {
          throw new CliError(`${truthPath}: row ${q + 1}: neighbour ${id}: ${describe(e)}`);
        }
        kth[q] = exactDistance(index.metric, query(q), item);
      }
      truthNote = `ground truth ${truthPath}`;
    } else {
      if (index.count * queries.rows * dims > 2e9) {
        println(io.stderr, `annoy-wasm bench: finding the exact neighbours by brute force (${count(index.count)} items x ${count(queries.rows)} queries); --ground-truth skips this`);
      }
      const tops = Array.from({ length: queries.rows }, () => new TopK(k, index.metric));
      for (let id = 0; id < index.size; id++) {
        let item: Float32Array;
        try {
          item = index.getItem(id);
        } catch (e) {
          if (e instanceof AnnoyError && e.code === 'INVALID_ID') continue; // a hole
          throw e;
        }
        for (let q = 0; q < queries.rows; q++) tops[q].offer(id, exactDistance(index.metric, query(q), item));
      }
      tops.forEach((t, q) => { depth[q] = t.ids.length; kth[q] = t.distances[t.ids.length - 1]; });
      truthNote = `exact brute force over ${count(index.count)} items (${duration((performance.now() - started) / 1000)})`;
    }

    const results = searchKs.map((searchK) => measure(index, queries.flat as Float32Array, queries.rows, k, searchK, seconds, kth, depth));
    if (p.values.json) {
      println(io.stdout, JSON.stringify({
        index: path, items: index.count, dimensions: dims, metric: index.metric, trees: index.trees,
        queries: queries.rows, k, groundTruth: truthPath ?? 'brute force', results,
      }, null, 2));
      return 0;
    }
    const shards = 'shards' in index ? `, ${index.shards} shards` : '';
    println(io.stdout, `${path}: ${count(index.count)} items, ${dims}-d, ${index.metric}, ${count(index.trees)} trees${shards}`);
    println(io.stdout, `${count(queries.rows)} queries from ${queriesPath}, k = ${k}, ${truthNote}`);
    println(io.stdout, `${'searchK'.padStart(10)}  ${`recall@${k}`.padStart(9)}  ${'queries/s'.padStart(10)}  ${'ms/query'.padStart(9)}`);
    for (const r of results) {
      println(io.stdout, `${String(r.searchK).padStart(10)}  ${r.recall.toFixed(4).padStart(9)}  ${count(Math.round(r.queriesPerSecond)).padStart(10)}  ${r.msPerQuery.toFixed(4).padStart(9)}`);
    }
    return 0;
  } finally {
    index.free();
  }
}

interface Result { searchK: number; recall: number; queriesPerSecond: number; msPerQuery: number; passes: number }

function measure(index: Index | ShardedIndex, flat: Float32Array, rows: number, k: number, searchK: number, seconds: number, kth: Float64Array, depth: Uint32Array): Result {
  const dims = index.dimensions;
  const options = { searchK };
  const effective = searchK === -1 ? k * Math.max(index.trees, 1) : searchK;
  // Recall, from one pass.
  let found = 0, wanted = 0;
  const eps = 1e-3;
  for (let q = 0; q < rows; q++) {
    const { distances } = index.search(flat.subarray(q * dims, (q + 1) * dims), k, options);
    const limit = kth[q];
    let hits = 0;
    for (let i = 0; i < Math.min(distances.length, depth[q]); i++) {
      const d = distances[i];
      const slack = eps * Math.max(1, Math.abs(limit));
      if (index.metric === 'dot' ? d >= limit - slack : d <= limit + slack) hits++;
    }
    found += hits;
    wanted += depth[q];
  }
  // Speed: whole passes over the queries until the time is spent.
  let passes = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let q = 0; q < rows; q++) index.search(flat.subarray(q * dims, (q + 1) * dims), k, options);
    passes++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  const perQuery = elapsed / (passes * rows);
  return { searchK: effective, recall: wanted ? found / wanted : 1, queriesPerSecond: 1 / perQuery, msPerQuery: perQuery * 1000, passes };
}
