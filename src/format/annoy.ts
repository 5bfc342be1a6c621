// Annoy's own .ann files, in and out. An Annoy file is nothing but its node array (no header, no checksum): item
// slots 0 .. n_items - 1, the trees' nodes, then a copy of every root. Reading converts it into this library's
// layout (format/layout.ts) in memory, so the one search and the one structure check (assembly/) serve both
// formats; writing converts back. The facts used here are Annoy 1.17.3's (spotify/annoy src/annoylib.h), as
// test/fixtures/annoy/README.md documents them: per-metric node layouts, how load() finds the roots, and the
// quirks of files written by older versions.
//
// How Annoy's semantics survive the conversion exactly:
// - Tie order. Annoy's queue pops equal priorities by the larger node id (items have the smallest ids); ours by
//   the larger node index, nodes before items (assembly/search.ts). So Annoy ids map to node indices
//   monotonically: non-root nodes in a depth-first post-order that visits the smaller child id first (which is
//   Annoy's own id order for post-order files, and agrees with it on every pair of nodes that can be queued at
//   the same time for the pre-order files of old versions), then the roots, as Annoy keeps its root copies last.
// - A leaf bucket lists its ids as stored, holes and padding included (assembly/layout.ts allows holes in leaves
//   and empty leaves), so searchK counts what Annoy's search_k counts.
import { AnnoyError } from '../errors.js';
import type { Metric } from '../metric.js';
import { HEADER_BYTES, NODE, SPLIT_TAG, noSections, nodeBytesFor, readHeader, sectionsFor, strideFor, NODE_LEAF_IDS, NODE_PLANE, type Header } from './layout.js';

/** Where Annoy keeps a node's fields, for one metric and dimension count (all offsets in bytes). */
export interface AnnoyGeometry {
  /** Annoy's _s: bytes per node. */
  nodeBytes: number;
  /** children[]: two node ids in a split, or a bucket's item ids running on over the fields after it. */
  children: number;
  /** v: the item vector, or a split's plane (hamming: packed u64 words). */
  vector: number;
  vectorBytes: number;
  /** Annoy's K: the most ids a bucket holds; a node with n_descendants <= K is a bucket. */
  K: number;
}

// Fields besides n_descendants (offset 0), children and v.
const ANGULAR_NORM = 4;    // items: |v|^2 (0 in files of old versions); overlays children[0]
const MINKOWSKI_A = 4;     // euclidean, manhattan splits: the plane's offset
const DOT_FACTOR = 12;     // dot items: sqrt(M^2 - |v|^2); splits: the plane's extra-dimension component
const DOT_NORM = 16;       // dot items: M^2
const DOT_BUILT = 20;      // dot items: 1 (u8); 0 would make Annoy rank them by a cosine instead of the dot product

export function annoyGeometry(metric: Metric, dimensions: number): AnnoyGeometry {
  const vectorBytes = metric === 'hamming' ? 8 * Math.ceil(dimensions / 64) : 4 * dimensions;
  const [children, vector] = metric === 'angular' ? [4, 12] : metric === 'dot' ? [4, 24] : metric === 'hamming' ? [4, 16] : [8, 16];
  const nodeBytes = vector + vectorBytes;
  return { nodeBytes, children, vector, vectorBytes, K: (nodeBytes - children) / 4 };
}

// Hamming: Annoy numbers a split's bit MSB-first within each u64 word (bit b is word b / 64, bit 63 - b % 64) while
// it packs vectors LSB-first, as we do; our split stores the LSB-first index. The map is its own inverse.
const flipBit = (b: number) => 64 * Math.floor(b / 64) + 63 - (b % 64);

/** A checked Annoy file, ready to be written into memory in our layout. */
export interface AnnoyImport {
  header: Header;
  /** Writes the whole file (header without checksum, sections) into `dest` (zeroed, header.fileBytes long, 4-aligned). */
  fill(dest: Uint8Array): void;
}

/** Reads an Annoy file of `dimensions`-d `metric` nodes; throws CORRUPT_INDEX saying what to check. */
export function readAnnoy(bytes: Uint8Array, dimensions: number, metric: Metric): AnnoyImport {
  const what = `${dimensions}-d ${metric}`;
  const SIZES = 'check dimensions and metric (hamming dimensions count bits)';
  const corrupt = (problem: string, hint = `${SIZES}, or the file is damaged`) =>
    new AnnoyError('CORRUPT_INDEX', `not a valid Annoy index of ${what} nodes: ${problem}: ${hint}`);
  const g = annoyGeometry(metric, dimensions);
  const s = g.nodeBytes, K = g.K;
  if (bytes.length === 0) throw corrupt('the file is empty (Annoy refuses it too)', 'an index saved with no trees has no nodes');
  if (bytes.length % s !== 0) throw corrupt(`${bytes.length} bytes is not a whole number of ${s}-byte nodes`, SIZES);
  const n = bytes.length / s;
  if (n > 2 ** 31 - 1) throw corrupt(`${n} nodes is more than Annoy's int32 node ids address`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nd = (i: number) => dv.getInt32(i * s, true);
  const child = (i: number, j: number) => dv.getInt32(i * s + g.children + 4 * j, true);

  // Annoy's load(): the roots are the run of trailing nodes whose n_descendants equal the last node's, which is
  // n_items; when the run also took the last tree's original root (just before the copies), it drops that one.
  const m = nd(n - 1);
  let roots: number[] = [n - 1];
  for (let i = n - 2; i >= 0 && nd(i) === m; i--) roots.push(i);
  const run = roots.length;
  if (run > 1 && child(roots[0], 0) === child(roots[run - 1], 0)) roots.pop();
  if (m < 0 || m > n) throw corrupt(`the last node says there are ${m} items, but the file holds ${n} nodes`);
  if (m === 0) {
    // Annoy's empty index: every node is an empty root bucket (Annoy reports 2 * trees - 1 of them).
    if (run !== n) throw corrupt(`the last node says there are no items, but node ${n - run - 1} has ${nd(n - run - 1)} descendants`);
    return emptyImport(metric, dimensions);
  }

  let count = 0;
  for (let i = 0; i < m; i++) {
    const d = nd(i);
    if (d === 1) count++;
    else if (d !== 0) throw corrupt(`node ${i} should be an item (the file has ${m} items) but has ${d} descendants`);
  }
  if (nd(m - 1) !== 1) throw corrupt(`item ${m - 1} is a hole, but the last item of an index is never one`);

  // Fewer items than a bucket holds (Annoy issue #463): every tree is one root bucket, and Annoy's root scan takes
  // originals and copies alike (2 * trees - 1 roots). The copies are the trees.
  if (m <= K && n - m >= 2 && (n - m) % 2 === 0) {
    let buckets = true;
    for (let i = m; i < n && buckets; i++) buckets = nd(i) === m;
    if (buckets) {
      const q = (n - m) / 2;
      if (!sameBytes(bytes, m * s, (m + q) * s, q * s)) throw corrupt('the copies of the roots at the end of the file differ from the roots', 'the file is damaged');
      roots = roots.slice(0, q);
    }
  }

  // Walk every tree from its root: check each node once, and number the nodes (see the top of this file).
  const isRoot = new Uint8Array(n);
  for (const r of roots) isRoot[r] = 1;
  const reached = new Uint8Array(n);
  const annoyIdOf: number[] = []; // our node index -> Annoy node id (an item slot id: an empty leaf for a hole)
  const indexOf = new Int32Array(n).fill(-1);
  const refs = new Map<number, [number, number]>(); // our node index of a split -> its two child refs
  const childCount = (c: number) => (c < m ? 1 : nd(c));
  const planeSquares = (x: number) => {
    let sq = 0;
    for (let j = 0; j < dimensions; j++) sq += dv.getFloat32(x * s + g.vector + 4 * j, true) ** 2;
    return sq;
  };
  const refOf = (c: number): number => {
    if (c >= m) return indexOf[c];
    if (nd(c) === 1) return ~c;
    annoyIdOf.push(c); // a split child that is a hole: Annoy reads it as an empty bucket
    return annoyIdOf.length - 1;
  };
  // One present item under each node: a split must send it to the side it is stored on (Annoy's build put every
  // item with a positive margin under child 1), which a file read with the wrong dimensions or metric fails.
  const sample = new Int32Array(n).fill(-1);
  const sampleOf = (c: number) => (c < m ? (nd(c) === 1 ? c : -1) : sample[c]);
  const margin = (x: number, item: number): [number, number] => {
    let dot = 0, scale = 0;
    for (let j = 0; j < dimensions; j++) {
      const p = dv.getFloat32(x * s + g.vector + 4 * j, true), v = dv.getFloat32(item * s + g.vector + 4 * j, true);
      dot += p * v;
      scale += Math.abs(p * v);
    }
    if (metric === 'euclidean' || metric === 'manhattan') {
      const a = dv.getFloat32(x * s + MINKOWSKI_A, true);
      return [a + dot, scale + Math.abs(a)];
    }
    if (metric === 'dot') {
      const extra = dv.getFloat32(x * s + DOT_FACTOR, true) * dv.getFloat32(item * s + DOT_FACTOR, true);
      return [dot + extra, scale + Math.abs(extra)];
    }
    return [dot, scale];
  };
  const routes = (x: number, side: number, item: number): boolean => {
    if (metric === 'hamming') {
      const b = flipBit(dv.getUint32(x * s + g.vector, true));
      return ((dv.getUint32(item * s + g.vector + 4 * (b >>> 5), true) >>> (b & 31)) & 1) === side;
    }
    const [value, scale] = margin(x, item);
    return (side === 1 ? value : -value) >= -1e-3 * scale; // 0 goes either way; allow for rounding
  };
  const number = (x: number) => {
    if (nd(x) > K) {
      const a0 = child(x, 0), a1 = child(x, 1);
      // When no plane split its items, Annoy zeroes the plane (hamming: tests bit 0) and deals them out at random.
      const planeIsZero = metric === 'hamming' ? dv.getUint32(x * s + g.vector, true) === 0 : planeSquares(x) === 0;
      [a0, a1].forEach((c, side) => {
        const item = sampleOf(c);
        if (item >= 0 && !planeIsZero && !routes(x, side, item)) throw corrupt(`the split at node ${x} does not send item ${item} to the side it is stored on`);
      });
      sample[x] = sampleOf(a0) >= 0 ? sampleOf(a0) : sampleOf(a1);
      const c0 = refOf(a0), c1 = refOf(a1);
      refs.set(annoyIdOf.length, [c0, c1]);
    } else {
      for (let j = 0; j < nd(x) && sample[x] < 0; j++) if (nd(child(x, j)) === 1) sample[x] = child(x, j);
    }
    indexOf[x] = annoyIdOf.length;
    annoyIdOf.push(x);
  };
  const enter = (x: number, root: boolean): number[] => {
    const d = nd(x);
    if (d < 0) throw corrupt(`node ${x} has ${d} descendants`);
    if (d <= K) {
      for (let j = 0; j < d; j++) {
        const id = child(x, j);
        if (id < 0 || id >= m) throw corrupt(`the bucket at node ${x} lists id ${id}, but the file has ${m} items`);
      }
      return [];
    }
    const c0 = child(x, 0), c1 = child(x, 1);
    for (const c of [c0, c1]) {
      if (c < 0 || c >= n) throw corrupt(`node ${x} has child ${c}, outside the file's ${n} nodes`);
      if (c >= m && (reached[c] || isRoot[c])) throw corrupt(`node ${c} is reached twice (again from node ${x})`);
    }
    const sum = childCount(c0) + childCount(c1);
    if (root ? sum > m : sum !== d) throw corrupt(`node ${x} says it has ${d} descendants but its children hold ${sum}`);
    if (metric === 'hamming') {
      const lo = dv.getUint32(x * s + g.vector, true), hi = dv.getUint32(x * s + g.vector + 4, true);
      if (hi !== 0 || lo >= 8 * g.vectorBytes) throw corrupt(`the split at node ${x} tests bit ${hi * 2 ** 32 + lo}, past the ${8 * g.vectorBytes} bits of a vector`);
    } else {
      // Annoy normalises every plane (dot: together with its extra component), or zeroes it when no plane splits
      // the items: a plane of another length means the nodes are read with the wrong dimensions or metric.
      const sq = planeSquares(x);
      const length = metric === 'dot' ? sq + dv.getFloat32(x * s + DOT_FACTOR, true) ** 2 : sq;
      if (!(Math.abs(length - 1) <= 0.01 || sq === 0)) throw corrupt(`the split at node ${x} has a plane of squared length ${length}, not 1`);
    }
    const next: number[] = [];
    for (const c of c0 <= c1 ? [c0, c1] : [c1, c0]) if (c >= m) { reached[c] = 1; next.push(c); }
    return next;
  };
  const ascending = [...roots].sort((a, b) => a - b);
  for (const r of ascending) {
    if (r < m) continue; // an item as a root (a one-item index): no tree node
    // Depth-first, post-order, smaller child first; a root is numbered after every tree (below).
    const stack: number[] = [];
    for (const c of enter(r, true).reverse()) stack.push(c);
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x < 0) { number(~x); continue; }
      stack.push(~x);
      for (const c of enter(x, false).reverse()) stack.push(c);
    }
  }
  for (const r of ascending) if (r >= m) number(r);
  for (const r of roots) if (r >= m && nd(r) > K) checkRootCopy(r);

  // A root is a copy of its tree's original root, which Annoy leaves in place: they must agree. The original
  // follows its children (post-order), precedes them (old pre-order files), or, when every tree is a single
  // node, sits one tree count before the copy; a file written without copies has its roots in place.
  function checkRootCopy(r: number) {
    const c0 = child(r, 0), c1 = child(r, 1);
    const candidates = [Math.max(c0, c1) + 1, Math.min(c0, c1) - 1, r - roots.length];
    if (candidates.includes(r)) return;
    for (const o of candidates) if (o >= m && o < n && sameBytes(bytes, o * s, r * s, s)) return;
    throw corrupt(`the root copy at node ${r} matches no original root (tried nodes ${candidates.join(', ')})`, 'the file is damaged');
  }

  const stride = strideFor(metric, dimensions);
  const header: Header = {
    metric, dimensions, stride, size: m, count, trees: roots.length, nodeCount: annoyIdOf.length,
    nodeBytes: nodeBytesFor(stride, K), leafCapacity: K, seed: 0, checksum: 0n, ...noSections(),
  };
  const sections = sectionsFor(header);

  return {
    header,
    fill(dest: Uint8Array) {
      const out = new DataView(dest.buffer, dest.byteOffset, dest.byteLength);
      const f32 = new Float32Array(dest.buffer, dest.byteOffset, dest.byteLength >>> 2);
      const present = new Uint32Array(dest.buffer, dest.byteOffset + sections.presentOffset, sections.presentBytes >>> 2);
      let looksLikeDot = metric === 'angular' && dimensions >= 3;
      for (let i = 0; i < m; i++) {
        if (nd(i) !== 1) continue;
        // A dot file read as angular with 3 more dimensions fits every check above (its splits route alike), but
        // its items then have norm 0 and Annoy's "built" flag, the bits 0x00000001, as their third coordinate.
        looksLikeDot &&= dv.getUint32(i * s + ANGULAR_NORM, true) === 0 && dv.getUint32(i * s + g.vector + 8, true) === 1;
        present[i >>> 5] |= 1 << (i & 31);
        const at = sections.vectorsOffset + i * stride;
        dest.set(bytes.subarray(i * s + g.vector, i * s + g.vector + g.vectorBytes), at);
        if (metric === 'angular') {
          // Annoy ranks by the stored norm when it is not 0 (old files store 0); we compute it, so they must agree.
          const norm = dv.getFloat32(i * s + ANGULAR_NORM, true);
          if (norm !== 0) {
            let sq = 0;
            for (let j = at >>> 2, end = j + dimensions; j < end; j++) sq = Math.fround(sq + Math.fround(f32[j] * f32[j]));
            if (!(Math.abs(norm - sq) <= 1e-3 * Math.max(Math.abs(norm), sq) + 1e-30)) {
              throw corrupt(`item ${i} stores the squared norm ${norm} but its vector's is ${sq}`);
            }
          }
        } else if (metric === 'dot' && bytes[i * s + DOT_BUILT] !== 1) {
          throw corrupt(`item ${i}'s "built" flag is ${bytes[i * s + DOT_BUILT]}, not 1 (dot files of Annoy >= 1.17.3 set it; older ones have a different node layout)`);
        }
      }
      if (looksLikeDot) throw corrupt('every item has norm 0 and the bits of a "built" flag in coordinate 2: these look like dot nodes', 'check dimensions and metric');
      for (let k = 0; k < annoyIdOf.length; k++) {
        const a = annoyIdOf[k];
        const at = sections.nodesOffset + k * header.nodeBytes;
        if (a < m) continue; // an empty leaf: count 0
        const d = nd(a);
        if (d <= K) {
          out.setUint32(at, d, true);
          dest.set(bytes.subarray(a * s + g.children, a * s + g.children + 4 * d), at + NODE_LEAF_IDS);
          continue;
        }
        const [c0, c1] = refs.get(k)!;
        out.setUint32(at + NODE.TAG, SPLIT_TAG, true);
        out.setInt32(at + NODE.CHILD0, c0, true);
        out.setInt32(at + NODE.CHILD1, c1, true);
        if (metric === 'hamming') out.setUint32(at + NODE.OFFSET, flipBit(dv.getUint32(a * s + g.vector, true)), true);
        else {
          if (metric === 'euclidean' || metric === 'manhattan') out.setFloat32(at + NODE.OFFSET, dv.getFloat32(a * s + MINKOWSKI_A, true), true);
          if (metric === 'dot') out.setFloat32(at + NODE.OFFSET, dv.getFloat32(a * s + DOT_FACTOR, true), true);
          dest.set(bytes.subarray(a * s + g.vector, a * s + g.vector + g.vectorBytes), at + NODE_PLANE);
        }
      }
      roots.forEach((r, t) => out.setInt32(sections.rootsOffset + 4 * t, r < m ? ~r : indexOf[r], true));
    },
  };
}

function emptyImport(metric: Metric, dimensions: number): AnnoyImport {
  const stride = strideFor(metric, dimensions);
  const K = annoyGeometry(metric, dimensions).K;
  const header: Header = {
    metric, dimensions, stride, size: 0, count: 0, trees: 0, nodeCount: 0,
    nodeBytes: nodeBytesFor(stride, K), leafCapacity: K, seed: 0, checksum: 0n, ...noSections(),
  };
  return { header, fill() {} };
}

function sameBytes(b: Uint8Array, x: number, y: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/**
 * Our file (a validated index) as an Annoy file: item slots, then each tree's nodes in post-order with its root
 * last, then a copy of every root in the order of their node indices, so that Annoy, which ranks ties by node id,
 * pops them in our order. Throws INVALID_STATE for the rare index Annoy's layout cannot express.
 */
export function writeAnnoy(file: Uint8Array): Uint8Array {
  const h = readHeader(file.subarray(0, HEADER_BYTES), file.length);
  const sec = sectionsFor(h);
  const { metric, dimensions, stride } = h;
  const g = annoyGeometry(metric, dimensions);
  const s = g.nodeBytes, K = g.K, m = h.size;
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const node = (k: number) => sec.nodesOffset + k * h.nodeBytes;
  const tag = (k: number) => dv.getUint32(node(k) + NODE.TAG, true);
  const isSplit = (k: number) => tag(k) === SPLIT_TAG;
  const kid = (k: number, j: number) => dv.getInt32(node(k) + (j === 0 ? NODE.CHILD0 : NODE.CHILD1), true);
  const refuse = (why: string) => new AnnoyError('INVALID_STATE', `this index cannot be written as an Annoy file: ${why}`);

  if (h.count === 0) return new Uint8Array(2 * s); // one empty root bucket and its copy: Annoy loads an empty index

  // Which tree each node belongs to, and how many ids each subtree holds (Annoy's n_descendants). Children
  // precede their parents (the loader checks it), so one pass down the node indices reaches every node from its
  // parent, and one pass up counts.
  const rootRefs = Array.from({ length: h.trees }, (_, t) => dv.getInt32(sec.rootsOffset + 4 * t, true));
  const treeOf = new Int32Array(h.nodeCount).fill(-1);
  rootRefs.forEach((r, t) => { if (r >= 0) treeOf[r] = t; });
  for (let k = h.nodeCount - 1; k >= 0; k--) {
    if (treeOf[k] < 0 || !isSplit(k)) continue;
    for (let j = 0; j < 2; j++) if (kid(k, j) >= 0) treeOf[kid(k, j)] = treeOf[k];
  }
  const sizeOf = new Float64Array(h.nodeCount);
  const refSize = (r: number) => (r < 0 ? 1 : sizeOf[r]);
  for (let k = 0; k < h.nodeCount; k++) {
    if (treeOf[k] < 0) continue;
    sizeOf[k] = isSplit(k) ? refSize(kid(k, 0)) + refSize(kid(k, 1)) : tag(k);
    const isRoot = rootRefs[treeOf[k]] === k;
    if (isSplit(k) ? (isRoot ? m <= K : sizeOf[k] <= K) : tag(k) > K) {
      throw refuse(`node ${k} ${isSplit(k) ? 'splits' : 'lists'} ${sizeOf[k]} ids, but Annoy reads a node of at most ${K} descendants as a bucket (an index built by an older annoy-wasm? build it again)`);
    }
  }

  // The Annoy nodes, tree by tree (trees in the order of their roots' node indices). A root that is a leaf (or an
  // item) becomes a root bucket of n_descendants = n_items when that fits (Annoy's own layout for small indexes),
  // else a split with a zero plane over an empty bucket and the bucket: both children get the same priority, and
  // whichever Annoy pops first, its first bucket yields every id at once, as our root leaf does.
  type Out = { kind: 'node'; k: number; root: boolean } | { kind: 'bucket'; ids: number[]; n: number } | { kind: 'zeroSplit'; c0: number; c1: number };
  const outs: Out[] = [];
  const annoyIdOfNode = new Int32Array(h.nodeCount);
  const order = rootRefs.map((r, t) => t).sort((a, b) => orderKey(rootRefs[a]) - orderKey(rootRefs[b]));
  function orderKey(r: number) { return r >= 0 ? r : h.nodeCount - r; } // item roots after node roots, as we pop them
  const members: number[][] = rootRefs.map(() => []);
  for (let k = 0; k < h.nodeCount; k++) if (treeOf[k] >= 0 && rootRefs[treeOf[k]] !== k) members[treeOf[k]].push(k);
  const copies: number[] = [];
  for (const t of order) {
    for (const k of members[t]) { annoyIdOfNode[k] = m + outs.length; outs.push({ kind: 'node', k, root: false }); }
    const r = rootRefs[t];
    if (r >= 0 && isSplit(r)) {
      annoyIdOfNode[r] = m + outs.length; outs.push({ kind: 'node', k: r, root: true });
    } else {
      const ids = r < 0 ? [~r] : Array.from({ length: tag(r) }, (_, i) => dv.getUint32(node(r) + NODE_LEAF_IDS + 4 * i, true));
      if (m <= K) outs.push({ kind: 'bucket', ids, n: m });
      else {
        outs.push({ kind: 'bucket', ids: [], n: 0 }, { kind: 'bucket', ids, n: ids.length });
        outs.push({ kind: 'zeroSplit', c0: m + outs.length - 2, c1: m + outs.length - 1 });
      }
    }
    copies.push(outs.length - 1);
  }
  const total = m + outs.length + copies.length;
  if (total * s > 2 ** 32) throw refuse(`it would take ${total * s} bytes`);

  const out = new Uint8Array(total * s);
  const o = new DataView(out.buffer);
  const f32 = new Float32Array(file.buffer, file.byteOffset, file.byteLength >>> 2);

  // Item slots. Annoy stores an angular item's |v|^2 and, for dot, the extra coordinate of its build transform.
  let maxNorm = 0;
  const squaredNorm = (i: number) => {
    let sq = 0;
    for (let j = (sec.vectorsOffset + i * stride) >>> 2, end = j + dimensions; j < end; j++) sq = Math.fround(sq + Math.fround(f32[j] * f32[j]));
    return sq;
  };
  const isPresent = (i: number) => ((dv.getUint32(sec.presentOffset + 4 * (i >>> 5), true) >>> (i & 31)) & 1) === 1;
  if (metric === 'dot') for (let i = 0; i < m; i++) if (isPresent(i)) maxNorm = Math.max(maxNorm, Math.fround(Math.sqrt(squaredNorm(i))));
  const M2 = Math.fround(maxNorm * maxNorm);
  for (let i = 0; i < m; i++) {
    const at = i * s;
    const present = isPresent(i);
    if (metric === 'dot') {
      // holes too, as Annoy's build leaves them
      const n2 = present ? Math.fround(Math.fround(Math.sqrt(squaredNorm(i))) ** 2) : 0;
      const gap = Math.fround(M2 - n2);
      o.setFloat32(at + DOT_FACTOR, gap < 0 ? 0 : Math.fround(Math.sqrt(gap)), true);
      o.setFloat32(at + DOT_NORM, M2, true);
      out[at + DOT_BUILT] = 1;
    }
    if (!present) continue;
    o.setInt32(at, 1, true);
    if (metric === 'angular') o.setFloat32(at + ANGULAR_NORM, squaredNorm(i), true);
    out.set(file.subarray(sec.vectorsOffset + i * stride, sec.vectorsOffset + i * stride + g.vectorBytes), at + g.vector);
  }

  // Tree nodes, then the root copies.
  const annoyRef = (r: number) => (r < 0 ? ~r : annoyIdOfNode[r]);
  outs.forEach((x, j) => {
    const at = (m + j) * s;
    if (x.kind === 'bucket') {
      o.setInt32(at, x.n, true);
      x.ids.forEach((id, i) => o.setInt32(at + g.children + 4 * i, id, true));
    } else if (x.kind === 'zeroSplit') {
      o.setInt32(at, m, true);
      o.setInt32(at + g.children, x.c0, true);
      o.setInt32(at + g.children + 4, x.c1, true);
    } else if (!isSplit(x.k)) {
      o.setInt32(at, tag(x.k), true);
      out.set(file.subarray(node(x.k) + NODE_LEAF_IDS, node(x.k) + NODE_LEAF_IDS + 4 * tag(x.k)), at + g.children);
    } else {
      const k = x.k;
      o.setInt32(at, x.root ? m : sizeOf[k], true);
      o.setInt32(at + g.children, annoyRef(kid(k, 0)), true);
      o.setInt32(at + g.children + 4, annoyRef(kid(k, 1)), true);
      if (metric === 'hamming') o.setUint32(at + g.vector, flipBit(dv.getUint32(node(k) + NODE.OFFSET, true)), true);
      else {
        if (metric === 'euclidean' || metric === 'manhattan') o.setFloat32(at + MINKOWSKI_A, dv.getFloat32(node(k) + NODE.OFFSET, true), true);
        if (metric === 'dot') o.setFloat32(at + DOT_FACTOR, dv.getFloat32(node(k) + NODE.OFFSET, true), true);
        out.set(file.subarray(node(k) + NODE_PLANE, node(k) + NODE_PLANE + g.vectorBytes), at + g.vector);
      }
    }
  });
  copies.forEach((j, t) => out.copyWithin((m + outs.length + t) * s, (m + j) * s, (m + j + 1) * s));
  return out;
}
