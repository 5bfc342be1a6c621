// `annoy-wasm info`: what an index file holds, after the same full check a load does (header, checksum,
// structure): a file that info accepts is one that services can load.
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { HEADER_BYTES, SECTION, itemStrideOf, nearestCountOf, readHeader, sectionsFor } from '../format/layout.js';
import { parse, positionals } from './args.js';
import { println, type Io } from './io.js';
import { INDEX_OPTIONS, INDEX_OPTIONS_HELP, indexSpec, openIndex, manifestPath, openSearchable } from './open-index.js';
import type { ShardedIndex } from '../shards/sharded-index.js';
import { count } from './progress.js';

export const INFO_USAGE = `usage: annoy-wasm info <index> [--json]
       annoy-wasm info <manifest.json | dir> [--json]

Checks an index file as loading it does (header, checksum, every node) and prints what it holds: format and
version, metric, dimensions, items (ids below "size"; ids never added are holes), trees, graph degree, nodes, seed, screening, vectors' storage
(int8 or pca codes, which loading computes into memory: they are not in the file), the nearest neighbours the graph
build stored per item (what searchAll answers from), bytes.
Given a shard manifest (or the folder holding manifest.json), it loads and checks every shard the same way and
prints the whole and one line per shard.

options:
  --json                one JSON object instead of text
${INDEX_OPTIONS_HELP}
  -h, --help            show this help

exit status: 0 valid, 1 unreadable or damaged (the message says what is wrong), 2 bad usage`;

const OPTIONS = { json: { type: 'boolean' }, ...INDEX_OPTIONS } as const;

function nativeHeader(path: string) {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(HEADER_BYTES);
    readSync(fd, head, 0, HEADER_BYTES, 0);
    return readHeader(head, statSync(path).size);
  } finally {
    closeSync(fd);
  }
}

export async function info(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  const [path] = positionals(p, ['index']);
  if (manifestPath(path) !== undefined) return shardsInfo(path, p.values.json === true, io, await openSearchable(path, indexSpec(p)));
  const started = performance.now();
  const { index, format } = openIndex(path, indexSpec(p));
  const checkMs = performance.now() - started;
  try {
    const h = format === 'native' ? nativeHeader(path) : undefined;
    // Screening codes live in memory only, after the file: one per id below size, of screeningDimensions bytes
    // padded as the layout lays them out (sectionsFor knows the rule).
    const codeBytes = h ? sectionsFor(h).memoryCodesBytes : 0;
    const facts = {
      file: path,
      format: format === 'native' ? 'annoy-wasm' : 'annoy',
      version: h?.version ?? null,
      metric: index.metric,
      dimensions: index.dimensions,
      size: index.size,
      items: index.count,
      holes: index.size - index.count,
      trees: index.trees,
      graphDegree: index.graph,
      storedNeighbours: h ? nearestCountOf(h) : 0,
      nodes: h?.nodeCount ?? null,
      nodeBytes: h?.nodeBytes ?? null,
      leafCapacity: h?.leafCapacity ?? null,
      seed: format === 'native' ? index.seed : null,
      screening: index.screening,
      screeningDimensions: index.screeningDimensions,
      screeningMemoryBytes: codeBytes,
      storage: index.storage,
      treeEncoding: index.treeEncoding,
      bytes: statSync(path).size,
      checksum: h ? `0x${h.checksum.toString(16).padStart(16, '0')}` : null,
      verified: true,
    };
    if (p.values.json) {
      println(io.stdout, JSON.stringify(facts, null, 2));
      return 0;
    }
    const lines: [string, string][] = [
      ['file', path],
      ['format', format === 'native' ? `annoy-wasm, version ${facts.version}` : 'annoy (.ann)'],
      ['metric', index.metric],
      ['dimensions', String(index.dimensions)],
      ['items', `${count(index.count)} (ids below ${count(index.size)}${facts.holes ? `, ${count(facts.holes)} holes` : ', no holes'})`],
      ['trees', count(index.trees)],
      ['graph', index.graph ? `degree ${index.graph} (${count(index.size)} x ${index.graph} neighbour ids, ${count(index.size * index.graph * 4)} bytes)` : 'none'],
    ];
    if (h) {
      const codes = `codes computed at load: ${count(index.size)} x ${index.screeningDimensions} bytes; ${count(codeBytes)} bytes of memory`;
      const screening = index.screening === 'pca' ? `pca, ${index.screeningDimensions} components (${codes})`
        : index.screening === 'int8' ? `int8 (${codes})` : 'none';
      const nodes = index.treeEncoding === 'compact'
        ? `${count(h.nodeCount)} compact splits of ${h.nodeBytes} bytes (int8 planes); leaves of up to ${h.leafCapacity} packed ids, ${count(h.sectionBytes[SECTION.LEAVES])} bytes`
        : `${count(h.nodeCount)} of ${h.nodeBytes} bytes (leaves hold up to ${h.leafCapacity} ids)`;
      lines.push(['nodes', nodes], ['seed', String(index.seed)], ['screening', screening]);
      lines.push(['vectors', `${index.storage} (${count(itemStrideOf(h))} bytes an item)`]);
      const nearest = nearestCountOf(h);
      lines.push(['nearest', nearest ? `${nearest} per item, found by the graph build (searchAll answers k <= ${nearest} from them), ${count(h.sectionBytes[SECTION.NEAREST])} bytes` : 'none']);
    }
    lines.push(['bytes', `${count(facts.bytes)} (${(facts.bytes / 2 ** 20).toFixed(1)} MiB)`]);
    lines.push(['checksum', h ? `${facts.checksum} verified, structure checked (${checkMs.toFixed(0)} ms)` : `structure checked (${checkMs.toFixed(0)} ms; Annoy files carry no checksum)`]);
    for (const [k, v] of lines) println(io.stdout, `${k.padEnd(11)} ${v}`);
    return 0;
  } finally {
    index.free();
  }
}

/** info of a manifest: the sharded index as a whole, then each shard. */
function shardsInfo(path: string, json: boolean, io: Io, opened: Awaited<ReturnType<typeof openSearchable>>): number {
  const index = opened.index as ShardedIndex;
  try {
    const shards = index.describeShards();
    const facts = {
      file: path, format: 'annoy-wasm shards', metric: index.metric, dimensions: index.dimensions, size: index.size,
      items: index.count, trees: index.trees, bytes: shards.reduce((n, s) => n + s.bytes, 0), shards, verified: true,
    };
    if (json) {
      println(io.stdout, JSON.stringify(facts, null, 2));
      return 0;
    }
    const lines: [string, string][] = [
      ['manifest', path],
      ['format', `annoy-wasm shards, ${shards.length} ${shards.length === 1 ? 'shard' : 'shards'}`],
      ['metric', index.metric],
      ['dimensions', String(index.dimensions)],
      ['items', `${count(index.count)} (ids below ${count(index.size)})`],
      ['trees', `${count(index.trees)} per shard`],
      ['bytes', `${count(facts.bytes)} (${(facts.bytes / 2 ** 20).toFixed(1)} MiB) in all`],
      ['checksum', 'every shard verified against its header and the manifest, structure checked'],
    ];
    for (const [k, v] of lines) println(io.stdout, `${k.padEnd(11)} ${v}`);
    for (const s of shards) {
      println(io.stdout, `${s.file.padEnd(17)} ids ${count(s.idOffset)}..${count(s.idOffset + s.size - 1)}, ${count(s.count)} items, ${count(s.bytes)} bytes, checksum 0x${s.checksum.padStart(16, '0')}`);
    }
    return 0;
  } finally {
    index.free();
  }
}
