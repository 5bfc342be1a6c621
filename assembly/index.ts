// The module's exports. The host owns the memory (imported) and lays it out: static data | index file |
// scratch slots; every function takes the file base and, for queries, a slot.
export {
  MAGIC_LO, MAGIC_HI, FORMAT_VERSION, HEADER_BYTES,
  H_MAGIC, H_VERSION, H_METRIC, H_DIMENSIONS, H_STRIDE, H_SIZE, H_COUNT, H_TREES, H_NODE_COUNT, H_NODE_BYTES,
  H_LEAF_CAPACITY, H_SEED, H_VECTORS_OFFSET, H_VECTORS_BYTES, H_PRESENT_OFFSET, H_PRESENT_BYTES, H_NODES_OFFSET,
  H_NODES_BYTES, H_ROOTS_OFFSET, H_ROOTS_BYTES, H_CODES_OFFSET, H_CODES_BYTES, H_CODES_KIND, H_CODE_SCALE, H_CODE_BIAS,
  H_CODE_DIMENSIONS, H_CHECKSUM, NODE_PLANE, SPLIT_TAG,
  SLOT_QUERY_IN, SLOT_OUT_IDS, SLOT_OUT_DISTANCES, SLOT_END,
  strideFor, slotOffset, slotBytes,
} from './layout';
export { extrasBytes, buildScratchBytes, prepareBuild, beginBuild, buildTree, relocate, builtNodes, buildFailed } from './build';
export { search, itemDistance, queryDistance } from './search';
export { validate, detail as validateDetail } from './validate';
export { checksum } from './checksum';
export { prepareScreening, screeningScratchBytes, encodeCodes } from './codes';

export function heapBase(): usize { return __heap_base; }
