// The loader fuzz, for both loaders: this library's files and Annoy's .ann files. Plain JavaScript so that both
// the seeded vitest run (test/fuzz.test.ts, on src/) and the long campaign (`npm run fuzz -- --seconds N`, on dist/)
// drive the same code.
//
// Each case damages a valid file (bit flips, truncation at and between section or node boundaries, fields set to
// 0, -1, 2^31, 2^53 and friends, lengths past the file, child ids pointing forward or out of range, random bytes,
// appended bytes; for screened files also the screening parameters: scale, bias, code dimensions and the pca
// basis and offsets, set to extreme floats, scaled off unit length, swapped, padded) and requires one of two
// outcomes: the file loads and answers from valid structure (ids below size and not holes, finite distances, at
// most k hits, each distance the exact one that distance(query item, hit) gives), or it throws an AnnoyError with
// CORRUPT_INDEX, UNSUPPORTED_VERSION or CAPACITY. Where a damaged file of ours loads with the clean file's vectors,
// bitmap, nodes and roots (only screening parameters or the checksum differ), its exhaustive re-rank (rerank: -1)
// must answer exactly as the clean file's does: screening may only reorder candidates, never change the answer.
// Files with a neighbour graph get graph damage too: neighbour ids past the items, at holes, at the row's own item,
// after a row's end, rows copied over others, the degree field changed, the section's bits flipped. Files with the
// build's stored nearest neighbours (section 5) get their damage too (ids past the items, at holes, the row's own
// item, repeats, ids after a row's end, non-zero unused bits, the count and the section's length changed), and
// every loaded file that has them answers searchAll, each row checked as a search's results are.
// Anything else is a finding: a wasm trap (RuntimeError), a RangeError, another exception, a wrong answer, a case
// slower than `slowMs` (a hang in the making), or wasm memory grown past what the file's size allows (an
// allocation sized by a field that was not checked first).
import seedrandom from 'seedrandom';

const OK_CODES = ['CORRUPT_INDEX', 'UNSUPPORTED_VERSION', 'CAPACITY'];
const METRICS = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];

/**
 * lib: the library's exports ({ Index, IndexBuilder, AnnoyError }); layout: { H, HEADER_BYTES } of src/format/layout;
 * checksum(bytes): the core's checksum of a
 * whole file (to reseal our files so that only their structure is damaged); extra: more valid Annoy files
 * ({ name, bytes, dimensions, metric }).
 */
export function makeBases(lib, extra = []) {
  const { IndexBuilder } = lib;
  const ours = [];
  const annoy = [...extra];
  const mainRng = seedrandom('fuzz-bases');
  // storage bases draw their vectors from a stream of their own, so every other base keeps its bytes
  const storageRng = seedrandom('fuzz-bases storage');
  let rng = mainRng;
  const vector = (metric, dims) => Array.from({ length: dims }, () => (metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 2 - 1));
  // pca bases: most variance in a few directions, as the data pca screening is for (and a basis worth keeping)
  const lowRank = (dims) => {
    const directions = Array.from({ length: 6 }, () => vector('euclidean', dims));
    return () => {
      const v = vector('euclidean', dims).map((x) => 0.05 * x);
      directions.forEach((d, j) => { const c = (rng() * 2 - 1) / (j + 1); d.forEach((x, i) => { v[i] += c * x; }); });
      return v;
    };
  };
  const shapes = [
    ['angular', 5, 120, 3], ['euclidean', 7, 90, 2], ['manhattan', 4, 70, 2], ['dot', 3, 60, 2], ['hamming', 70, 90, 2],
    ['angular', 6, 4, 3], ['dot', 4, 1, 2], ['hamming', 64, 3, 2], // fewer items than a leaf holds
    ['euclidean', 20, 80, 2, 'int8'], ['dot', 17, 40, 2, 'int8'], // with screening codes
    // pca screening (dimensions not multiples of 4, so basis rows have padding; one with m chosen by variance)
    ['euclidean', 38, 240, 2, 'pca', 6], ['angular', 61, 200, 2, 'pca', 10], ['dot', 45, 150, 2, 'pca'], ['euclidean', 16, 5, 2, 'pca', 3],
    // with a neighbour graph (the last field: its degree)
    ['angular', 6, 150, 2, 'none', undefined, 8], ['euclidean', 9, 100, 2, 'int8', undefined, 5], ['manhattan', 4, 60, 1, 'none', undefined, 3],
    ['dot', 5, 80, 2, 'none', undefined, 6], ['hamming', 70, 90, 2, 'none', undefined, 4], ['euclidean', 30, 120, 2, 'pca', 5, 6],
    ['angular', 3, 2, 1, 'none', undefined, 2],
    // item vectors stored as float16, bfloat16 or int8 (the last field), with screening and a graph too
    ['angular', 13, 90, 2, 'none', undefined, undefined, 'float16'], ['euclidean', 20, 80, 2, 'int8', undefined, undefined, 'bfloat16'],
    ['euclidean', 14, 100, 2, 'none', undefined, undefined, 'int8'], ['dot', 17, 60, 2, 'int8', undefined, 4, 'int8'],
    ['manhattan', 5, 70, 2, 'none', undefined, undefined, 'float16'], ['angular', 38, 200, 2, 'pca', 6, undefined, 'int8'],
  ];
  for (const [metric, dims, n, trees, screening = 'none', screeningDimensions, degree, storage] of shapes) {
    rng = storage ? storageRng : mainRng;
    const b = new IndexBuilder({ dimensions: dims, metric, seed: 1, screening, ...(screeningDimensions ? { screeningDimensions } : {}), ...(degree ? { graph: { degree } } : {}), ...(storage ? { storage } : {}) });
    const next = screening === 'pca' ? lowRank(dims) : () => vector(metric, dims);
    for (let i = 0; i < n; i++) if (n < 10 || i % 11 !== 4) b.add(i + (n < 10 ? 2 : 0), next()); // holes
    const index = b.build({ trees });
    const name = `ours ${metric} ${n}${screening === 'none' ? '' : ` ${screening}${screening === 'pca' ? ` ${index.screeningDimensions}` : ''}`}${degree ? ` graph ${degree}` : ''}${storage ? ` ${storage} storage` : ''}`;
    ours.push({ name, bytes: index.toBytes(), screening, graph: index.graph, storage });
    // (a stored index's Annoy file is float32 like any other: no new Annoy base, and the other bases' cases unchanged)
    if (!storage) annoy.push({ name: `annoy ${metric} ${n}`, bytes: index.toAnnoyBytes(), dimensions: dims, metric });
    // the same index with removed items (a removed-items section), where remove() exists; with a graph too, a file
    // with both sections (a library that refuses remove() on a graph index gets no such base)
    if (typeof index.remove === 'function' && n >= 60 && screening !== 'pca' && !storage) {
      try {
        index.remove(Array.from({ length: n }, (_, i) => i).filter((i) => i % 11 !== 4 && i % 5 === 1));
        ours.push({ name: `${name} removed`, bytes: index.toBytes(), screening, graph: index.graph, removals: true });
      } catch (e) {
        if (!degree) throw e;
      }
    }
    index.free();
  }
  // compact trees (int8 planes, packed leaf ids: section 4), from a stream of their own as well; where the builder
  // takes the option. The last fields: graph degree, storage.
  const compactRng = seedrandom('fuzz-bases compact');
  rng = compactRng;
  const compactShapes = [
    ['angular', 13, 150, 3], ['euclidean', 21, 120, 2, 'int8'], ['dot', 9, 80, 2], ['manhattan', 6, 90, 2], ['hamming', 70, 90, 2],
    ['euclidean', 38, 240, 2, 'pca', 6], ['angular', 6, 150, 2, 'none', 8], ['euclidean', 14, 100, 2, 'none', undefined, 'int8'],
    ['angular', 5, 4, 2],
  ];
  for (const [metric, dims, n, trees, screening = 'none', degree, storage] of compactShapes) {
    let b;
    try {
      b = new IndexBuilder({ dimensions: dims, metric, seed: 1, screening, ...(degree ? { graph: { degree } } : {}), ...(storage ? { storage } : {}), treeEncoding: 'compact', ...(metric === 'hamming' ? {} : { leafSize: Math.max(3, Math.min(dims + 2, 12)) }) });
    } catch { break; } // a library without compact trees
    const next = screening === 'pca' ? lowRank(dims) : () => vector(metric, dims);
    for (let i = 0; i < n; i++) if (n < 10 || i % 11 !== 4) b.add(i + (n < 10 ? 2 : 0), next());
    const index = b.build({ trees });
    const name = `ours ${metric} ${n}${screening === 'none' ? '' : ` ${screening}`}${degree ? ` graph ${degree}` : ''}${storage ? ` ${storage} vectors` : ''} compact trees`;
    ours.push({ name, bytes: index.toBytes(), screening, graph: index.graph, storage, compact: true });
    if (metric === 'euclidean' && !storage && screening === 'int8') {
      index.remove(Array.from({ length: n }, (_, i) => i).filter((i) => i % 11 !== 4 && i % 5 === 1));
      ours.push({ name: `${name} removed`, bytes: index.toBytes(), screening, graph: index.graph, removals: true, compact: true });
    }
    index.free();
  }
  rng = mainRng;
  // string keys (a keys section), where the builder takes them
  try {
    const b = new IndexBuilder({ dimensions: 6, metric: 'euclidean', seed: 1, keys: true });
    for (let i = 0; i < 80; i++) b.add(i % 3 === 0 ? `k${i}` : i % 3 === 1 ? `é${i}` : `🎵${i}`, vector('euclidean', 6));
    const index = b.build({ trees: 2 });
    ours.push({ name: 'ours euclidean 80 keys', bytes: index.toBytes(), screening: 'none', keys: true });
    index.free();
  } catch { /* a library without keys */ }
  // sparse ids (a root leaf when n_items > K) and the empty index
  const sparse = new IndexBuilder({ dimensions: 3, metric: 'euclidean' }).add(0, [1, 2, 3]).add(40, [3, 2, 1]).build({ trees: 2 });
  annoy.push({ name: 'annoy sparse', bytes: sparse.toAnnoyBytes(), dimensions: 3, metric: 'euclidean' });
  annoy.push({ name: 'annoy empty', bytes: new IndexBuilder({ dimensions: 3, metric: 'angular' }).build().toAnnoyBytes(), dimensions: 3, metric: 'angular' });
  return { ours, annoy };
}

function annoyNodeBytes(metric, dims) {
  const vector = metric === 'hamming' ? 8 * Math.ceil(dims / 64) : 4 * dims;
  return { s: (metric === 'angular' ? 12 : metric === 'dot' ? 24 : 16) + vector, children: metric === 'euclidean' || metric === 'manhattan' ? 8 : 4 };
}

const FIELD_VALUES = [0, 1, -1, 2, 2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 53, -(2 ** 31), 65536, 0x7F800000, 0x7FC00000];

/** Damages a copy of `base` (one case); returns the bytes and a label of what was done. */
function damage(rng, base, kind, checksum, layout) {
  const { H, HEADER_BYTES } = layout;
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  let bad = base.bytes.slice();
  const dv = () => new DataView(bad.buffer, bad.byteOffset, bad.byteLength);
  const isAnnoy = base.metric !== undefined;
  const { s, children } = isAnnoy ? annoyNodeBytes(base.metric, base.dimensions) : { s: 16, children: 4 };
  const nodes = Math.floor(bad.length / s);
  const setField = (offset, wide) => {
    if (offset + (wide ? 8 : 4) > bad.length) return;
    const v = pick([...FIELD_VALUES, int(nodes + 3), nodes, nodes - 1, int(1000)]);
    if (wide) dv().setBigUint64(offset, BigInt.asUintN(64, BigInt(v)), true);
    else dv().setUint32(offset, v >>> 0, true);
  };
  let label;
  switch (kind) {
    case 0: { // bit flips
      const flips = 1 + int(4);
      for (let f = 0; f < flips; f++) bad[int(bad.length)] ^= 1 << int(8);
      label = `flip ${flips} bits`;
      break;
    }
    case 1: { // truncation at a node (Annoy) or section (ours) boundary, or anywhere
      let at;
      if (isAnnoy) at = pick([int(nodes) * s, (nodes - 1) * s, s, int(bad.length)]);
      else at = pick([HEADER_BYTES, 0, 8, bad.length - 16, int(bad.length), ...[H.VECTORS_OFFSET, H.PRESENT_OFFSET, H.NODES_OFFSET, H.ROOTS_OFFSET, H.CODES_OFFSET].map((o) => Number(dv().getBigUint64(o, true))),
        ...(bad.length >= H.SECTIONS + 8 ? [Number(dv().getBigUint64(H.SECTIONS, true))] : [])]); // the graph section
      bad = bad.slice(0, Math.max(0, Math.min(at, bad.length - 1)));
      label = `truncate to ${bad.length}`;
      break;
    }
    case 2: { // a field set to an extreme: n_descendants (the last node's is n_items), a child, a float field
      if (isAnnoy) {
        const node = pick([nodes - 1, nodes - 1, int(nodes), nodes - 2, 0]);
        const field = pick([0, children, children + 4, 4, 12, 16, 20, s - 4]);
        setField(node * s + field, base.metric === 'hamming' && field === 16 && rng() < 0.5);
        label = `node ${node} field ${field}`;
      } else {
        const field = pick(Object.entries(H).filter(([name]) => name !== 'MAGIC' && name !== 'CHECKSUM').map(([, at]) => at));
        setField(field, field >= H.VECTORS_OFFSET && field <= H.CODES_BYTES); // the u64 fields
        if (rng() < 0.5) reseal(bad, checksum, layout);
        label = `header field ${field}`;
      }
      break;
    }
    case 3: { // child ids forward, out of range, at a root, at itself
      if (isAnnoy) {
        const node = int(nodes);
        const target = pick([nodes, nodes - 1, node, node + 1, -1, -(2 ** 31), 2 ** 31 - 1, int(nodes)]);
        if (node * s + children + 8 <= bad.length) dv().setInt32(node * s + children + 4 * int(2), target, true);
        label = `node ${node} child -> ${target}`;
      } else {
        const nodesOffset = Number(dv().getBigUint64(H.NODES_OFFSET, true)), nodeBytes = dv().getUint32(H.NODE_BYTES, true), count = dv().getUint32(H.NODE_COUNT, true);
        const node = int(count + 1);
        const target = pick([count, count - 1, node, node + 1, -1, ~100000, 2 ** 31 - 1]);
        const at = nodesOffset + node * nodeBytes + 4 + 4 * int(2);
        if (at + 4 <= bad.length) dv().setInt32(at, target, true);
        reseal(bad, checksum, layout);
        label = `node ${node} child -> ${target}`;
      }
      break;
    }
    case 4: { // random bytes over a run
      const from = int(bad.length);
      const len = 1 + int(Math.min(64, bad.length - from));
      for (let i = from; i < from + len && i < bad.length; i++) bad[i] = int(256);
      if (!isAnnoy && rng() < 0.7) reseal(bad, checksum, layout);
      label = `random bytes ${from}+${len}`;
      break;
    }
    case 7: { // files of ours with a graph: the graph section and its degree
      label = damageGraph(rng, bad, dv(), H);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 8: { // files of ours with removed items: the removed bitmap, its count, its place in the section table
      label = damageRemovals(rng, bad, dv(), layout);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 9: { // files of ours with string keys: bytes of the keys section (offsets, key order, UTF-8), its parameter
      const { SECTION = { KEYS: 2 }, PARAM_KEY_BYTES = 5 } = layout;
      const entry = H.SECTIONS + 16 * SECTION.KEYS;
      const at = Number(dv().getBigUint64(entry, true)), bytes = Number(dv().getBigUint64(entry + 8, true));
      if (rng() < 0.2) {
        const v = pick([0, 1, 15, 16, 17, 2 ** 31, int(5000)]);
        dv().setUint32(H.SECTION_PARAMS + 4 * PARAM_KEY_BYTES, v, true);
        label = `key bytes parameter ${v}`;
      } else {
        const from = at + int(bytes), len = 1 + int(8);
        for (let i = from; i < from + len && i < at + bytes; i++) bad[i] = pick([0, 0xFF, 0x80, 0xC0, int(256), bad[i] ^ 1]);
        label = `keys section bytes ${from - at}+${len}`;
      }
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 10: { // files of ours storing float16, bfloat16 or int8: the storage parameters and the records
      label = damageStorage(rng, bad, dv(), layout);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 11: { // files of ours with compact trees: their parameters, split records, planes and leaf stream
      label = damageCompact(rng, bad, dv(), layout);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 12: { // files of ours with stored nearest neighbours: their rows, count and section length
      label = damageNearest(rng, bad, dv(), layout);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    case 6: { // screened files of ours: the screening parameters and the pca basis
      label = damageScreening(rng, bad, dv(), H);
      if (rng() < 0.9) reseal(bad, checksum, layout);
      break;
    }
    default: { // appended or repeated nodes, or whole-node shuffles
      if (isAnnoy && rng() < 0.5) {
        const a = int(nodes), b = int(nodes);
        bad.copyWithin(a * s, b * s, b * s + s);
        label = `copy node ${b} over ${a}`;
      } else {
        const extra = pick([1, 4, s, 2 * s, 16]);
        const grown = new Uint8Array(bad.length + extra);
        grown.set(bad);
        if (rng() < 0.5) grown.set(bad.subarray(Math.max(0, bad.length - extra)), bad.length);
        bad = grown;
        label = `append ${extra}`;
      }
    }
  }
  return { bytes: bad, label };
}

/**
 * One change to how a file of ours stores its vectors (in place): the storage kind or int8 scale layout parameter
 * (8, 9), a section length of the reserved storage section (3), an int8 record's scale (NaN, infinity, zero,
 * negative, subnormal), a float16 value made infinity or NaN, a record's padding; returns its label.
 */
function damageStorage(rng, bad, dv, { H, SECTION = { STORAGE: 3 }, PARAM_STORAGE = 8, PARAM_STORAGE_SCALES = 9 }) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const kind = dv.getUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, true);
  const dims = dv.getUint32(H.DIMENSIONS, true), size = dv.getUint32(H.SIZE, true);
  const vectors = Number(dv.getBigUint64(H.VECTORS_OFFSET, true));
  const record = kind === 3 ? Math.ceil((dims + 4) / 16) * 16 : Math.ceil((2 * dims) / 16) * 16;
  const at = vectors + int(size) * record;
  switch (int(5)) {
    case 0: { const v = pick([0, 1, 2, 3, 4, 7, 2 ** 31, 2 ** 32 - 1]); dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, v >>> 0, true); return `storage kind ${kind} -> ${v}`; }
    case 1: { const v = pick([0, 1, 2, 2 ** 32 - 1]); dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE_SCALES, v >>> 0, true); return `int8 scale layout -> ${v}`; }
    case 2: { const v = pick([16, 32, 4 * dims, 2 ** 31]); dv.setBigUint64(H.SECTIONS + 16 * SECTION.STORAGE + 8, BigInt(v), true); return `storage section length ${v}`; }
    case 3: {
      if (kind === 3) { const v = pick([NaN, Infinity, -Infinity, 0, -1, 1e-40, 3e38]); dv.setFloat32(at + record - 4, v, true); return `int8 record scale -> ${v}`; }
      const j = int(dims), v = pick([0x7C00, 0xFC00, 0x7E00, 0x7F80, 0xFF80, 0x7FC0]);
      dv.setUint16(at + 2 * j, v, true);
      return `16-bit value ${j} -> 0x${v.toString(16)}`;
    }
    default: {
      const used = kind === 3 ? dims : 2 * dims, end = kind === 3 ? record - 4 : record;
      if (used >= end) { bad[at] ^= 0x40; return 'record byte 0 flipped'; }
      const o = used + int(end - used);
      bad[at + o] = 1 + int(255);
      return `record padding byte ${o}`;
    }
  }
}

/**
 * One change to a file of ours with compact trees (in place): the tree encoding or id bits parameter (10, 11), the
 * leaf stream's length (section 4), a split's child ref (to a leaf out of order or past the stream, a node, an
 * item), a plane's scale, code or padding byte, or a word of the leaf stream (counts, ids, padding bits, the
 * trailing word); returns its label.
 */
function damageCompact(rng, bad, dv, { H, SECTION = { LEAVES: 4 }, PARAM_TREE_ENCODING = 10, PARAM_LEAF_ID_BITS = 11, LEAF_REF = 0x40000000 }) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const nodeCount = dv.getUint32(H.NODE_COUNT, true), nodeBytes = dv.getUint32(H.NODE_BYTES, true), size = dv.getUint32(H.SIZE, true);
  const dims = dv.getUint32(H.DIMENSIONS, true), hamming = dv.getUint32(H.METRIC, true) === 4;
  const nodes = Number(dv.getBigUint64(H.NODES_OFFSET, true));
  const stream = Number(dv.getBigUint64(H.SECTIONS + 16 * SECTION.LEAVES, true)), streamBytes = Number(dv.getBigUint64(H.SECTIONS + 16 * SECTION.LEAVES + 8, true));
  const words = streamBytes / 4;
  const bits = dv.getUint32(H.SECTION_PARAMS + 4 * PARAM_LEAF_ID_BITS, true);
  const what = int(8);
  if (what === 0) { const v = pick([0, 2, 3, 2 ** 32 - 1]); dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_TREE_ENCODING, v >>> 0, true); return `tree encoding -> ${v}`; }
  if (what === 1) { const v = pick([0, bits - 1, bits + 1, 31, 32, 2 ** 32 - 1]); dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_LEAF_ID_BITS, v >>> 0, true); return `leaf id bits ${bits} -> ${v}`; }
  if (what === 2) { const v = pick([0, 16, streamBytes - 16, streamBytes + 16, 2 ** 31]); dv.setBigUint64(H.SECTIONS + 16 * SECTION.LEAVES + 8, BigInt(Math.max(0, v)), true); return `leaf stream length ${streamBytes} -> ${v}`; }
  if ((what === 3 || what === 4) && nodeCount > 0) {
    const k = int(nodeCount), at = nodes + k * nodeBytes;
    if (what === 3) {
      const c = pick([4, 8]);
      const v = pick([LEAF_REF + int(words + 4), LEAF_REF - 1, int(nodeCount), -(1 + int(size + 2)), 0x7FFFFFFF, dv.getInt32(at + 12 - c, true)]);
      dv.setInt32(at + c, v, true);
      return `split ${k} child at ${c} -> ${v}`;
    }
    if (hamming) { const v = pick([0, 64, dims, dims + 1, 2 ** 31]); dv.setUint32(at + 12, v, true); return `split ${k} bit -> ${v}`; }
    const part = int(3);
    if (part === 0) { const v = pick([NaN, Infinity, -Infinity, 0, -1, 1e-40, 3e38, 1e30, 2]); dv.setFloat32(at + 16, v, true); return `split ${k} plane scale -> ${v}`; }
    if (part === 1) { const j = int(dims), v = pick([-128, 127, -127, 0, int(256) - 128]); dv.setInt8(at + 20 + j, v); return `split ${k} code ${j} -> ${v}`; }
    if (20 + dims < nodeBytes) { const o = 20 + dims + int(nodeBytes - 20 - dims); bad[at + o] = 1 + int(255); return `split ${k} padding byte ${o}`; }
    bad[at + 20] ^= 0x80;
    return `split ${k} code 0 flipped`;
  }
  if (words === 0) { bad[nodes] ^= 1; return 'node byte 0 flipped'; }
  const w = int(words), at = stream + 4 * w;
  if (what === 5) { const b = int(32); dv.setUint32(at, dv.getUint32(at, true) ^ (1 << b), true); return `leaf stream word ${w} bit ${b} flipped`; }
  const v = pick([0, 0xFFFFFFFF, int(2 ** 32), 1, size]);
  dv.setUint32(at, v >>> 0, true);
  return `leaf stream word ${w} -> ${v}`;
}

/** One change to the removed-items section of a file of ours (in place); returns its label. */
function damageRemovals(rng, bad, dv, { H, SECTION = { REMOVED: 1 }, PARAM_REMOVED_COUNT = 4 }) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const entry = H.SECTIONS + 16 * SECTION.REMOVED, param = H.SECTION_PARAMS + 4 * PARAM_REMOVED_COUNT;
  const at = Number(dv.getBigUint64(entry, true)), bytes = Number(dv.getBigUint64(entry + 8, true));
  const count = dv.getUint32(param, true);
  switch (int(6)) {
    case 0: { const v = pick([0, count - 1, count + 1, 2 ** 31, 2 ** 32 - 1, int(200)]); dv.setUint32(param, v >>> 0, true); return `removed count ${count} -> ${v}`; }
    case 1: { const v = pick([0, bytes - 16, bytes + 16, 2 ** 32, int(64)]); dv.setBigUint64(entry + 8, BigInt(v), true); return `removed length ${bytes} -> ${v}`; }
    case 2: { const v = pick([0, at + 16, at - 16, bad.length, 2 ** 40]); dv.setBigUint64(entry, BigInt(Math.max(0, v)), true); return `removed offset ${at} -> ${v}`; }
    case 3: { // a bit set or cleared: a hole, a present id, one past size (padding); with the count kept or fixed
      const bit = int(bytes * 8);
      bad[at + (bit >> 3)] ^= 1 << (bit & 7);
      if (rng() < 0.5) dv.setUint32(param, (bad[at + (bit >> 3)] >> (bit & 7)) & 1 ? count + 1 : count - 1, true);
      return `removed bit ${bit} flipped`;
    }
    case 4: { for (let i = 0; i < bytes; i++) bad[at + i] = 0xFF; dv.setUint32(param, bytes * 8, true); return 'every id removed, holes and padding too'; }
    default: { // the present bitmap's bits removed: every present id removed (valid), or the bitmap over the removed one
      const present = Number(dv.getBigUint64(H.PRESENT_OFFSET, true));
      bad.copyWithin(at, present, present + bytes);
      let n = 0; for (let i = 0; i < bytes; i++) for (let b = bad[at + i]; b; b &= b - 1) n++;
      if (rng() < 0.7) dv.setUint32(param, n, true);
      return 'every present id removed';
    }
  }
}

// float32 values that test the loader's checks on scale, bias, offsets and basis: non-finite, the largest
// finite, the smallest normal and a subnormal, zero and negative zero, and ordinary ones
const FLOATS = [NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38, 1e-40, 0, -0, 1, -1, 0.5, 127, 1e-7, 1e30, -1e30];

/** One change to the screening parameters of a screened file of ours (in place); returns its label. */
function damageScreening(rng, bad, dv, H) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const kind = dv.getUint32(H.CODES_KIND, true), m = dv.getUint32(H.CODE_DIMENSIONS, true);
  const dims = dv.getUint32(H.DIMENSIONS, true), stride = dv.getUint32(H.STRIDE, true);
  const codesOffset = Number(dv.getBigUint64(H.CODES_OFFSET, true)), codesBytes = Number(dv.getBigUint64(H.CODES_BYTES, true));
  const setF32 = (at, v) => { if (at + 4 <= bad.length) dv.setFloat32(at, v, true); };
  const rowsAt = codesOffset + Math.ceil((4 * m) / 16) * 16; // pca: offsets, padded to 16, then m rows of `stride`
  const row = (j) => rowsAt + j * stride;
  const pca = kind === 2 && codesBytes > 0 && codesOffset + codesBytes <= bad.length;
  const what = pca ? int(12) : int(4);
  switch (what) {
    case 0: { const v = pick(FLOATS); setF32(H.CODE_SCALE, v); return `code scale ${v}`; }
    case 1: { const v = pick(FLOATS); setF32(H.CODE_BIAS, v); return `code bias ${v}`; }
    case 2: { const v = pick([0, m - 1, m + 1, dims, dims + 1, 16, 256, 2 ** 31]); dv.setUint32(H.CODE_DIMENSIONS, v >>> 0, true); return `code dimensions ${m} -> ${v}`; }
    case 3: { const v = int(4); dv.setUint32(H.CODES_KIND, v, true); return `codes kind ${kind} -> ${v}`; }
    case 4: { const j = int(m), v = pick(FLOATS); setF32(codesOffset + 4 * j, v); return `pca offset ${j} = ${v}`; }
    case 5: { // padding after the offsets (or, when there is none, the first basis value)
      const at = codesOffset + 4 * m + int(rowsAt - codesOffset - 4 * m + 1);
      bad[Math.min(at, bad.length - 1)] ^= 1 << int(8);
      return `pca offsets padding byte ${at}`;
    }
    case 6: { const j = int(m), i = int(dims), v = pick(FLOATS); setF32(row(j) + 4 * i, v); return `pca basis row ${j} [${i}] = ${v}`; }
    case 7: { // a row off unit length: within the loader's tolerance, just past it, or far off
      const j = int(m), f = pick([1 + 1e-6, 1 + 4e-4, 1 - 4e-4, 1 + 6e-4, 1 + 2e-3, 0.999, 0.5, 2, -1, 0, 1e-20, 1e20]);
      for (let i = 0; i < dims; i++) setF32(row(j) + 4 * i, Math.fround(dv.getFloat32(row(j) + 4 * i, true) * f));
      return `pca basis row ${j} x ${f}`;
    }
    case 8: { // non-zero padding in a row (the values past dims), or the last value when a row has none
      const j = int(m), at = row(j) + (stride > 4 * dims ? 4 * dims + int(stride - 4 * dims) : 4 * dims - 1 - int(4));
      bad[at] |= 1 << int(8);
      return `pca basis row ${j} padding byte ${at - row(j)}`;
    }
    case 9: { // rows copied or swapped: still unit rows, a different (valid) basis
      const a = int(m), b = int(m);
      const saved = bad.slice(row(a), row(a) + stride);
      bad.copyWithin(row(a), row(b), row(b) + stride);
      if (rng() < 0.5) bad.set(saved, row(b));
      return `pca basis rows ${a} <-> ${b}`;
    }
    case 10: { const flips = 1 + int(3); for (let f = 0; f < flips; f++) bad[codesOffset + int(codesBytes)] ^= 1 << int(8); return `flip ${flips} bits of the pca basis`; }
    default: {
      const from = codesOffset + int(codesBytes), len = 1 + int(Math.min(32, codesOffset + codesBytes - from));
      for (let i = from; i < from + len; i++) bad[i] = int(256);
      return `random bytes ${from}+${len} of the pca basis`;
    }
  }
}

/** One change to the graph of a file of ours that has one (in place); returns its label. */
function damageGraph(rng, bad, dv, H) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const degreeAt = H.SECTION_PARAMS; // the graph's degree is section parameter 0, its section kind 0
  const degree = dv.getUint32(degreeAt, true), size = dv.getUint32(H.SIZE, true);
  const graph = Number(dv.getBigUint64(H.SECTIONS, true));
  const bytes = size * degree * 4;
  const present = (id) => ((dv.getUint32(Number(dv.getBigUint64(H.PRESENT_OFFSET, true)) + 4 * (id >>> 5), true) >>> (id & 31)) & 1) === 1;
  const slot = (item, t) => graph + 4 * (item * degree + t);
  const item = int(size), t = int(degree);
  switch (int(6)) {
    case 0: { // a neighbour id: past the items, the last item, the row's own item, a hole, an id after the row's end
      let hole = -1;
      for (let id = 0; id < size; id++) if (!present(id)) { hole = id; break; }
      const v = pick([size, size - 1, item, hole, 0xFFFFFFFE, 0x7FFFFFFF, int(size), 0]);
      dv.setUint32(slot(item, t), v >>> 0, true);
      return `graph row ${item} [${t}] = ${v}`;
    }
    case 1: { // the end marker early (valid: a shorter row), or a gap (invalid: an id after the end)
      dv.setUint32(slot(item, t), 0xFFFFFFFF, true);
      if (rng() < 0.5 && t + 1 < degree) dv.setUint32(slot(item, t + 1), int(size), true);
      return `graph row ${item} ends at ${t}`;
    }
    case 2: { const other = int(size); bad.copyWithin(slot(item, 0), slot(other, 0), slot(other, degree)); return `graph row ${other} copied over ${item}`; }
    case 3: { const v = pick([0, 1, degree - 1, degree + 1, 2 * degree, 256, 257, 2 ** 31, 2 ** 32 - 1]); dv.setUint32(degreeAt, v >>> 0, true); return `graph degree ${degree} -> ${v}`; }
    case 4: { const v = pick([0, 1, 2, 3]); dv.setUint32(H.VERSION, v, true); return `format version -> ${v}`; }
    default: { const flips = 1 + int(3); for (let f = 0; f < flips; f++) bad[graph + int(Math.max(1, bytes))] ^= 1 << int(8); return `flip ${flips} bits of the graph`; }
  }
}

/** The stored nearest neighbours per item of a file of ours (section parameter 12; 0: none). */
function nearestOf(bytes, { H, HEADER_BYTES, PARAM_NEAREST_COUNT = 12 }) {
  if (bytes.length < HEADER_BYTES) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(H.SECTION_PARAMS + 4 * PARAM_NEAREST_COUNT, true);
}

/** One change to the stored nearest neighbours of a file of ours that has them (in place); returns its label. */
function damageNearest(rng, bad, dv, { H, SECTION = { NEAREST: 5 }, PARAM_NEAREST_COUNT = 12 }) {
  const int = (n) => Math.floor(rng() * n);
  const pick = (a) => a[int(a.length)];
  const countAt = H.SECTION_PARAMS + 4 * PARAM_NEAREST_COUNT, entry = H.SECTIONS + 16 * SECTION.NEAREST;
  const s = dv.getUint32(countAt, true), size = dv.getUint32(H.SIZE, true);
  const at = Number(dv.getBigUint64(entry, true)), bytes = Number(dv.getBigUint64(entry + 8, true));
  const bits = size === 0 ? 1 : 32 - Math.clz32(size), words = Math.ceil((s * bits) / 32);
  const none = 2 ** bits - 1;
  const present = (id) => ((dv.getUint32(Number(dv.getBigUint64(H.PRESENT_OFFSET, true)) + 4 * (id >>> 5), true) >>> (id & 31)) & 1) === 1;
  const rowBit = (item, t) => 8 * (at + 4 * item * words) + t * bits;
  const read = (p) => { let v = 0; for (let b = 0; b < bits; b++) v += ((bad[(p + b) >>> 3] >>> ((p + b) & 7)) & 1) * 2 ** b; return v; };
  const write = (p, v, n = bits) => { for (let b = 0; b < n; b++) { const q = p + b, bit = Math.floor(v / 2 ** b) % 2; bad[q >>> 3] = (bad[q >>> 3] & ~(1 << (q & 7))) | (bit << (q & 7)); } };
  const item = int(size), t = int(Math.max(1, s));
  switch (int(7)) {
    case 0: { // an id: past the items, the last item, the row's own item, a hole, the row's first id again, the end value
      let hole = -1;
      for (let id = 0; id < size; id++) if (!present(id)) { hole = id; break; }
      const v = pick([size, size - 1, item, hole < 0 ? none - 1 : hole, read(rowBit(item, 0)), none, int(size), 0]);
      write(rowBit(item, t), v);
      return `nearest row ${item} [${t}] = ${v}`;
    }
    case 1: { // the end value early (valid: a shorter row), then an id after it (invalid)
      write(rowBit(item, t), none);
      if (t + 1 < s) write(rowBit(item, t + 1), int(size));
      return `nearest row ${item} ends at ${t}, then an id`;
    }
    case 2: { // a row's unused bits, or the zero word after the rows, or the padding
      const p = pick([rowBit(item, s), 8 * (at + 4 * size * words), 8 * (at + bytes) - 1 - int(32)]);
      if (p < 8 * (at + bytes)) write(p, 1, 1);
      return `nearest section bit ${p - 8 * at} set`;
    }
    case 3: { const v = pick([0, 1, s - 1, s + 1, 64, 65, 2 ** 31]); dv.setUint32(countAt, v >>> 0, true); return `nearest count ${s} -> ${v}`; }
    case 4: { const v = pick([0, 16, bytes - 16, bytes + 16, 2 ** 40]); dv.setBigUint64(entry + 8, BigInt(v), true); return `nearest section length ${bytes} -> ${v}`; }
    case 5: { const other = int(size); bad.copyWithin(at + 4 * item * words, at + 4 * other * words, at + 4 * (other + 1) * words); return `nearest row ${other} copied over ${item}`; }
    default: { const flips = 1 + int(3); for (let f = 0; f < flips; f++) bad[at + int(Math.max(1, bytes))] ^= 1 << int(8); return `flip ${flips} bits of the nearest section`; }
  }
}

function reseal(bytes, checksum, { H, HEADER_BYTES }) {
  if (bytes.length < HEADER_BYTES || !checksum) return;
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(H.CHECKSUM, checksum(bytes), true);
}

/**
 * Whether a damaged file of ours keeps the clean file's structure: the same length, header up to the screening
 * fields, and vectors, bitmap, nodes and roots (so only screening parameters, the basis or the checksum differ).
 */
function sameStructure(base, bytes, { H, HEADER_BYTES }) {
  if (base.metric !== undefined || bytes.length !== base.bytes.length) return false;
  const codesOffset = Number(new DataView(base.bytes.buffer, base.bytes.byteOffset).getBigUint64(H.CODES_OFFSET, true));
  const same = (from, to) => { for (let i = from; i < to; i++) if (bytes[i] !== base.bytes[i]) return false; return true; };
  // the storage kind and scale layout (section parameters 8, 9): float16 and bfloat16 records are the same size
  return same(0, H.CODES_KIND) && same(H.SECTION_PARAMS + 32, H.SECTION_PARAMS + 40) && same(HEADER_BYTES, codesOffset);
}

/** a and b answer alike: the same distances, and the same ids but for the order of equal distances. */
function sameAnswer(a, b) {
  if (a.ids.length !== b.ids.length || a.distances.some((d, i) => d !== b.distances[i])) return false;
  // a tie at the k-th distance may keep either id
  const last = a.distances[a.distances.length - 1];
  const pairs = (r) => [...r.ids].flatMap((id, i) => (r.distances[i] === last ? [] : [`${r.distances[i]} ${id}`])).sort().join();
  return pairs(a) === pairs(b);
}

/** Loads one damaged file and queries it; returns the outcome or throws a finding. */
function tryCase(lib, rng, base, bytes, layout, stats) {
  const { Index, AnnoyError } = lib;
  const options = base.metric === undefined ? undefined : { format: 'annoy', dimensions: base.dimensions, metric: base.metric };
  let index;
  try {
    index = Index.fromBytes(bytes, options);
  } catch (e) {
    if (e instanceof AnnoyError && OK_CODES.includes(e.code)) return e.code;
    throw e;
  }
  try {
    const k = 1 + Math.floor(rng() * 8);
    const check = (r, from) => {
      if (r.ids.length > k) throw new Error(`${r.ids.length} hits for k = ${k}`);
      const seen = new Set();
      r.ids.forEach((id, i) => {
        if (id >= index.size) throw new Error(`id ${id} past size ${index.size}`);
        if (seen.has(id)) throw new Error(`id ${id} twice`);
        seen.add(id);
        index.getItem(id); // throws INVALID_ID for a hole
        if (index.hasKeys && index.idOf(index.keyOf(id)) !== id) throw new Error(`key of ${id} names another id`);
        // stored and query vectors have finite squared norms, so only a euclidean distance can overflow (to +Infinity)
        const d = r.distances[i];
        if (Number.isNaN(d) || d === -Infinity || (d === Infinity && index.metric !== 'euclidean')) throw new Error(`distance ${d}`);
        // results carry exact distances, screened or not
        if (from !== undefined && d !== index.distance(from, id)) throw new Error(`distance ${d} from item ${from} to ${id}, but distance() says ${index.distance(from, id)}`);
      });
    };
    const reference = base.clean && sameStructure(base, bytes, layout) ? base.clean : undefined;
    if (reference) stats.compared++;
    for (let q = 0; q < 2; q++) {
      const v = Array.from({ length: index.dimensions }, () => (index.metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 4 - 2));
      const searchK = 1 + Math.floor(rng() * 500);
      check(index.search(v, k, { searchK }));
      check(index.search(v, k));
      if (index.graph > 0) check(index.search(v, k, { ef: k + Math.floor(rng() * 40), searchK: 1 + Math.floor(rng() * 20) }));
      if (reference) {
        for (const o of [{ rerank: -1 }, { searchK, rerank: -1 }]) {
          const got = index.search(v, k, o), want = reference.search(v, k, o);
          if (!sameAnswer(got, want)) throw new Error(`with the clean structure, search(${JSON.stringify(o)}) answers ${[...got.ids]} (${[...got.distances]}), the clean file ${[...want.ids]} (${[...want.distances]})`);
        }
      }
    }
    if (index.graph > 0 && index.count > 1 && nearestOf(bytes, layout) >= k) {
      // searchAll from the stored nearest neighbours (k <= their count): every row as a search's results. (Not the
      // joins: their scratch is sized by the items, not the file, past what the memory check below allows.)
      const all = index.searchAll(k);
      for (let id = 0; id < index.size; id++) {
        const row = all.row(id);
        if (row.ids.includes(id)) throw new Error(`searchAll's row ${id} holds the item itself`);
        if (row.ids.length > 0) check(row, id);
      }
    }
    if (index.count > 0) {
      for (let id = 0; id < index.size; id++) {
        try { check(index.searchItem(id, k), id); break; } catch (e) { if (!(e instanceof AnnoyError && e.code === 'INVALID_ID')) throw e; }
      }
    }
    return 'loaded';
  } finally {
    index.free();
  }
}

/**
 * Runs cases until `cases` are done or `seconds` have passed. Returns { cases, outcomes, byBase (outcomes of each
 * base), compared (loaded cases checked against the clean file's answers), findings, slowest }; with
 * `stopOnFinding`, returns at the first finding.
 */
export function runFuzz(lib, { seed = 'annoy-wasm fuzz', cases = Infinity, seconds = Infinity, bases, checksum, layout, slowMs = 2000, stopOnFinding = false, onProgress, nearest = false } = {}) {
  const rng = seedrandom(seed);
  const all = [...bases.ours, ...bases.annoy];
  // the clean files of ours, loaded once: what a damaged file that keeps their structure must answer
  for (const base of bases.ours) base.clean ??= lib.Index.fromBytes(base.bytes);
  const outcomes = {};
  const byBase = {};
  const stats = { compared: 0 };
  const findings = [];
  let slowest = { ms: 0 };
  const started = performance.now();
  const grow = WebAssembly.Memory.prototype.grow;
  let grownTo = 0;
  WebAssembly.Memory.prototype.grow = function (delta) {
    const before = grow.call(this, delta);
    grownTo = Math.max(grownTo, (before + delta) * 65536);
    return before;
  };
  let c = 0;
  try {
    for (; c < cases && (performance.now() - started) / 1000 < seconds; c++) {
      const base = all[c % all.length];
      const screened = base.screening !== undefined && base.screening !== 'none';
      // nearest: files with stored nearest neighbours get their damage half the time (an option, so that the other
      // runs keep their sequences of cases)
      const kind = nearest && base.metric === undefined && nearestOf(base.bytes, layout) > 0 && rng() < 0.5 ? 12 : base.compact && rng() < 0.5 ? 11 : base.storage && rng() < 0.4 ? 10 : screened && rng() < 0.4 ? 6 : base.removals && rng() < 0.4 ? 8 : base.graph > 0 && rng() < 0.5 ? 7 : base.keys && rng() < 0.5 ? 9 : Math.floor(rng() * 6);
      const { bytes, label } = damage(rng, base, kind, checksum, layout);
      const t0 = performance.now();
      grownTo = 0;
      let outcome;
      try {
        outcome = tryCase(lib, rng, base, bytes, layout, stats);
      } catch (e) {
        outcome = 'finding';
        findings.push({ case: c, base: base.name, damage: label, error: `${e?.constructor?.name}: ${e?.message}`, bytes });
      }
      const ms = performance.now() - t0;
      // Memory the load may take: the file as converted (at most ~4x an Annoy file's bytes), one scratch slot, and
      // the wasm module's own first page(s); anything more was sized by an unchecked field.
      const allowed = 8 * bytes.length + (1 << 20);
      if (grownTo > allowed) findings.push({ case: c, base: base.name, damage: label, error: `wasm memory grew to ${grownTo} bytes for a ${bytes.length}-byte file`, bytes });
      if (ms > slowMs) findings.push({ case: c, base: base.name, damage: label, error: `took ${ms.toFixed(0)} ms`, bytes });
      if (ms > slowest.ms) slowest = { ms, base: base.name, damage: label };
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      byBase[base.name] ??= {};
      byBase[base.name][outcome] = (byBase[base.name][outcome] ?? 0) + 1;
      if (onProgress && c % 1000 === 999) onProgress({ cases: c + 1, outcomes, findings: findings.length, seconds: (performance.now() - started) / 1000 });
      if (stopOnFinding && findings.length > 0) { c++; break; }
    }
  } finally {
    WebAssembly.Memory.prototype.grow = grow;
    for (const base of bases.ours) { base.clean?.free(); delete base.clean; }
  }
  return { cases: c, seconds: (performance.now() - started) / 1000, outcomes, byBase, compared: stats.compared, findings, slowest };
}

export { METRICS };
