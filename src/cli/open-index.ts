// Opening an index file for query, info, bench and convert: this library's format, or Annoy's .ann (which does
// not record its dimensions or metric, so they must be given). Errors name the file.
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Index } from '../index/index.js';
import { ShardedIndex } from '../shards/sharded-index.js';
import type { Metric } from '../metric.js';
import { MAGIC, MAX_DIMENSIONS } from '../format/layout.js';
import { int, metric, str, type Parsed } from './args.js';
import { CliError, UsageError, describe } from './errors.js';


export const INDEX_OPTIONS = {
  from: { type: 'string' },
  dimensions: { type: 'string' },
  metric: { type: 'string' },
} as const;

export const INDEX_OPTIONS_HELP = `  --from <f>            the index file's format: native (annoy-wasm, the default when the file says so) or annoy
  --dimensions <d>      with --from annoy: the vectors' length (Annoy's files do not record it)
  --metric <m>          with --from annoy: the metric it was built with`;

export type IndexFormat = 'native' | 'annoy';

export interface IndexSpec {
  from: IndexFormat | undefined;
  dimensions?: number;
  metric?: Metric;
}

export function indexSpec(p: Parsed): IndexSpec {
  const from = str(p, 'from');
  if (from !== undefined && from !== 'native' && from !== 'annoy') throw new UsageError(`--from ${JSON.stringify(from)} is not native or annoy`);
  const spec: IndexSpec = { from: from as IndexFormat | undefined, dimensions: int(p, 'dimensions', 1, MAX_DIMENSIONS), metric: metric(str(p, 'metric')) };
  if (spec.from === 'annoy' && (spec.dimensions === undefined || spec.metric === undefined)) {
    throw new UsageError('--from annoy needs --dimensions and --metric (Annoy files do not record them)');
  }
  return spec;
}

/** The first 8 bytes of `path` as text (for telling formats apart). */
export function magicOf(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new CliError(`${path}: cannot open: ${describe(e)}`);
  }
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    return head.subarray(0, n).toString('latin1');
  } catch (e) {
    throw new CliError(`${path}: cannot read: ${describe(e)}`);
  } finally {
    closeSync(fd);
  }
}

export function formatOfIndex(path: string, spec: IndexSpec): IndexFormat {
  const native = magicOf(path) === MAGIC;
  if (spec.from === undefined) {
    if (!native) throw new CliError(`${path}: not an annoy-wasm index (no "${MAGIC}" magic); for an Annoy .ann file give --from annoy --dimensions D --metric M`);
    return 'native';
  }
  if (spec.from === 'annoy' && native) throw new CliError(`${path}: this is an annoy-wasm index, not an Annoy .ann file; drop --from annoy`);
  return spec.from;
}

export function openIndex(path: string, spec: IndexSpec): { index: Index; format: IndexFormat } {
  const format = formatOfIndex(path, spec);
  try {
    const index = format === 'annoy'
      ? Index.openSync(path, { format: 'annoy', dimensions: spec.dimensions, metric: spec.metric })
      : Index.openSync(path);
    if (format === 'native') {
      if (spec.dimensions !== undefined && spec.dimensions !== index.dimensions) {
        index.free();
        throw new CliError(`${path}: the index has ${index.dimensions} dimensions, not ${spec.dimensions} (--dimensions)`);
      }
      if (spec.metric !== undefined && spec.metric !== index.metric) {
        index.free();
        throw new CliError(`${path}: the index's metric is ${index.metric}, not ${spec.metric} (--metric)`);
      }
    }
    return { index, format };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: ${describe(e)}`, { cause: e });
  }
}

/** The manifest `path` names: a .json file, or a folder holding manifest.json; undefined for an index file. */
export function manifestPath(path: string): string | undefined {
  let folder = false;
  try { folder = statSync(path).isDirectory(); } catch { /* openIndex names the problem */ }
  if (folder) return join(path, 'manifest.json');
  return path.endsWith('.json') ? path : undefined;
}

/** What query, info and bench search: an index file (either format) or the shards of a manifest. */
export type Opened = { index: Index; format: IndexFormat; sharded?: undefined } | { index: ShardedIndex; format: 'shards'; sharded: true };

export async function openSearchable(path: string, spec: IndexSpec): Promise<Opened> {
  const manifest = manifestPath(path);
  if (manifest === undefined) return openIndex(path, spec);
  if (spec.from === 'annoy') throw new UsageError(`${path} is a shard manifest, not an Annoy .ann file; drop --from annoy`);
  let index: ShardedIndex;
  try {
    index = await ShardedIndex.open(manifest);
  } catch (e) {
    throw new CliError(`${manifest}: ${describe(e)}`, { cause: e });
  }
  const wrong = spec.dimensions !== undefined && spec.dimensions !== index.dimensions ? `has ${index.dimensions} dimensions, not ${spec.dimensions} (--dimensions)`
    : spec.metric !== undefined && spec.metric !== index.metric ? `'s metric is ${index.metric}, not ${spec.metric} (--metric)` : '';
  if (wrong) {
    index.free();
    throw new CliError(`${manifest}: the sharded index ${wrong}`);
  }
  return { index, format: 'shards', sharded: true };
}
