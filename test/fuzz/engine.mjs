// The loader fuzz, for both loaders: this library's files and Annoy's .ann files. Plain JavaScript so that both
// the seeded vitest run (test/fuzz.test.ts, on src/) and the long campaign (`npm run fuzz -- --seconds N`, on dist/)
// drive the same code.
//
// Each case damages a valid file (bit flips, truncation at and between section or node boundaries, fields set to
// 0, -1, 2^31, 2^53 and friends, lengths past the file, child ids pointing forward or out of range, random bytes,
// appended bytes) and requires one of two outcomes: the file loads and answers from valid structure (ids below
// size and not holes, finite distances, at most k hits), or it throws an AnnoyError with CORRUPT_INDEX,
// UNSUPPORTED_VERSION or CAPACITY. Anything else is a finding: a wasm trap (RuntimeError), a RangeError, another
// exception, a case slower than `slowMs` (a hang in the making), or wasm memory grown past what the file's size
// allows (an allocation sized by a field that was not checked first).
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
  const rng = seedrandom('fuzz-bases');
  const vector = (metric, dims) => Array.from({ length: dims }, () => (metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 2 - 1));
  const shapes = [
    ['angular', 5, 120, 3], ['euclidean', 7, 90, 2], ['manhattan', 4, 70, 2], ['dot', 3, 60, 2], ['hamming', 70, 90, 2],
    ['angular', 6, 4, 3], ['dot', 4, 1, 2], ['hamming', 64, 3, 2], // fewer items than a leaf holds
    ['euclidean', 20, 80, 2, 'int8'], ['dot', 17, 40, 2, 'int8'], // with screening codes
  ];
  for (const [metric, dims, n, trees, screening = 'none'] of shapes) {
    const b = new IndexBuilder({ dimensions: dims, metric, seed: 1, screening });
    for (let i = 0; i < n; i++) if (n < 10 || i % 11 !== 4) b.add(i + (n < 10 ? 2 : 0), vector(metric, dims)); // holes
    const index = b.build({ trees });
    ours.push({ name: `ours ${metric} ${n}${screening === 'int8' ? ' int8' : ''}`, bytes: index.toBytes() });
    annoy.push({ name: `annoy ${metric} ${n}`, bytes: index.toAnnoyBytes(), dimensions: dims, metric });
    index.free();
  }
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
      else at = pick([HEADER_BYTES, 0, 8, bad.length - 16, int(bad.length), ...[H.VECTORS_OFFSET, H.PRESENT_OFFSET, H.NODES_OFFSET, H.ROOTS_OFFSET, H.CODES_OFFSET].map((o) => Number(dv().getBigUint64(o, true)))]);
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
        setField(field, field === H.SEED || (field >= H.VECTORS_OFFSET && field <= H.CODES_BYTES)); // the u64 fields
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
        const nodesOffset = Number(dv().getBigUint64(88, true)), nodeBytes = dv().getUint32(40, true), count = dv().getUint32(36, true);
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

function reseal(bytes, checksum, { H, HEADER_BYTES }) {
  if (bytes.length < HEADER_BYTES || !checksum) return;
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(H.CHECKSUM, checksum(bytes), true);
}

/** Loads one damaged file and queries it; returns the outcome or throws a finding. */
function tryCase(lib, rng, base, bytes) {
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
    const check = (r) => {
      if (r.ids.length > k) throw new Error(`${r.ids.length} hits for k = ${k}`);
      const seen = new Set();
      r.ids.forEach((id, i) => {
        if (id >= index.size) throw new Error(`id ${id} past size ${index.size}`);
        if (seen.has(id)) throw new Error(`id ${id} twice`);
        seen.add(id);
        index.getItem(id); // throws INVALID_ID for a hole
        // stored and query vectors have finite squared norms, so only a euclidean distance can overflow (to +Infinity)
        const d = r.distances[i];
        if (Number.isNaN(d) || d === -Infinity || (d === Infinity && index.metric !== 'euclidean')) throw new Error(`distance ${d}`);
      });
    };
    for (let q = 0; q < 2; q++) {
      const v = Array.from({ length: index.dimensions }, () => (index.metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 4 - 2));
      check(index.search(v, k, { searchK: 1 + Math.floor(rng() * 500) }));
      check(index.search(v, k));
    }
    if (index.count > 0) {
      for (let id = 0; id < index.size; id++) {
        try { check(index.searchItem(id, k)); break; } catch (e) { if (!(e instanceof AnnoyError && e.code === 'INVALID_ID')) throw e; }
      }
    }
    return 'loaded';
  } finally {
    index.free();
  }
}

/**
 * Runs cases until `cases` are done or `seconds` have passed. Returns { cases, outcomes, findings, slowest };
 * with `stopOnFinding`, returns at the first finding.
 */
export function runFuzz(lib, { seed = 'annoy-wasm fuzz', cases = Infinity, seconds = Infinity, bases, checksum, layout, slowMs = 2000, stopOnFinding = false, onProgress } = {}) {
  const rng = seedrandom(seed);
  const all = [...bases.ours, ...bases.annoy];
  const outcomes = {};
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
      const kind = Math.floor(rng() * 6);
      const { bytes, label } = damage(rng, base, kind, checksum, layout);
      const t0 = performance.now();
      grownTo = 0;
      let outcome;
      try {
        outcome = tryCase(lib, rng, base, bytes);
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
      if (onProgress && c % 1000 === 999) onProgress({ cases: c + 1, outcomes, findings: findings.length, seconds: (performance.now() - started) / 1000 });
      if (stopOnFinding && findings.length > 0) { c++; break; }
    }
  } finally {
    WebAssembly.Memory.prototype.grow = grow;
  }
  return { cases: c, seconds: (performance.now() - started) / 1000, outcomes, findings, slowest };
}

export { METRICS };
