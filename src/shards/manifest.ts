// The shard manifest: a small JSON file naming the shard files of one logical index and the id range each
// holds. A shard is an ordinary annoy-wasm index whose local id i is global id idOffset + i, so shards can be
// built anywhere, by separate jobs, and listed here afterwards.
import { AnnoyError, show } from '../errors.js';
import { METRICS, type Metric } from '../metric.js';

export const MANIFEST_FORMAT = 'annoy-wasm-shards';
export const MANIFEST_VERSION = 1;

export interface ShardEntry {
  /** The shard file, relative to the manifest's folder. */
  file: string;
  /** Global id of the shard's local id 0. */
  idOffset: number;
  /** The shard index's size (its local max id + 1). */
  size: number;
  /** The shard file's checksum (hex), so a manifest never mixes shards of different builds. */
  checksum: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  metric: Metric;
  dimensions: number;
  shards: ShardEntry[];
}

/** The file name of shard `s`: shard-NNNN.annoy (4 digits, more when s > 9999). */
export function shardFileName(s: number): string {
  return `shard-${String(s).padStart(4, '0')}.annoy`;
}

/** The shard number a shard file name holds, or undefined for any other name (shardFileName's inverse). */
export function shardNumber(file: string): number | undefined {
  const m = /^shard-(\d{4,})\.annoy$/.exec(file);
  if (m === null) return undefined;
  const s = Number(m[1]);
  return Number.isSafeInteger(s) && shardFileName(s) === file ? s : undefined;
}

/** A manifest's text: the one serialisation, so a manifest written by save and by writeManifest are the same bytes. */
export function manifestText(metric: Metric, dimensions: number, shards: ShardEntry[]): string {
  const m: Manifest = {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, metric, dimensions,
    shards: shards.map(({ file, idOffset, size, checksum }) => ({ file, idOffset, size, checksum })),
  };
  return `${JSON.stringify(m, null, 2)}\n`;
}

function corrupt(where: string, message: string): AnnoyError {
  return new AnnoyError('CORRUPT_INDEX', `not a valid shard manifest (${where}): ${message}`);
}

/** Parses and checks a manifest: known format and version, shards with disjoint, ascending id ranges. */
export function parseManifest(text: string, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw corrupt(where, `not JSON (${(e as Error).message})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) throw corrupt(where, `format is not ${JSON.stringify(MANIFEST_FORMAT)}`);
  if (typeof m.version !== 'number' || m.version > MANIFEST_VERSION) {
    throw new AnnoyError('UNSUPPORTED_VERSION', `shard manifest version ${show(m.version)} is newer than this library reads (${MANIFEST_VERSION})`);
  }
  if (!METRICS.includes(m.metric)) throw corrupt(where, `metric ${show(m.metric)}`);
  if (!Number.isInteger(m.dimensions) || m.dimensions < 1) throw corrupt(where, `dimensions ${show(m.dimensions)}`);
  if (!Array.isArray(m.shards) || m.shards.length === 0) throw corrupt(where, 'no shards');
  let end = 0;
  m.shards.forEach((s, i) => {
    if (typeof s?.file !== 'string' || s.file.length === 0 || s.file.includes('..')) throw corrupt(where, `shard ${i} file ${show(s?.file)}`);
    if (!Number.isInteger(s.idOffset) || s.idOffset < end) throw corrupt(where, `shard ${i} idOffset ${show(s.idOffset)} overlaps the shard before (ends at ${end})`);
    if (!Number.isInteger(s.size) || s.size < 0 || s.idOffset + s.size > 2 ** 31 - 1) throw corrupt(where, `shard ${i} size ${show(s.size)}`);
    if (typeof s.checksum !== 'string' || !/^[0-9a-f]{1,16}$/.test(s.checksum)) throw corrupt(where, `shard ${i} checksum ${show(s.checksum)}`);
    end = s.idOffset + s.size;
  });
  return m;
}
