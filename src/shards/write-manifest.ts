// writeManifest: the manifest of a folder of shard files written by separate jobs (ShardedIndexBuilder's `part`,
// `annoy-wasm build --shard I/N`). Each shard's entry comes from its file's header (size, checksum, metric,
// dimensions) and its name (shard s starts at global id s * shardSize, the builder's rule), so the manifest is
// byte for byte the one a single builder's save writes. Loading the manifest checks every shard in full.
import { AnnoyError, show } from '../errors.js';
import { HEADER_BYTES, readHeader } from '../format/layout.js';
import type { Metric } from '../metric.js';
import { nodeFs, writeFileAtomic } from '../runtime/node-fs.js';
import { manifestText, shardNumber, type ShardEntry } from './manifest.js';
import { defaultShardSize } from './sharded-builder.js';

export interface WriteManifestOptions {
  /** The shard size the shards were built with (default: ShardedIndexBuilder's default for their dimensions). */
  shardSize?: number;
}

/** Lists `dir`'s shard-NNNN.annoy files in `dir`/manifest.json (atomically); returns the manifest's path. */
export function writeManifest(dir: string, options: WriteManifestOptions = {}): string {
  const fs = nodeFs();
  const { shardSize: asked } = options;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > 2 ** 31 - 1)) {
    throw new AnnoyError('INVALID_ARGUMENT', `shardSize ${show(asked)} is not an integer in [1, 2^31 - 1)`);
  }
  const numbered = fs.readdirSync(dir)
    .map((file) => ({ file, s: shardNumber(file) }))
    .filter((x): x is { file: string; s: number } => x.s !== undefined)
    .sort((a, b) => a.s - b.s);
  if (numbered.length === 0) throw new AnnoyError('INVALID_ARGUMENT', `${dir} holds no shard files (shard-NNNN.annoy)`);
  let metric: Metric | undefined, dimensions = 0, shardSize = 0;
  const shards: ShardEntry[] = [];
  for (const { file, s } of numbered) {
    const path = `${dir}/${file}`;
    const head = new Uint8Array(HEADER_BYTES);
    const fd = fs.openSync(path, 'r');
    let h;
    try {
      fs.readSync(fd, head, 0, HEADER_BYTES, 0);
      h = readHeader(head, fs.fstatSync(fd).size);
    } catch (e) {
      throw e instanceof AnnoyError ? new AnnoyError(e.code, `${path}: ${e.message}`) : e;
    } finally {
      fs.closeSync(fd);
    }
    if (metric === undefined) {
      metric = h.metric;
      dimensions = h.dimensions;
      shardSize = asked ?? defaultShardSize(metric, dimensions);
    } else if (h.metric !== metric || h.dimensions !== dimensions) {
      throw new AnnoyError('CORRUPT_INDEX', `${path}: ${h.dimensions}-d ${h.metric}, but ${numbered[0].file} is ${dimensions}-d ${metric} (shards of different builds?)`);
    }
    if (h.size > shardSize) {
      throw new AnnoyError('INVALID_ARGUMENT', `${path} holds ids up to ${h.size - 1}, more than a shard of ${shardSize} ids: give the shard size it was built with`);
    }
    if (s * shardSize + h.size > 2 ** 31 - 1) throw new AnnoyError('INVALID_ARGUMENT', `${path}: shard ${s} of ${shardSize} ids ends past the largest id`);
    shards.push({ file, idOffset: s * shardSize, size: h.size, checksum: h.checksum.toString(16) });
  }
  const path = `${dir}/manifest.json`;
  writeFileAtomic(path, new TextEncoder().encode(manifestText(metric!, dimensions, shards)));
  return path;
}
