// The file layout as the facade sees it. The constants come from the wasm itself (src/format/constants.ts is
// generated from the module's exports by scripts/build.mjs): assembly/layout.ts is their only owner. Reading a
// header checks every field against the real byte length before anything is allocated or copied.
import { AnnoyError } from '../errors.js';
import { METRICS, type Metric } from '../metric.js';
import {
  FORMAT_VERSION, H, HEADER_BYTES, HEADER_V1_BYTES, MAGIC, MAX_GRAPH_DEGREE, NODE, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT, NEAREST_STORED, MAX_NEAREST_STORED, GRAPH_PROJECT_ABOVE, PARAM_REMOVED_COUNT, PCA_MAX_COMPONENTS, SECTION,
  PARAM_STORAGE, PARAM_STORAGE_SCALES, INT8_SCALE_PER_VECTOR, PARAM_TREE_ENCODING, PARAM_LEAF_ID_BITS, TREES_COMPACT,
} from './constants.js';

export { FORMAT_VERSION, H, HEADER_BYTES, HEADER_V1_BYTES, MAGIC, MAX_GRAPH_DEGREE, NODE, NO_NEIGHBOUR, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT, NEAREST_STORED, PARAM_REMOVED_COUNT, PROBLEM, SECTION, SLOT, SPLIT_TAG } from './constants.js';
export const NODE_PLANE = NODE.PLANE;
export const NODE_LEAF_IDS = NODE.LEAF_IDS;
/** Dimensions beyond this are refused: nothing in the library is tuned for them and a node would be huge. */
export const MAX_DIMENSIONS = 65536;
/** int8 screening sums squared code differences (up to 254^2 each) in i32: beyond this many dimensions it could wrap. */
export const MAX_SCREENING_DIMENSIONS = 32768;
/** pca screening's build keeps a dimensions x dimensions covariance matrix: 64 MiB at this many. */
export const MAX_PCA_DIMENSIONS = 4096;
/** Automatic pca screening keeps at most this many components. */
export const MAX_AUTO_COMPONENTS = PCA_MAX_COMPONENTS;
/** The most memory one wasm32 instance addresses. */
export const MAX_MEMORY = 2 ** 32;

export interface Header {
  /** The file format version: FORMAT_VERSION for what this library writes; 1 for files of before the section table. */
  version: number;
  metric: Metric;
  dimensions: number;
  stride: number;
  size: number;
  count: number;
  trees: number;
  nodeCount: number;
  nodeBytes: number;
  leafCapacity: number;
  seed: number;
  checksum: bigint;
  /** Screening codes (assembly/codes.ts), computed into memory after the file at load. Default 'none'. */
  codes?: Codes;
  codeScale?: number;
  codeBias?: number;
  /** Values per code: int8 the dimensions, pca the principal components kept, none 0. */
  codeDimensions?: number;
  /** v2: each optional section's length in bytes, by SECTION_* kind (all 0 in a v1 file). */
  sectionBytes: number[];
  /** v2: the optional sections' parameters (all 0 in a v1 file). */
  sectionParams: number[];
}

/** The header of a file of this version, before its optional sections are known: none, no parameters. */
export function noSections(): Pick<Header, 'version' | 'sectionBytes' | 'sectionParams'> {
  return { version: FORMAT_VERSION, sectionBytes: new Array(SECTION.SLOTS).fill(0), sectionParams: new Array(SECTION.PARAM_SLOTS).fill(0) };
}

/** The header's size in a file of `version`. */
export function headerBytesFor(version: number): number {
  return version >= 2 ? HEADER_BYTES : HEADER_V1_BYTES;
}

/**
 * How long each optional section must be, by kind, for this header (its counts and parameters). A kind this
 * version does not know must be empty. This is where a new section's length rule goes.
 */
function expectedSectionBytes(h: Pick<Header, 'size' | 'count' | 'sectionParams'>, kind: number): number {
  // removed items: a bitmap as long as `present`, there only when some are removed
  if (kind === SECTION.REMOVED) return h.sectionParams[PARAM_REMOVED_COUNT] > 0 ? align16(Math.ceil(h.size / 32) * 4) : 0;
  // string keys: offsets, the key order, the UTF-8 (assembly/layout.ts SECTION_KEYS); there when keys are
  if (kind === SECTION.KEYS) {
    const bytes = h.sectionParams[PARAM_KEY_BYTES];
    return bytes > 0 ? align16(4 * (h.count + 1)) + align16(4 * h.count) + align16(4 * h.size) + align16(bytes) : 0;
  }
  // the neighbour graph: `degree` u32 ids per item slot
  if (kind === SECTION.GRAPH) return h.size * h.sectionParams[SECTION.PARAM_GRAPH_DEGREE] * 4;
  // the build's nearest neighbours: whole-word rows of S packed ids, one zero word (assembly/layout.ts nearestBytesFor)
  if (kind === SECTION.NEAREST) return nearestBytesFor(h.sectionParams[PARAM_NEAREST_COUNT], h.size);
  // SECTION.STORAGE: reserved for scales kept apart from the records; int8's per-vector scales are in the records
  // SECTION.LEAVES: compact trees' leaf stream; its length depends on the leaves (sectionLengthOk), else empty
  return 0;
}

/** Whether an optional section's length fits the header. The leaf stream's is checked word by word at load. */
function sectionLengthOk(h: Pick<Header, 'size' | 'count' | 'sectionParams'>, kind: number, bytes: number): boolean {
  if (kind === SECTION.LEAVES && treeEncodingOf(h) === 'compact') return bytes >= 16 && bytes % 16 === 0;
  return bytes === expectedSectionBytes(h, kind);
}

/** The section parameters some section uses (the others must be 0). This is where a new section's parameters go. */
const PARAMS_IN_USE: readonly number[] = [SECTION.PARAM_GRAPH_DEGREE, PARAM_NEAREST_COUNT, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES, PARAM_STORAGE, PARAM_STORAGE_SCALES, PARAM_TREE_ENCODING, PARAM_LEAF_ID_BITS];

/**
 * How trees are stored (assembly/layout.ts TREES_*, assembly/compact.ts): 'full' as Annoy (f32 planes, u32 ids in
 * fixed-size records), or 'compact' (int8 planes with an f32 scale, packed leaf ids in a stream of their own).
 */
export type TreeEncoding = 'full' | 'compact';
/** A header's tree encoding (undefined: a code no file holds). */
export function treeEncodingOf(h: Pick<Header, 'sectionParams'>): TreeEncoding | undefined {
  const code = h.sectionParams[PARAM_TREE_ENCODING] ?? 0;
  return code === 0 ? 'full' : code === TREES_COMPACT ? 'compact' : undefined;
}
/** Bits that hold every value 0..n (assembly/layout.ts bitsFor). */
export function bitsFor(n: number): number {
  return n === 0 ? 1 : 32 - Math.clz32(n);
}
/** A compact split record's size: tag, refs, offset, then (not hamming) an f32 scale and the int8 plane. */
export function compactNodeBytesFor(metric: Metric, dimensions: number): number {
  return align16(NODE_PLANE + (metric === 'hamming' ? 0 : 4 + dimensions));
}
/** The node record size of a header: by its tree encoding. */
export function nodeBytesOf(h: Pick<Header, 'metric' | 'dimensions' | 'stride' | 'leafCapacity' | 'sectionParams'>): number {
  return treeEncodingOf(h) === 'compact' ? compactNodeBytesFor(h.metric, h.dimensions) : nodeBytesFor(h.stride, h.leafCapacity);
}

/** How item vectors are stored (assembly/storage.ts): float32 as Annoy, or fewer bytes a value. */
export type Storage = 'float32' | 'float16' | 'bfloat16' | 'int8';
/** By the code in section parameter PARAM_STORAGE. */
export const STORAGES: readonly Storage[] = ['float32', 'float16', 'bfloat16', 'int8'];

/** A header's storage kind (undefined: a code no version knows). */
export function storageOf(h: Pick<Header, 'sectionParams'>): Storage | undefined {
  return STORAGES[h.sectionParams[PARAM_STORAGE] ?? 0];
}
/** Bytes per stored item (assembly/layout.ts itemStrideFor). */
export function itemStrideOf(h: Pick<Header, 'stride' | 'dimensions' | 'sectionParams'>): number {
  const kind = storageOf(h);
  return kind === 'float16' || kind === 'bfloat16' ? align16(2 * h.dimensions) : kind === 'int8' ? align16(h.dimensions + 4) : h.stride;
}
/** The header's storage parameters for `kind`. */
export function withStorageParams<T extends Pick<Header, 'sectionParams'>>(h: T, kind: Storage): T {
  const sectionParams = [...h.sectionParams];
  sectionParams[PARAM_STORAGE] = STORAGES.indexOf(kind);
  sectionParams[PARAM_STORAGE_SCALES] = kind === 'int8' ? INT8_SCALE_PER_VECTOR : 0;
  return { ...h, sectionParams };
}

/** The most graph neighbours per item of a header (0: no graph). */
export function graphDegreeOf(h: Pick<Header, 'sectionParams'>): number {
  return h.sectionParams[SECTION.PARAM_GRAPH_DEGREE] ?? 0;
}
/**
 * Whether a graph build of this metric and dimensions stores each item's nearest (NEAREST_STORED): where it ranks
 * pairs as the metric does, on the full vectors (assembly/graph-build.ts pairDistance), so that its lists hold each
 * item's nearest by the metric (dot's lists rank by the inner product itself: on the GloVe sample its best 10 held
 * 0.9975 of the true 10). Not hamming (ties make the first 10 an arbitrary cut: 0.91), nor angular and euclidean
 * items of more than GRAPH_PROJECT_ABOVE dimensions (the build ranks by 64 principal components: on all of
 * fashion-mnist the best 10 of each list by the pixels held 0.936 of the true 10, the joins 0.992). Those answer
 * searchAll by the joins.
 */
export function storesNearest(metric: Metric, dimensions: number): boolean {
  if (metric === 'manhattan' || metric === 'dot') return true;
  return (metric === 'angular' || metric === 'euclidean') && dimensions <= GRAPH_PROJECT_ABOVE;
}

/**
 * A header's graph: its degree parameter and its section's length, and the build's nearest neighbours that come
 * with every graph that storesNearest (NEAREST_STORED per item: what searchAll answers from).
 */
export function withGraph<T extends Pick<Header, 'metric' | 'dimensions' | 'size' | 'sectionBytes' | 'sectionParams'>>(h: T, degree: number): T {
  const sectionParams = [...h.sectionParams], sectionBytes = [...h.sectionBytes];
  const nearest = degree > 0 && storesNearest(h.metric, h.dimensions) ? NEAREST_STORED : 0;
  sectionParams[SECTION.PARAM_GRAPH_DEGREE] = degree;
  sectionBytes[SECTION.GRAPH] = h.size * degree * 4;
  sectionParams[PARAM_NEAREST_COUNT] = nearest;
  sectionBytes[SECTION.NEAREST] = nearestBytesFor(nearest, h.size);
  return { ...h, sectionParams, sectionBytes };
}

/** The nearest other items the file stores per item (0: none: no graph, or a file from before the section). */
export function nearestCountOf(h: Pick<Header, 'sectionParams'>): number {
  return h.sectionParams[PARAM_NEAREST_COUNT] ?? 0;
}
/** The nearest section's bytes for `count` ids per item over `size` slots (assembly/layout.ts nearestBytesFor). */
export function nearestBytesFor(count: number, size: number): number {
  return count === 0 ? 0 : align16(4 * (size * Math.ceil((count * bitsFor(size)) / 32) + 1));
}

export type Codes = 'none' | 'int8' | 'pca';
export const CODES: readonly Codes[] = ['none', 'int8', 'pca'];
/** Metrics pca screening serves: it preserves (squared) L2 distances and dot products, not L1 or bits. */
export const PCA_METRICS: readonly Metric[] = ['angular', 'euclidean', 'dot'];

export interface Sections {
  vectorsOffset: number; vectorsBytes: number;
  presentOffset: number; presentBytes: number;
  nodesOffset: number; nodesBytes: number;
  rootsOffset: number; rootsBytes: number;
  /** v2's optional sections, by kind: where each starts and its length (0: empty). */
  extra: { offset: number; bytes: number }[];
  codesOffset: number; codesBytes: number;
  fileBytes: number;
  /** The codes, in memory right after the file (not in it), and where the image in memory ends. */
  memoryCodesBytes: number; memoryBytes: number;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

export function strideFor(metric: Metric, dimensions: number): number {
  return align16(metric === 'hamming' ? Math.ceil(dimensions / 64) * 8 : dimensions * 4);
}

/** The one valid placement of every section for these counts (all < 2^53, so plain numbers are exact). */
export function sectionsFor(h: Pick<Header, 'version' | 'stride' | 'dimensions' | 'size' | 'nodeCount' | 'nodeBytes' | 'trees' | 'codes' | 'codeDimensions' | 'sectionBytes' | 'sectionParams'>): Sections {
  const vectorsOffset = headerBytesFor(h.version);
  const vectorsBytes = h.size * itemStrideOf(h);
  const presentOffset = vectorsOffset + vectorsBytes;
  const presentBytes = align16(Math.ceil(h.size / 32) * 4);
  const nodesOffset = presentOffset + presentBytes;
  const nodesBytes = h.nodeCount * h.nodeBytes;
  const rootsOffset = nodesOffset + nodesBytes;
  const rootsBytes = align16(h.trees * 4);
  let at = rootsOffset + rootsBytes;
  const extra = h.sectionBytes.map((bytes) => {
    const section = { offset: at, bytes: align16(bytes) };
    at += section.bytes;
    return section;
  });
  const codesOffset = at;
  const m = h.codeDimensions ?? 0;
  const codesBytes = h.codes === 'pca' ? align16(4 * m) + m * h.stride : 0;
  const fileBytes = codesOffset + codesBytes;
  // assembly/layout.ts codeOf: from a 64-byte boundary past the file, align16(m) bytes each
  const codeStride = align16(m);
  const memoryCodesBytes = (h.codes ?? 'none') === 'none' ? 0 : Math.ceil(fileBytes / 64) * 64 - fileBytes + h.size * codeStride;
  return {
    vectorsOffset, vectorsBytes, presentOffset, presentBytes, nodesOffset, nodesBytes, rootsOffset, rootsBytes, extra,
    codesOffset, codesBytes, fileBytes, memoryCodesBytes, memoryBytes: fileBytes + memoryCodesBytes,
  };
}

/** The most ids a leaf may hold: Annoy's largest K (dot, MAX_DIMENSIONS dimensions), so every Annoy file converts. */
export const MAX_LEAF_CAPACITY = MAX_DIMENSIONS + 5;

/**
 * Annoy's K: f + 2 for angular, euclidean and manhattan, f + 5 for dot, 3 + 2 * words for hamming. The leaf size
 * Annoy's own node layout allows, so every index we build can be written as an Annoy file that splits where we
 * split (Annoy reads any node of at most K descendants as a leaf), and recall at a given searchK matches Annoy's.
 */
export function defaultLeafCapacity(metric: Metric, dimensions: number): number {
  return metric === 'hamming' ? 3 + 2 * Math.ceil(dimensions / 64) : metric === 'dot' ? dimensions + 5 : dimensions + 2;
}

/** A node holds either a split (plane at NODE_PLANE) or a leaf of up to leafCapacity ids. */
export function nodeBytesFor(stride: number, leafCapacity: number): number {
  return align16(Math.max(NODE_PLANE + stride, NODE_LEAF_IDS + 4 * leafCapacity));
}

function corrupt(message: string): AnnoyError {
  return new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${message}`);
}

/** Reads and checks the header of a file of `fileBytes` bytes whose first bytes are `head`. */
export function readHeader(head: Uint8Array, fileBytes: number): Header {
  const h = checkHeader(head.subarray(0, Math.min(head.length, fileBytes)));
  const s = sectionsFor(h);
  if (s.fileBytes !== fileBytes) {
    throw corrupt(`the header describes ${s.fileBytes} bytes but there are ${fileBytes} (${fileBytes < s.fileBytes ? 'truncated' : 'trailing bytes'})`);
  }
  return h;
}

/**
 * The header's fields as they are, unchecked (checkHeader checks them): for code that has just written them, or
 * reads them back after the core wrote some.
 */
export function readHeaderFields(head: Uint8Array): Header {
  const dv = new DataView(head.buffer, head.byteOffset, Math.min(head.length, HEADER_BYTES));
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number) => dv.getBigUint64(o, true);
  const version = u32(H.VERSION);
  const table = version >= 2 && head.length >= HEADER_BYTES;
  return {
    version,
    sectionBytes: Array.from({ length: SECTION.SLOTS }, (_, k) => (table ? Number(u64(H.SECTIONS + 16 * k + 8)) : 0)),
    sectionParams: Array.from({ length: SECTION.PARAM_SLOTS }, (_, p) => (table ? u32(H.SECTION_PARAMS + 4 * p) : 0)),
    metric: METRICS[u32(H.METRIC)],
    dimensions: u32(H.DIMENSIONS),
    stride: u32(H.STRIDE),
    size: u32(H.SIZE),
    count: u32(H.COUNT),
    trees: u32(H.TREES),
    nodeCount: u32(H.NODE_COUNT),
    nodeBytes: u32(H.NODE_BYTES),
    leafCapacity: u32(H.LEAF_CAPACITY),
    seed: Number(u64(H.SEED) & 0xFFFFFFFFn),
    checksum: u64(H.CHECKSUM),
    codes: CODES[u32(H.CODES_KIND)],
    codeScale: dv.getFloat32(H.CODE_SCALE, true),
    codeBias: dv.getFloat32(H.CODE_BIAS, true),
    codeDimensions: u32(H.CODE_DIMENSIONS),
  };
}

/**
 * Checks a header's fields against each other, before the file's length is known (a download streams in);
 * sectionsFor(h).fileBytes is then the length the file must have.
 */
export function checkHeader(head: Uint8Array): Header {
  const truncated = (bytes: number) => corrupt(`${head.length} bytes is shorter than the ${bytes}-byte header (truncated?)`);
  if (head.length < HEADER_V1_BYTES) throw truncated(HEADER_V1_BYTES);
  const magic = String.fromCharCode(...head.subarray(0, 8));
  if (magic !== MAGIC) throw corrupt(`bad magic ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)} (is it an Annoy .ann file? open it with { format: 'annoy' })`);
  const dv = new DataView(head.buffer, head.byteOffset, Math.min(head.length, HEADER_BYTES));
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number) => dv.getBigUint64(o, true);
  const version = u32(H.VERSION);
  if (version > FORMAT_VERSION) {
    throw new AnnoyError('UNSUPPORTED_VERSION', `index format version ${version} is newer than this library reads (${FORMAT_VERSION}): upgrade annoy-wasm`);
  }
  if (version < 1) throw corrupt(`format version ${version}`);
  if (head.length < headerBytesFor(version)) throw truncated(headerBytesFor(version));
  const metricCode = u32(H.METRIC);
  if (metricCode >= METRICS.length) throw corrupt(`metric code ${metricCode}`);
  const h = readHeaderFields(head);
  const metric = h.metric;
  if (h.codes === undefined) throw corrupt(`codes kind ${u32(H.CODES_KIND)}`);
  const m = h.codeDimensions!;
  if (h.codes !== 'none') {
    const fits = h.codes === 'int8' ? metric !== 'hamming' && m === h.dimensions
      : PCA_METRICS.includes(metric) && m >= 1 && m <= h.dimensions && h.dimensions <= MAX_PCA_DIMENSIONS; // as the builder
    const scaleOk = h.codeScale! >= 1.1754943508222875e-38 && Number.isFinite(h.codeScale) && Number.isFinite(1 / h.codeScale!);
    if (!fits || m > MAX_SCREENING_DIMENSIONS || !scaleOk || !Number.isFinite(h.codeBias) || (h.codes === 'pca' && !Object.is(h.codeBias, 0))) {
      throw corrupt(`${h.codes} codes of ${m} values with scale ${h.codeScale} and bias ${h.codeBias} for ${h.dimensions}-d ${metric}`);
    }
  }
  if (h.codes === 'none' && (h.codeScale !== 0 || h.codeBias !== 0 || m !== 0)) throw corrupt('code scale, bias or dimensions without codes');
  if (h.dimensions < 1 || h.dimensions > MAX_DIMENSIONS) throw corrupt(`dimensions ${h.dimensions}`);
  if (h.stride !== strideFor(metric, h.dimensions)) throw corrupt(`stride ${h.stride} for ${h.dimensions}-d ${metric}`);
  if (h.leafCapacity < 1 || h.leafCapacity > MAX_LEAF_CAPACITY) throw corrupt(`leaf capacity ${h.leafCapacity}`);
  const encoding = treeEncodingOf(h);
  if (encoding === undefined) throw corrupt(`tree encoding ${h.sectionParams[PARAM_TREE_ENCODING]}`);
  if (h.nodeBytes !== nodeBytesOf(h)) throw corrupt(`node size ${h.nodeBytes}, expected ${nodeBytesOf(h)}`);
  const idBits = h.sectionParams[PARAM_LEAF_ID_BITS];
  if (idBits !== (encoding === 'compact' ? bitsFor(Math.max(0, h.size - 1)) : 0)) throw corrupt(`leaf id bits ${idBits} for ${encoding} trees of ${h.size} ids`);
  if (h.size > 2 ** 31 - 1) throw corrupt(`size ${h.size}`);
  if (h.count > h.size || (h.count === 0) !== (h.size === 0)) throw corrupt(`item count ${h.count} for size ${h.size}`);
  if (h.count === 0 ? h.trees !== 0 || h.nodeCount !== 0 : h.trees === 0) throw corrupt(`${h.trees} trees for ${h.count} items`);
  const s = sectionsFor(h);
  const fields: [string, number, number][] = [
    ['vectors offset', H.VECTORS_OFFSET, s.vectorsOffset], ['vectors length', H.VECTORS_BYTES, s.vectorsBytes],
    ['present offset', H.PRESENT_OFFSET, s.presentOffset], ['present length', H.PRESENT_BYTES, s.presentBytes],
    ['nodes offset', H.NODES_OFFSET, s.nodesOffset], ['nodes length', H.NODES_BYTES, s.nodesBytes],
    ['roots offset', H.ROOTS_OFFSET, s.rootsOffset], ['roots length', H.ROOTS_BYTES, s.rootsBytes],
    ['codes offset', H.CODES_OFFSET, s.codesOffset], ['codes length', H.CODES_BYTES, s.codesBytes],
  ];
  if (version >= 2) {
    const nearest = nearestCountOf(h);
    if (nearest > MAX_NEAREST_STORED || (nearest > 0 && (graphDegreeOf(h) === 0 || !storesNearest(metric, h.dimensions)))) {
      const why = nearest > MAX_NEAREST_STORED ? `more than ${MAX_NEAREST_STORED}` : graphDegreeOf(h) === 0 ? 'without a graph' : `for ${h.dimensions}-d ${metric}`;
      throw corrupt(`${nearest} nearest neighbours stored per item, ${why}`);
    }
    h.sectionBytes.forEach((bytes, kind) => {
      if (!sectionLengthOk(h, kind, bytes)) {
        const expected = kind === SECTION.LEAVES && encoding === 'compact' ? 'a positive multiple of 16' : expectedSectionBytes(h, kind);
        throw corrupt(`optional section ${kind} is ${bytes} bytes long, expected ${expected}`);
      }
      fields.push([`section ${kind} offset`, H.SECTIONS + 16 * kind, s.extra[kind].offset]);
    });
    h.sectionParams.forEach((value, p) => {
      if (value !== 0 && !PARAMS_IN_USE.includes(p)) throw corrupt(`section parameter ${p} is ${value}, but no section uses it`);
    });
    if (graphDegreeOf(h) > MAX_GRAPH_DEGREE) throw corrupt(`graph degree ${graphDegreeOf(h)}, more than ${MAX_GRAPH_DEGREE}`);
    const storage = storageOf(h), scales = h.sectionParams[PARAM_STORAGE_SCALES];
    if (storage === undefined || (storage !== 'float32' && metric === 'hamming')) throw corrupt(`storage kind ${h.sectionParams[PARAM_STORAGE]} for ${metric}`);
    if (scales !== (storage === 'int8' ? INT8_SCALE_PER_VECTOR : 0)) throw corrupt(`int8 scale layout ${scales} for ${storage} storage`);
  }
  for (const [name, offset, expected] of fields) {
    const got = u64(offset);
    if (got !== BigInt(expected)) throw corrupt(`${name} ${got} does not match the counts in the header (expected ${expected})`);
  }
  return h;
}

export function writeHeader(target: Uint8Array, h: Header): void {
  const dv = new DataView(target.buffer, target.byteOffset, headerBytesFor(h.version));
  for (let i = 0; i < 8; i++) dv.setUint8(H.MAGIC + i, MAGIC.charCodeAt(i));
  const u32 = (o: number, v: number) => dv.setUint32(o, v, true);
  const u64 = (o: number, v: number | bigint) => dv.setBigUint64(o, BigInt(v), true);
  u32(H.VERSION, h.version);
  u32(H.METRIC, METRICS.indexOf(h.metric));
  u32(H.DIMENSIONS, h.dimensions);
  u32(H.STRIDE, h.stride);
  u32(H.SIZE, h.size);
  u32(H.COUNT, h.count);
  u32(H.TREES, h.trees);
  u32(H.NODE_COUNT, h.nodeCount);
  u32(H.NODE_BYTES, h.nodeBytes);
  u32(H.LEAF_CAPACITY, h.leafCapacity);
  u64(H.SEED, h.seed);
  const s = sectionsFor(h);
  u64(H.VECTORS_OFFSET, s.vectorsOffset); u64(H.VECTORS_BYTES, s.vectorsBytes);
  u64(H.PRESENT_OFFSET, s.presentOffset); u64(H.PRESENT_BYTES, s.presentBytes);
  u64(H.NODES_OFFSET, s.nodesOffset); u64(H.NODES_BYTES, s.nodesBytes);
  u64(H.ROOTS_OFFSET, s.rootsOffset); u64(H.ROOTS_BYTES, s.rootsBytes);
  u64(H.CODES_OFFSET, s.codesOffset); u64(H.CODES_BYTES, s.codesBytes);
  u32(H.CODES_KIND, CODES.indexOf(h.codes ?? 'none'));
  dv.setFloat32(H.CODE_SCALE, h.codeScale ?? 0, true);
  dv.setFloat32(H.CODE_BIAS, h.codeBias ?? 0, true);
  u32(H.CODE_DIMENSIONS, h.codeDimensions ?? 0);
  u64(H.CHECKSUM, h.checksum);
  if (h.version < 2) return;
  s.extra.forEach(({ offset }, kind) => {
    u64(H.SECTIONS + 16 * kind, offset);
    u64(H.SECTIONS + 16 * kind + 8, h.sectionBytes[kind]);
  });
  h.sectionParams.forEach((value, p) => u32(H.SECTION_PARAMS + 4 * p, value));
}
