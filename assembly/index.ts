// The module's exports. The host owns the memory (imported) and lays it out: static data | index file |
// scratch slots; every function takes the file base and, for queries, a slot.
//
// The UPPER_SNAKE constants below are the byte layout's single source: scripts/build.mjs reads them from the
// compiled module and writes the facade's mirror (src/format/constants.ts), so the two cannot drift apart.
export {
  MAGIC_LO, MAGIC_HI, FORMAT_VERSION, HEADER_BYTES, HEADER_V1_BYTES,
  H_MAGIC, H_VERSION, H_METRIC, H_DIMENSIONS, H_STRIDE, H_SIZE, H_COUNT, H_TREES, H_NODE_COUNT, H_NODE_BYTES,
  H_LEAF_CAPACITY, H_SEED, H_VECTORS_OFFSET, H_VECTORS_BYTES, H_PRESENT_OFFSET, H_PRESENT_BYTES, H_NODES_OFFSET,
  H_NODES_BYTES, H_ROOTS_OFFSET, H_ROOTS_BYTES, H_CODES_OFFSET, H_CODES_BYTES, H_CODES_KIND, H_CODE_SCALE, H_CODE_BIAS,
  H_CODE_DIMENSIONS, H_CHECKSUM, H_SECTIONS, H_SECTION_PARAMS, SECTION_SLOTS, SECTION_PARAM_SLOTS,
  SECTION_GRAPH, SECTION_PARAM_GRAPH_DEGREE, NO_NEIGHBOUR, MAX_GRAPH_DEGREE,
  SECTION_REMOVED, SECTION_KEYS, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES,
  CODES_NONE, CODES_INT8, CODES_PCA,
  METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT, METRIC_HAMMING,
  SPLIT_TAG, NODE_TAG, NODE_CHILD0, NODE_CHILD1, NODE_OFFSET, NODE_PLANE, NODE_LEAF_IDS,
  SLOT_QUERY_IN, SLOT_QUERY, SLOT_OUT_IDS, SLOT_OUT_DISTANCES, SLOT_VISITED, SLOT_CANDIDATES, SLOT_TOP_K, SLOT_HEAP,
  SLOT_QUERY_CODE, SLOT_WALK, SLOT_ITEMS, SLOT_PLANE, SLOT_END,
  SECTION_LEAVES, PARAM_TREE_ENCODING, PARAM_LEAF_ID_BITS, TREES_FULL, TREES_COMPACT, TREES_BUILDING_COMPACT,
  NODE_PLANE_SCALE, NODE_PLANE_CODES, LEAF_REF, compactNodeBytesFor, bitsFor,
  SECTION_STORAGE, PARAM_STORAGE, PARAM_STORAGE_SCALES, INT8_SCALE_PER_VECTOR,
  STORAGE_FLOAT32, STORAGE_FLOAT16, STORAGE_BFLOAT16, STORAGE_INT8,
  SECTION_NEAREST, PARAM_NEAREST_COUNT, NEAREST_STORED, MAX_NEAREST_STORED,
  strideFor, slotOffset, slotBytes,
} from './layout';
export { MAX_COMPONENTS as PCA_MAX_COMPONENTS } from './pca';
export { BAD_VECTOR, BAD_PRESENT, BAD_NODE, BAD_REF, BAD_ROOT, BAD_CODES, BAD_GRAPH, BAD_REMOVED, BAD_KEYS, BAD_LEAVES, BAD_NEAREST } from './validate';
export { compactForest, compactSplits, expandForest, expandedNodes } from './compact';
export { extrasBytes, buildScratchBytes, beginBuild, relocate, builtNodes, buildFailed, componentDims, projectionsOffset } from './build';
export { detail as validateDetail } from './validate';
export { checksum, seal } from './checksum';
export { convertItems, convertScratchBytes } from './storage';
export { screeningScratchBytes } from './codes';
// Every entry point that depends on the metric, specialised per metric and chosen once per call.
export {
  search, scan, searchAllRows, searchAllStored, itemDistance, queryDistance, itemValues, prepareBuild, buildTree,
  prepareScreening, encodeCodes, encodeCodesFrom, validate,
} from './metrics/index';

export function heapBase(): usize { return __heap_base; }
export { PROJECT_ABOVE as GRAPH_PROJECT_ABOVE } from './graph-build';
export { graphScratchBytes, buildGraphWith, buildGraph, buildScratchBytesForGraph, graphRounds, graphUpdates, graphPairs, graphOffers, graphBegin, graphStep, graphAttach, graphEndRound, graphChunk, graphGenerated, graphReverse, graphInDegree, graphTopUp, graphSeedNodes, graphSeedChunk } from './graph-build';
export {
  searchAllScratchBytes, searchAllBegin, searchAllAttach, searchAllGenerate, searchAllApply, searchAllPrepare, searchAllSettle,
  searchAllFresh, searchAllChunk, searchAllRowsAt,
} from './search-all';
