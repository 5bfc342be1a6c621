// Where the stored nearest neighbours (a graph file's section 5) miss: for the sampled items of
// bench/lab/stored-neighbours.mjs, each true top-10 neighbour missing from the item's stored row, checked against
// the item's stored neighbours' stored neighbours, its graph's two hops and the neighbour's own stored row; then the
// stored rows merged with a walk's (searchItem at each ef) and the walk's alone.
//   node bench/lab/stored-misses.mjs <index file> [glove-100-angular] [rows=2000] [efs=16,32,64,96,128]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Index } from '../../dist/esm/index.js';
import { readHeaderFields, sectionsFor, bitsFor, SECTION, PARAM_NEAREST_COUNT, HEADER_BYTES } from '../../dist/esm/format/layout.js';
import { DEFAULT_CACHE_DIR } from '../datasets.mjs';
import { sampleOf } from './own-neighbours.mjs';

const args = process.argv.slice(2);
const [file, name = 'glove-100-angular'] = args.filter((a) => !a.includes('='));
const o = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=')));
const rows = Number(o.rows ?? 2000), k = 10;
const bytes = new Uint8Array(readFileSync(file));
const h = readHeaderFields(bytes.subarray(0, HEADER_BYTES)), s = sectionsFor(h), n = h.size;
const S = h.sectionParams[PARAM_NEAREST_COUNT], at = s.extra[SECTION.NEAREST].offset, bits = bitsFor(n), words = Math.ceil((S * bits) / 32);
const dv = new DataView(bytes.buffer, bytes.byteOffset);
const stored = (i) => {
  const r = [];
  for (let t = 0; t < S; t++) {
    const p = 32 * i * words + t * bits;
    const v = Number((dv.getBigUint64(at + 4 * (p >>> 5), true) >> BigInt(p & 31)) & BigInt(2 ** bits - 1));
    if (v === 2 ** bits - 1) break;
    r.push(v);
  }
  return r;
};
const degree = h.sectionParams[SECTION.PARAM_GRAPH_DEGREE], g = s.extra[SECTION.GRAPH].offset;
const graph = (i) => { const r = []; for (let t = 0; t < degree; t++) { const v = dv.getUint32(g + 4 * (i * degree + t), true); if (v === 0xFFFFFFFF) break; r.push(v); } return r; };
const truth = new Uint32Array(readFileSync(path.join(DEFAULT_CACHE_DIR, name, `own-gt-${n}-${rows}-${k}.u32`)).buffer.slice(0));
const sample = sampleOf(n, rows);
const index = Index.fromBytes(bytes);
const c = { missed: 0, closerThanRowsLast: 0, inStoredOfStored: 0, inGraphTwoHops: 0, itemInTheirStored: 0, byRank: Array(k).fill(0) };
for (let r = 0; r < rows; r++) {
  const i = sample[r], row = stored(i), last = index.distance(i, row[row.length - 1]);
  const nn2 = new Set(row.flatMap(stored)), g2 = new Set(graph(i).flatMap(graph));
  for (let t = 0; t < k; t++) {
    const j = truth[r * k + t];
    if (row.includes(j)) continue;
    c.missed++; c.byRank[t]++;
    if (index.distance(i, j) < last) c.closerThanRowsLast++;
    if (nn2.has(j)) c.inStoredOfStored++;
    if (g2.has(j)) c.inGraphTwoHops++;
    if (stored(j).includes(i)) c.itemInTheirStored++;
  }
}
console.log(`${file}: stored recall@${k} ${(1 - c.missed / (rows * k)).toFixed(4)}`, c);
const all = index.searchAll(k);
for (const ef of (o.efs ?? '16,32,64,96,128').split(',').map(Number)) {
  let walk = 0, merged = 0;
  const t0 = performance.now();
  for (let r = 0; r < rows; r++) {
    const i = sample[r], want = truth.subarray(r * k, (r + 1) * k);
    const w = [...index.searchItem(i, k + 1, { ef: Math.max(ef, k + 1) }).ids].filter((x) => x !== i).slice(0, k);
    const u = [...new Set([...all.row(i).ids, ...w])].map((j) => [index.distance(i, j), j]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k).map((x) => x[1]);
    for (const j of want) { if (w.includes(j)) walk++; if (u.includes(j)) merged++; }
  }
  console.log(`ef ${ef}: walk ${(walk / rows / k).toFixed(4)}, stored rows merged with the walk ${(merged / rows / k).toFixed(4)}, ${((performance.now() - t0) * 1000 / rows).toFixed(0)} us an item`);
}
