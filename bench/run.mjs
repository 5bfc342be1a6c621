// npm run bench: annoy-wasm on the real data sets of ../shared/DATA.md, next to exact brute force.
// For each data set and tree count: build time, file size, load time, then recall@10 and queries/s over a
// searchK grid. Results go to bench/results/<stamp>.json and .md (and bench/results/latest.*).
//
//   npm run bench [-- --datasets glove-100-angular,fashion-mnist-784-euclidean --trees 10,50 --queries 1000]
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { loadDataset, bruteForceTopK } from './datasets.mjs';
import { IndexBuilder, Index } from '../dist/esm/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'glove-100-angular,fashion-mnist-784-euclidean' },
    trees: { type: 'string' },
    'search-k': { type: 'string' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    out: { type: 'string', default: join(here, 'results') },
  },
});

// Per data set: the tree counts and searchK grid (the DATA.md reference points are in the grid).
const GRID = {
  'glove-100-angular': { trees: [10, 100], searchK: [1000, 5000, 10000, 20000, 50000] },
  'fashion-mnist-784-euclidean': { trees: [10, 50], searchK: [100, 500, 1000, 5000, 10000] },
};
const list = (s) => s.split(',').map((x) => Number(x.trim()));
const k = Number(args.k);
const mib = (b) => b / 2 ** 20;
const now = () => performance.now();

function recallAt(ids, counts, gt, gtK, nq) {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const truth = new Set(gt.subarray(q * gtK, q * gtK + k));
    for (let i = 0; i < counts[q]; i++) if (truth.has(ids[q * k + i])) hit++;
  }
  return hit / (nq * k);
}

// Best of `passes` timings of one full pass over the queries (these machines are noisy).
function timeQueries(index, queries, nq, dims, searchK, passes = 3) {
  let best = Infinity, result;
  for (let p = 0; p < passes; p++) {
    const t = now();
    result = index.searchBatch(queries.subarray(0, nq * dims), k, { searchK });
    best = Math.min(best, now() - t);
  }
  return { qps: nq / (best / 1000), result };
}

const rows = [];
const started = new Date();
for (const name of args.datasets.split(',')) {
  const ds = await loadDataset(name);
  const nq = Math.min(Number(args.queries), ds.nQueries);
  const grid = GRID[name] ?? { trees: [10], searchK: [1000] };
  const treesList = args.trees ? list(args.trees) : grid.trees;
  const searchKs = args['search-k'] ? list(args['search-k']) : grid.searchK;
  console.log(`\n${name}: ${ds.nTrain} x ${ds.dimensions} ${ds.metric}, ${nq} queries, k=${k}`);

  // exact scan, for scale (a sample of queries: it is slow)
  const exactQ = Math.min(50, nq);
  let t = now();
  bruteForceTopK(ds.train, ds.queries.subarray(0, exactQ * ds.dimensions), ds.dimensions, ds.metric, k);
  const exactQps = exactQ / ((now() - t) / 1000);
  rows.push({ dataset: name, library: 'exact scan (JS, f64)', trees: null, searchK: null, buildSeconds: null, fileMiB: null, loadSeconds: null, recall: 1, qps: exactQps });
  console.log(`  exact scan: ${exactQps.toFixed(1)} q/s`);

  for (const trees of treesList) {
    globalThis.gc?.();
    const rss0 = process.memoryUsage().rss;
    t = now();
    const builder = new IndexBuilder({ dimensions: ds.dimensions, metric: ds.metric, seed: 42 });
    builder.addBatch(ds.train);
    const index = builder.build({ trees });
    const buildSeconds = (now() - t) / 1000;
    const bytes = index.toBytes();
    const rssBuild = process.memoryUsage().rss - rss0;
    index.free();
    globalThis.gc?.();
    t = now();
    const loaded = Index.fromBytes(bytes);
    const loadSeconds = (now() - t) / 1000;
    console.log(`  trees ${trees}: build ${buildSeconds.toFixed(2)} s, file ${mib(bytes.length).toFixed(1)} MiB, load+verify ${loadSeconds.toFixed(3)} s, build RSS +${mib(rssBuild).toFixed(0)} MiB`);
    for (const searchK of searchKs) {
      const { qps, result } = timeQueries(loaded, ds.queries, nq, ds.dimensions, searchK);
      const recall = recallAt(result.ids, result.counts, ds.groundTruth, 100, nq);
      rows.push({ dataset: name, library: 'annoy-wasm', trees, searchK, buildSeconds, fileMiB: mib(bytes.length), loadSeconds, recall, qps });
      console.log(`    searchK ${String(searchK).padStart(6)}: recall@${k} ${recall.toFixed(3)}  ${qps.toFixed(0).padStart(6)} q/s`);
    }
    loaded.free();
  }
}

const meta = { started: started.toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, k };
const table = [
  '| data set | library | trees | searchK | build s | file MiB | load s | recall@10 | queries/s |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.dataset} | ${r.library} | ${r.trees ?? ''} | ${r.searchK ?? ''} | ${r.buildSeconds?.toFixed(2) ?? ''} | ${r.fileMiB?.toFixed(1) ?? ''} | ${r.loadSeconds?.toFixed(3) ?? ''} | ${r.recall.toFixed(3)} | ${r.qps.toFixed(0)} |`),
].join('\n');
mkdirSync(args.out, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
writeFileSync(join(args.out, `${stamp}.json`), JSON.stringify({ meta, rows }, null, 2));
writeFileSync(join(args.out, `${stamp}.md`), `# annoy-wasm benchmark ${meta.started}\n\n${meta.cpu}, ${meta.cpus} cpus, node ${meta.node}\n\n${table}\n`);
copyFileSync(join(args.out, `${stamp}.json`), join(args.out, 'latest.json'));
copyFileSync(join(args.out, `${stamp}.md`), join(args.out, 'latest.md'));
console.log(`\n${table}\n\nwrote ${join(args.out, `${stamp}.json`)} and .md`);
