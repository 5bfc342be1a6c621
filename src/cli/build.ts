// `annoy-wasm build`: streams vectors from a file (or stdin) into an IndexBuilder, builds the forest and writes the
// index atomically. The input is never held whole: each batch of rows goes into wasm memory as soon as it is read.
import { availableParallelism } from 'node:os';
import { IndexBuilder } from '../build/builder.js';
import { ShardedIndexBuilder } from '../shards/sharded-builder.js';
import type { Index } from '../index/index.js';
import { METRICS } from '../metric.js';
import { CODES, MAX_AUTO_COMPONENTS, MAX_PCA_DIMENSIONS, MAX_SCREENING_DIMENSIONS, PCA_METRICS, STORAGES, type Codes, type Storage } from '../format/layout.js';
import { int, metric, oneOf, parse, positionals, required, str, type Parsed } from './args.js';
import { existsSync, statSync } from 'node:fs';
import type { Metric } from '../metric.js';
import { CliError, UsageError, describe } from './errors.js';
import { InterruptGuard } from './interrupt.js';
import { println, type Io } from './io.js';
import { checkWritable, writeAtomically } from './output.js';
import { Progress, count, duration } from './progress.js';
import { FORMATS, openSource } from './readers/index.js';
import type { Source } from './readers/types.js';
import { RowChecker } from './rows.js';

export const BUILD_USAGE = `usage: annoy-wasm build <input> -o <index> --metric <metric> [options]
       annoy-wasm build <input> -o <dir> --metric <metric> --shard-size <n> [--shard <i>/<n>] [options]

Builds an index from the vectors in <input> and writes it to <index> (atomically: a failed or interrupted
build leaves no file).

With --shard-size (or --shard) it writes shards instead, for item sets larger than one memory (4 GiB):
id i goes to shard floor(i / shard-size) as its local id i % shard-size; <dir>/shard-NNNN.annoy holds shard NNNN
and <dir>/manifest.json lists them (query, info, bench and IndexPool.open read the manifest).

input formats (by extension, or --format):
  .npy                  NumPy array, 2-D, C order, float32/float64 (integer and bool types too)
  .fvecs .bvecs         TEXMEX records (int32 count + float32 / uint8 values)
  .jsonl .ndjson        JSON Lines: {"id": 3, "vector": [...]} or bare arrays [...]
  .csv .tsv             one value per column; an optional header, whose "id" column holds the ids
  .parquet              an "id" column and a list<float> column ("vector", "embedding" or the only list)
  -                     JSON Lines (or --format csv|tsv) on stdin
Rows without an id get their 0-based position in the input (header and blank lines not counted).
With --keys the id column holds string keys (catalogue ids, URIs, words): items are numbered in the order their keys
first appear, the keys are saved in the index, and query prints them.

options:
  -o, --output <file>   the index file to write (required)
  --metric <m>          ${METRICS.join(', ')} (required)
  --trees <n>           trees to build; -1 (default) adds trees until they hold as many nodes as items
  --seed <s>            seed of every random choice, an integer in [0, 2^32) (default 0): same input, same file
  --dimensions <d>      values per vector (default: from the file, or the first row)
  --jobs <j>            build trees in <j> worker threads, 1..256 (default: one per core, as Annoy's n_jobs -1);
                        the same file whatever <j>
  --screening <s>       auto (default), none, int8 or pca: queries rank their candidates by small int8 codes first and
                        compute exact distances only for the best (faster queries; results keep exact distances).
                        The codes are computed when the index is built or loaded: the file stays the same size,
                        memory holds one code per item.
                          int8  one byte a dimension (any metric but hamming)
                          pca   the first principal components, one byte each: for high-dimensional data whose
                                variance sits in few directions (angular, euclidean, dot; up to ${MAX_PCA_DIMENSIONS} dimensions)
                          auto  chosen from the data at build: pca when a quarter of the dimensions hold 90% of the
                                variance, else int8; none at 16 dimensions or fewer and for hamming
  --screening-dimensions <m>
                        pca: the components each code keeps, 1 .. dimensions (default: the fewest, in steps of 16
                        and at most ${MAX_AUTO_COMPONENTS}, that hold 90% of the variance)
  --storage <s>         how item vectors are stored: float32 (default), float16, bfloat16 or int8 (half, half, a
                        quarter of the bytes; distances from the stored values; README "Storage"); not for hamming
  --compact-trees       store the trees compactly: int8 split planes chosen before they route the items, leaf ids
                        packed at ceil(log2(size)) bits (glove-100, 100 trees: 0.47x the file; README "Compact
                        trees"); always so with --graph
  --leaf-size <n>       most items in a leaf, 2 .. dimensions + 2 (default: dimensions + 2, Annoy's)
  --graph               also build a neighbour graph (stored in the file): queries walk it from the trees' best
                        candidates (query --ef), much faster at high recall; with it --trees defaults to 8
  --degree <n>          --graph: most neighbours per item, 2 .. 256 (default 32)
  --shard-size <n>      write shards of <n> ids each to the folder <dir> (default with --shard: as many ids as take
                        1 GiB of vectors)
  --shard <i>/<n>       build only part <i> (0 .. <n> - 1) of <n>: the shards s with s % <n> == <i>, reading (and
                        skipping) every other row, and no manifest. <n> processes, one per part, on as many
                        machines, write the same files one process would; then "annoy-wasm manifest <dir>"
                        (with the same --shard-size) writes the manifest
  --skip-invalid        skip bad rows (wrong length, NaN/Infinity, not a number, bad id) and report how many
  --keys                the id column holds string keys, not integer ids (every row needs one)
  --format <f>          read <input> as ${FORMATS.join(', ')}
  --id-column <name>    the id field or column (JSON Lines, CSV header, Parquet; default "id")
  --vector-column <n>   the vector field or column (JSON Lines, Parquet; default "vector")
  --delimiter <c>       CSV field separator (default "," for .csv, tab for .tsv)
  -q, --quiet           print nothing but errors
  -h, --help            show this help

Progress goes to stdout: a status line on a terminal, plain log lines otherwise.
exit status: 0 built, 1 failed (the message names the file and the row), 2 bad usage`;

export const BUILD_OPTIONS = {
  output: { type: 'string', short: 'o' },
  metric: { type: 'string' },
  trees: { type: 'string' },
  seed: { type: 'string' },
  dimensions: { type: 'string' },
  jobs: { type: 'string' },
  screening: { type: 'string' },
  'screening-dimensions': { type: 'string' },
  storage: { type: 'string' },
  'compact-trees': { type: 'boolean' },
  'leaf-size': { type: 'string' },
  graph: { type: 'boolean' },
  degree: { type: 'string' },
  'shard-size': { type: 'string' },
  shard: { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  keys: { type: 'boolean' },
  format: { type: 'string' },
  'id-column': { type: 'string' },
  'vector-column': { type: 'string' },
  delimiter: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function build(args: string[], io: Io): Promise<number> {
  const p = parse(args, BUILD_OPTIONS);
  const [input] = positionals(p, ['input']);
  const output = required(p, 'output', 'the index file to write');
  const shardSize = int(p, 'shard-size', 1, 2 ** 31 - 1);
  const part = shardPart(str(p, 'shard'));
  const sharded = shardSize !== undefined || part !== undefined;
  const metricName = metric(required(p, 'metric', METRICS.join(', ')))!;
  const treesText = str(p, 'trees') ?? '-1';
  const trees = /^\s*(-1|\+?\d+)\s*$/.test(treesText) ? Number(treesText) : NaN;
  if (!Number.isSafeInteger(trees) || trees === 0) throw new UsageError(`--trees ${JSON.stringify(treesText)} is not an integer >= 1 (or -1 for the automatic count)`);
  const seed = int(p, 'seed', 0, 2 ** 32 - 1) ?? 0;
  const dimensions = int(p, 'dimensions', 1, 65536);
  const jobs = int(p, 'jobs', 1, 256) ?? Math.min(256, availableParallelism());
  const leafSize = int(p, 'leaf-size', 2, 65541);
  const degree = int(p, 'degree', 2, 256);
  if (degree !== undefined && p.values.graph !== true) throw new UsageError('--degree is for --graph');
  const graph = p.values.graph === true ? { degree: degree ?? 32 } : undefined;
  // A graph index builds 8 trees unless told otherwise (IndexBuilder's default); Annoy's automatic rule otherwise.
  const treesAsked = graph && str(p, 'trees') === undefined ? undefined : trees;
  const screening = oneOf(p, 'screening', ['auto', ...CODES] as const, 'auto');
  if (screening === 'int8' && metricName === 'hamming') throw new UsageError('--screening int8 is not for hamming (its vectors are already one bit a dimension)');
  if (screening === 'pca' && !PCA_METRICS.includes(metricName)) {
    throw new UsageError(`--screening pca is for ${PCA_METRICS.join(', ')}, not ${metricName} (principal components keep squared L2 distances and dot products)`);
  }
  const screeningDimensions = int(p, 'screening-dimensions', 1, MAX_PCA_DIMENSIONS);
  if (screeningDimensions !== undefined && screening !== 'pca') throw new UsageError('--screening-dimensions is for --screening pca');
  const storage = oneOf(p, 'storage', STORAGES, 'float32');
  if (storage !== 'float32' && metricName === 'hamming') throw new UsageError(`--storage ${storage} is not for hamming (its vectors are already one bit a dimension)`);
  const treeEncoding = p.values['compact-trees'] === true ? 'compact' as const : undefined; // else the library's default
  const skipInvalid = p.values['skip-invalid'] === true;
  const keys = p.values.keys === true;
  const delimiter = str(p, 'delimiter');
  if (delimiter !== undefined && delimiter.length !== 1) throw new UsageError(`--delimiter ${JSON.stringify(delimiter)} is not one character`);
  if (sharded) {
    if (keys) throw new UsageError('--keys is not for --shard-size / --shard (keys are numbered over every shard by one builder: the library\'s ShardedIndexBuilder({ keys: true }) builds keyed shards in one process)');
    return buildShards(input, output, io, p, {
      metricName, trees: treesAsked === undefined ? undefined : trees, seed, dimensions, jobs, leafSize, graph, screening, screeningDimensions,
      skipInvalid, delimiter, shardSize, part, storage, treeEncoding,
    });
  }
  checkWritable(output, [input]);

  const progress = new Progress(io.stdout, Progress.modeFor(io.stdout, p.values.quiet === true));
  const guard = new InterruptGuard(io, 'build');
  let index: Index | undefined;
  guard.arm();
  try {
    const source = await openSource(input, io.stdin, {
      format: str(p, 'format'), idField: str(p, 'id-column'), vectorField: str(p, 'vector-column'), delimiter,
    });
    const checker = new RowChecker(source, { dimensions, metric: metricName, skipInvalid, keys });
    const { builder, added } = await readRows(source, checker, progress, io, keys, (dims) => {
      checkScreening(screening, screeningDimensions, dims);
      return new IndexBuilder({ dimensions: dims, metric: metricName, seed, screening, screeningDimensions, leafSize, keys, storage, treeEncoding, ...(graph ? { graph } : {}) });
    });
    if (builder === undefined || builder.count === 0) throw new CliError(`${source.name}: no valid vectors to build an index from`);
    if (added > builder.count) {
      println(io.stderr, `annoy-wasm build: warning: ${count(added - builder.count)} ${source.unit}s repeated an earlier id and replaced its vector`);
    }

    const items = builder.count;
    // The serial build is one synchronous wasm call: signals take their default action meanwhile (interrupt.ts).
    // Disarm before saying "building", or a Ctrl-C caught in between is dropped by the disarm and never acted on.
    if (jobs === 1) guard.disarm();
    progress.phase(`building ${treesAsked === undefined ? `8 trees and a graph of degree ${graph!.degree}` : trees === -1 ? 'trees (automatic count)' : `${count(trees)} trees${graph ? ` and a graph of degree ${graph.degree}` : ''}`} over ${count(items)} items (${checker.dimensions}-d, ${metricName}${jobs > 1 ? `, ${jobs} threads` : ''})`);
    const onProgress = ({ treesDone, trees: total }: { treesDone: number; trees: number }) => {
      progress.update(() => {
        const eta = progress.eta(treesDone / total);
        return `building trees: ${count(treesDone)}/${count(total)}${trees === -1 ? ' (estimated)' : ''}${eta ? `, ETA ${eta}` : ''}`;
      });
    };
    try {
      if (jobs > 1) {
        // Worker threads: the main thread waits on the event loop, so the signal handlers stay armed and run.
        index = await builder.buildAsync({ ...(treesAsked === undefined ? {} : { trees }), onProgress, jobs });
      } else {
        index = builder.build({ ...(treesAsked === undefined ? {} : { trees }), onProgress });
      }
    } catch (e) {
      throw new CliError(`building the index of ${source.name}: ${describe(e)}`, { cause: e });
    } finally {
      guard.arm();
      progress.done();
    }
    progress.log(`built ${count(index.trees)} trees${index.graph ? ` and a neighbour graph (degree ${index.graph})` : ''} in ${duration(progress.elapsed())}`);

    progress.phase(`writing ${output}`);
    const built = index;
    await writeAtomically(output, guard, (temporary) => built.save(temporary));
    progress.done();
    if (progress.mode !== 'quiet') {
      const screened = index.screening === 'none' ? '' : `, ${index.screening} screening${index.screening === 'pca' ? ` (${index.screeningDimensions} components)` : ''}`;
      const stored = index.storage === 'float32' ? '' : `, ${index.storage} vectors`;
      println(io.stdout, `wrote ${output}: ${count(index.count)} items, ${index.dimensions} dimensions, ${index.metric}, ${count(index.trees)} trees${index.graph ? `, graph degree ${index.graph}` : ''}, seed ${index.seed}${screened}${stored}, ${count(index.byteLength)} bytes`);
    }
    return 0;
  } finally {
    guard.disarm();
    index?.free();
  }
}

/**
 * Streams the input's valid rows, batch by batch, into the builder `make` returns once the first valid row gives the
 * dimensions (ids, or keys with --keys), with progress; closes the source and warns about the skipped rows. A
 * builder's refusal names the rows of the batch it came from. `added` counts the rows given to the builder.
 */
async function readRows<B extends { addBatch(flat: Float32Array, ids: Uint32Array | string[]): void }>(
  source: Source, checker: RowChecker, progress: Progress, io: Io, keys: boolean, make: (dimensions: number) => B,
): Promise<{ builder: B | undefined; added: number }> {
  let builder: B | undefined;
  let read = 0, added = 0;
  progress.phase(`reading ${source.name} (${source.format}${source.rows === undefined ? '' : `, ${count(source.rows)} ${source.unit}s`})`);
  try {
    let stage = new Float32Array(0);
    let ids = new Uint32Array(0);
    const names: string[] = [];
    for await (const batch of source.batches()) {
      let n = 0;
      for (const row of batch) {
        const ok = checker.check(row);
        if (ok === null) continue;
        const dims = checker.dimensions!;
        builder ??= make(dims);
        if (stage.length < batch.length * dims) {
          stage = new Float32Array(batch.length * dims);
          ids = new Uint32Array(batch.length);
        }
        stage.set(ok.values, n * dims);
        if (keys) names[n] = ok.key!;
        ids[n++] = ok.id;
      }
      read += batch.length;
      if (n > 0) {
        try {
          builder!.addBatch(stage.subarray(0, n * checker.dimensions!), keys ? names.slice(0, n) : ids.subarray(0, n));
        } catch (e) {
          throw new CliError(`${source.name}: ${source.unit}s ${batch[0].at}..${batch[batch.length - 1].at}: ${describe(e)}`);
        }
        added += n;
      }
      progress.update(() => {
        const f = source.fraction();
        const eta = progress.eta(f);
        return `reading ${source.name}: ${count(read)} ${source.unit}s${f === undefined ? '' : ` (${Math.floor(f * 100)}%)`}${eta ? `, ETA ${eta}` : ''}`;
      });
    }
  } catch (e) {
    progress.done();
    if (e instanceof CliError || e instanceof UsageError) throw e;
    throw new CliError(`${source.name}: ${describe(e)}`, { cause: e });
  } finally {
    await source.close();
  }
  progress.done();
  progress.log(`read ${count(read)} ${source.unit}s in ${duration(progress.elapsed())}`);
  const skipped = checker.summary();
  if (skipped) {
    for (const example of checker.examples) println(io.stderr, `annoy-wasm build: warning: skipped ${example}`);
    println(io.stderr, `annoy-wasm build: warning: ${skipped}`);
  }
  return { builder, added };
}

/** What the screening options need of the vectors' dimensions, known once the first row is read (bad usage). */
function checkScreening(screening: Codes | 'auto', components: number | undefined, dimensions: number): void {
  if (screening === 'int8' && dimensions > MAX_SCREENING_DIMENSIONS) {
    throw new UsageError(`--screening int8 goes up to ${MAX_SCREENING_DIMENSIONS} dimensions; the vectors have ${dimensions}`);
  }
  if (screening === 'pca' && dimensions > MAX_PCA_DIMENSIONS) {
    throw new UsageError(`--screening pca goes up to ${MAX_PCA_DIMENSIONS} dimensions (its covariance matrix grows with their square); the vectors have ${dimensions}`);
  }
  if (components !== undefined && components > dimensions) {
    throw new UsageError(`--screening-dimensions ${components} is more than the vectors' ${dimensions} dimensions`);
  }
}

/** `--shard I/N`: part I (0-based) of N. */
function shardPart(text: string | undefined): { index: number; of: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, of = m ? Number(m[2]) : NaN;
  if (!(of >= 1 && of <= 2 ** 31 - 1 && index >= 0 && index < of)) {
    throw new UsageError(`--shard ${JSON.stringify(text)} is not <i>/<n> with 0 <= <i> < <n> (e.g. 0/4 .. 3/4)`);
  }
  return { index, of };
}

interface ShardBuild {
  metricName: Metric; trees: number | undefined; seed: number; dimensions: number | undefined; jobs: number;
  leafSize: number | undefined; graph: { degree: number } | undefined; screening: Codes | 'auto'; screeningDimensions: number | undefined;
  skipInvalid: boolean; delimiter: string | undefined; shardSize: number | undefined; part: { index: number; of: number } | undefined;
  storage: Storage; treeEncoding: 'compact' | undefined;
}

/**
 * `build --shard-size N [--shard I/N]`: rows streamed into a ShardedIndexBuilder (which owns the sharding rule and
 * the manifest), its shards built one after another and written into the folder <output>, each atomically. An
 * interrupted build leaves the shards finished so far and no manifest.
 */
async function buildShards(input: string, output: string, io: Io, p: Parsed, o: ShardBuild): Promise<number> {
  if (output === '-') throw new UsageError('-o -: shards are files in a folder; give the folder');
  if (existsSync(output) && !statSync(output).isDirectory()) throw new CliError(`${output}: with --shard-size or --shard, -o names a folder, and this is a file`);
  const progress = new Progress(io.stdout, Progress.modeFor(io.stdout, p.values.quiet === true));
  const source = await openSource(input, io.stdin, {
    format: str(p, 'format'), idField: str(p, 'id-column'), vectorField: str(p, 'vector-column'), delimiter: o.delimiter,
  });
  const checker = new RowChecker(source, { dimensions: o.dimensions, metric: o.metricName, skipInvalid: o.skipInvalid });
  const { builder, added: valid } = await readRows(source, checker, progress, io, false, (dims) => {
    checkScreening(o.screening, o.screeningDimensions, dims);
    return new ShardedIndexBuilder({
      dimensions: dims, metric: o.metricName, seed: o.seed, screening: o.screening, screeningDimensions: o.screeningDimensions,
      leafSize: o.leafSize, ...(o.graph ? { graph: o.graph } : {}), storage: o.storage, treeEncoding: o.treeEncoding, shardSize: o.shardSize, part: o.part,
    });
  });
  if (builder === undefined || valid === 0) throw new CliError(`${source.name}: no valid vectors to build an index from`);
  const b = builder;
  const shardsOfAll = b.shardOf(b.size - 1) + 1;
  const which = o.part ? `part ${o.part.index}/${o.part.of} (the shards s with s % ${o.part.of} == ${o.part.index})` : 'every shard';
  if (b.count === 0) {
    // An array job with more tasks than shards: this task has nothing to build, which is not an error.
    if (progress.mode !== 'quiet') println(io.stdout, `${which}: no ids of ${source.name} fall in it (${shardsOfAll} shards of ${count(b.shardSize)} ids); nothing written`);
    return 0;
  }
  const items = b.count;
  progress.phase(`building ${which}: ${shardsOfAll} shards of ${count(b.shardSize)} ids (${count(b.count)} items, ${checker.dimensions}-d, ${o.metricName})`);
  let entries;
  try {
    const options = {
      ...(o.trees === undefined ? {} : { trees: o.trees }), jobs: o.jobs,
      onProgress: ({ treesDone, trees: total, shard, shards }: { treesDone: number; trees: number; shard: number; shards: number }) => {
        progress.update(() => `building shard ${shard + 1}/${shards}: trees ${count(treesDone)}/${count(total)}`);
      },
    };
    if (o.part === undefined) {
      await b.save(output, options);
      entries = undefined;
    } else {
      entries = await b.saveShards(output, options);
    }
  } catch (e) {
    throw new CliError(`${output}: building the shards of ${source.name}: ${describe(e)}`, { cause: e });
  } finally {
    progress.done();
  }
  if (progress.mode !== 'quiet') {
    if (entries === undefined) {
      println(io.stdout, `wrote ${output}/manifest.json: ${shardsOfAll > 1 ? `shards 0..${shardsOfAll - 1}` : 'shard 0'} of ${count(b.shardSize)} ids, ${count(items)} items`);
    } else {
      println(io.stdout, `wrote ${entries.map((e) => `${output}/${e.file}`).join(', ')} (part ${o.part!.index}/${o.part!.of}); once every part is written: annoy-wasm manifest ${output}${o.shardSize === undefined ? '' : ` --shard-size ${o.shardSize}`}`);
    }
  }
  return 0;
}
