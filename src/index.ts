export { IndexBuilder, type BuilderOptions, type BuildOptions, type BuildProgress } from './builder.js';
export { Index, type SearchOptions, type SearchResult, type BatchResult, type LoadOptions } from './index-reader.js';
export { AnnoyError, type AnnoyErrorCode } from './errors.js';
export { METRICS, type Metric } from './metric.js';
export type { Vector } from './checks.js';
export { IndexPool, type PoolOptions } from './pool/index-pool.js';
export { ShardedIndexBuilder, type ShardedBuilderOptions, type ShardedSaveOptions } from './shards/sharded-builder.js';
export { ShardedIndex, openShards } from './shards/sharded-index.js';
export type { Manifest, ShardEntry } from './shards/manifest.js';
