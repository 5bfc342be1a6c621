// npm run bench:filter -- filtered search on glove-100 (340k x 100, angular; an index of 50 trees built once and
// kept in the system's temporary directory):
//   1. recall@10 of filtered queries against exact brute force over the allowed items, with random allow-lists of
//      50%, 10%, 1% and 0.1% of the items, beside the unfiltered recall (against the data set's ground truth) at
//      the same searchK; and the share of results that were allowed (must be 100%);
//   2. q/s at a 10% allow-list against unfiltered q/s at the same searchK, interleaved (A, B, A, B; best of each).
// Writes bench/results/filter-<stamp>.json.
// GRAPH=1: the same on a graph index of glove-100 (degree 32, built once into the temporary directory) at the same
// ef: recall as the scan rule answers and with the walk forced, and q/s at a 10% allow-list against unfiltered at
// matched recall, interleaved (bench/results/filter-graph-<stamp>.json).
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import seedrandom from 'seedrandom';
import { loadDataset } from './datasets.mjs';
import { Index, IndexBuilder } from '../dist/esm/index.js';
import { setScanRatio, SCAN_RATIO, scanPays, walkCost } from '../dist/esm/filter/id-filter.js';
import { loadFileSync } from '../dist/esm/load/file.js';
import { PRIVATE } from '../dist/esm/index/image.js';

const here = dirname(fileURLToPath(import.meta.url));
const TREES = 50, K = 10, QUERIES = Number(process.env.QUERIES ?? 300);
const GRAPH = Boolean(process.env.GRAPH);
const file = join(tmpdir(), GRAPH ? 'annoy-wasm-glove-100-graph.annoy' : `annoy-wasm-glove-100-${TREES}trees.annoy`);
const ds = await loadDataset('glove-100-angular');
const D = ds.dimensions, N = ds.nTrain;
if (!existsSync(file)) {
  const t = performance.now();
  const builder = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 42, graph: GRAPH });
  const index = await builder.addBatch(ds.train).buildAsync(GRAPH ? { jobs: 2 } : { trees: TREES, jobs: 2 });
  index.saveSync(file);
  console.log(`built ${file} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const index = Index.openSync(file);
const queries = ds.queries.subarray(0, QUERIES * D);
const query = (q) => queries.subarray(q * D, (q + 1) * D);

// Exact top k over the allowed ids, in float64 (angular: the largest cosine).
const norms = new Float64Array(N);
for (let i = 0; i < N; i++) { let s = 0; for (let j = 0; j < D; j++) s += ds.train[i * D + j] ** 2; norms[i] = Math.sqrt(s); }
function exactTop(q, ids) {
  const best = [];
  let qn = 0; for (let j = 0; j < D; j++) qn += q[j] ** 2; qn = Math.sqrt(qn);
  for (const id of ids) {
    let s = 0; const o = id * D;
    for (let j = 0; j < D; j++) s += q[j] * ds.train[o + j];
    const d = 2 - 2 * s / (qn * norms[id] || 1);
    if (best.length < K || d < best[best.length - 1][0]) {
      best.push([d, id]);
      best.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      if (best.length > K) best.pop();
    }
  }
  return best.map((b) => b[1]);
}
const recallOf = (got, want) => want.filter((id) => got.includes(id)).length / want.length;

const rng = seedrandom('filter-bench');
const stamp = () => new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
const gt = (q) => [...ds.groundTruth.subarray(q * 100, q * 100 + K)];
const randomIds = (fraction) => { const ids = []; for (let i = 0; i < N; i++) if (rng() < fraction) ids.push(i); return ids; };
const timeOf = (opts) => { const t = performance.now(); for (let q = 0; q < QUERIES; q++) index.search(query(q), K, opts); return QUERIES / ((performance.now() - t) / 1000); };
const recallAt = (opts, want) => { let r = 0; for (let q = 0; q < QUERIES; q++) r += recallOf([...index.search(query(q), K, opts).ids], want(q)); return r / QUERIES; };

if (GRAPH) {
  const EFS = (process.env.EFS ?? '10,40,160').split(',').map(Number);
  const image = loadFileSync(file, PRIVATE); // the scan rule's view of the index (ruleScans below)
  const out = { cpu: cpus()[0].model, graph: index.graph, k: K, queries: QUERIES, items: N, recall: [], matched: [] };
  const unfiltered = {};
  for (const ef of EFS) unfiltered[ef] = recallAt({ ef }, gt);
  console.log(JSON.stringify({ unfiltered }));
  let tenPercent = null;
  // SPEED_ONLY=1: only the 10% allow-list, for the q/s comparison below (the same random lists either way).
  for (const fraction of [0.5, 0.1, 0.01, 0.001]) {
    const ids = randomIds(fraction);
    const allowed = new Set(ids);
    if (process.env.SPEED_ONLY && fraction !== 0.1) continue;
    const filter = index.createFilter({ allow: ids });
    const truth = Array.from({ length: QUERIES }, (_, q) => exactTop(query(q), ids));
    for (const ef of process.env.SPEED_ONLY ? [] : EFS) {
      const row = { fraction, allowed: ids.length, ef, unfilteredRecall: +unfiltered[ef].toFixed(3) };
      for (const [name, ratio] of [['rule', SCAN_RATIO], ['walk', 0]]) {
        setScanRatio(ratio);
        let r = 0, ok = 0, total = 0;
        for (let q = 0; q < QUERIES; q++) {
          const got = [...index.search(query(q), K, { ef, filter }).ids];
          r += recallOf(got, truth[q]);
          ok += got.filter((id) => allowed.has(id)).length;
          total += got.length;
        }
        row[name] = { recall: +(r / QUERIES).toFixed(3), allowedShare: ok / total };
      }
      setScanRatio(SCAN_RATIO);
      row.ruleScans = scanPays(ids.length, walkCost(image, { searchK: 8, ef }, ids.length));
      out.recall.push(row);
      console.log(JSON.stringify(row));
    }
    if (fraction === 0.1) tenPercent = { ids, filter, truth };
    else filter.free();
  }
  // q/s at 10% against unfiltered at matched recall: every point A, B, A, B (best of 4), in this one process.
  const { filter, truth } = tenPercent;
  const FEFS = (process.env.FEFS ?? '10,20,40,80').split(',').map(Number);
  const UEFS = (process.env.UEFS ?? '10,20,40,80,160,320').split(',').map(Number);
  const rows = [
    ...FEFS.map((ef) => ({ name: 'filtered 10% walk', ef, opts: { ef, filter }, ratio: 0, want: (q) => truth[q] })),
    { name: 'filtered 10% scan', ef: 10, opts: { ef: 10, filter }, ratio: Infinity, want: (q) => truth[q] },
    { name: 'filtered 10% walk', ef: 160, opts: { ef: 160, filter }, ratio: 0, want: (q) => truth[q] },
    { name: 'filtered 10% as the rule answers', ef: 160, opts: { ef: 160, filter }, ratio: SCAN_RATIO, want: (q) => truth[q] },
    ...UEFS.map((ef) => ({ name: 'unfiltered', ef, opts: { ef }, ratio: SCAN_RATIO, want: gt })),
  ];
  for (const row of rows) { setScanRatio(row.ratio); row.recall = +recallAt(row.opts, row.want).toFixed(3); row.qps = 0; }
  for (let round = 0; round < 4; round++) for (const row of rows) { setScanRatio(row.ratio); row.qps = Math.max(row.qps, Math.round(timeOf(row.opts))); }
  setScanRatio(SCAN_RATIO);
  out.matched = rows.map(({ name, ef, recall, qps }) => ({ name, ef, recall, qps }));
  for (const r of out.matched) console.log(JSON.stringify(r));
  mkdirSync(join(here, 'results'), { recursive: true });
  const path = join(here, 'results', `filter-graph-${stamp()}.json`);
  writeFileSync(path, JSON.stringify(out, null, 2));
  console.log(`wrote ${path}`);
  process.exit(0);
}
// MATCH=1: only the comparison at matched recall: a 10% allow-list at searchK 1,000 against unfiltered searchK
// 1,000 .. 4,000 (recall and q/s), interleaved.
if (process.env.MATCH) {
  const ids = [];
  for (let i = 0; i < N; i++) if (rng() < 0.1) ids.push(i);
  const filter = index.createFilter({ allow: ids });
  const truth = Array.from({ length: QUERIES }, (_, q) => exactTop(query(q), ids));
  const time = (opts) => { const t = performance.now(); for (let q = 0; q < QUERIES; q++) index.search(query(q), K, opts); return QUERIES / ((performance.now() - t) / 1000); };
  const recall = (opts, want) => { let r = 0; for (let q = 0; q < QUERIES; q++) r += recallOf([...index.search(query(q), K, opts).ids], want(q)); return r / QUERIES; };
  const gt = (q) => [...ds.groundTruth.subarray(q * 100, q * 100 + K)];
  const rows = [{ name: 'filtered 10%', opts: { searchK: 1000, filter }, want: (q) => truth[q] },
    ...[1000, 2000, 3000, 4000].map((searchK) => ({ name: 'unfiltered', opts: { searchK }, want: gt }))];
  for (const row of rows) { row.recall = +recall(row.opts, row.want).toFixed(3); row.qps = 0; }
  for (let round = 0; round < 4; round++) for (const row of rows) row.qps = Math.max(row.qps, Math.round(time(row.opts)));
  const out = rows.map(({ name, opts, recall, qps }) => ({ name, searchK: opts.searchK, recall, qps }));
  console.log(JSON.stringify(out));
  writeFileSync(join(here, 'results', `filter-matched-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`), JSON.stringify({ cpu: cpus()[0].model, rows: out }, null, 2));
  process.exit(0);
}
const results = { cpu: cpus()[0].model, trees: TREES, k: K, queries: QUERIES, items: N, recall: [], speed: [] };
const SEARCH_KS = [1000, 5000, 20000];
const unfiltered = {};
for (const searchK of SEARCH_KS) {
  let r = 0;
  for (let q = 0; q < QUERIES; q++) {
    const got = [...index.search(query(q), K, { searchK }).ids];
    r += recallOf(got, [...ds.groundTruth.subarray(q * 100, q * 100 + K)]);
  }
  unfiltered[searchK] = r / QUERIES;
}
for (const fraction of [0.5, 0.1, 0.01, 0.001]) {
  const ids = [];
  for (let i = 0; i < N; i++) if (rng() < fraction) ids.push(i);
  const allowed = new Set(ids);
  const filter = index.createFilter({ allow: ids });
  const truth = Array.from({ length: QUERIES }, (_, q) => exactTop(query(q), ids));
  for (const searchK of SEARCH_KS) {
    let r = 0, ok = 0, total = 0;
    for (let q = 0; q < QUERIES; q++) {
      const got = [...index.search(query(q), K, { searchK, filter }).ids];
      r += recallOf(got, truth[q]);
      ok += got.filter((id) => allowed.has(id)).length;
      total += got.length;
    }
    const row = { fraction, allowed: ids.length, searchK, scan: ids.length <= 2 * searchK, recall: r / QUERIES, unfilteredRecall: unfiltered[searchK], allowedShare: ok / total };
    results.recall.push(row);
    console.log(JSON.stringify(row));
  }
  if (fraction === 0.1 || fraction === 0.001) {
    for (const searchK of SEARCH_KS) {
      const time = (opts) => { const t = performance.now(); for (let q = 0; q < QUERIES; q++) index.search(query(q), K, opts); return QUERIES / ((performance.now() - t) / 1000); };
      let a = 0, b = 0;
      for (let round = 0; round < 4; round++) { a = Math.max(a, time({ searchK })); b = Math.max(b, time({ searchK, filter })); }
      const row = { fraction, searchK, unfilteredQps: Math.round(a), filteredQps: Math.round(b), ratio: +(b / a).toFixed(2) };
      results.speed.push(row);
      console.log(JSON.stringify(row));
    }
  }
  filter.free();
}
mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', `filter-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`);
writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`wrote ${out}`);
