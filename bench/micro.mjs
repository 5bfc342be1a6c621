// Micro-benchmarks (tinybench) on the committed real samples, so they run anywhere in a few seconds with no
// download: one query (unscreened, int8, pca), one exact distance, loading (checksum, structure check, codes) and
// one tree. `npm run bench` measures recall against queries/s beside the peers; this tracks the pieces.
//
//   npm run bench:micro                 prints a table, writes bench/results/micro-latest.json
//   npm run bench:micro -- --time 2000  ms per task (default 500)
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { IndexBuilder, Index } from '../dist/esm/index.js';

const { values } = parseArgs({ options: { time: { type: 'string', default: '500' } } });
const data = new URL('../data/', import.meta.url);
const f32 = (name) => { const b = fs.readFileSync(new URL(name, data)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const pixels = (name) => Float32Array.from(gunzipSync(fs.readFileSync(new URL(name, data))));
const sets = {
  glove: { dims: 100, metric: 'angular', vectors: f32('glove-sample/vectors.f32'), queries: f32('glove-sample/queries.f32'), searchK: 1000 },
  fashion: { dims: 784, metric: 'euclidean', vectors: pixels('fashion-sample/base.u8.gz'), queries: pixels('fashion-sample/queries.u8.gz'), searchK: 500 },
};
const build = (set, screening, trees = 10) =>
  new IndexBuilder({ dimensions: set.dims, metric: set.metric, seed: 1, screening }).addBatch(set.vectors).build({ trees });

const bench = new Bench({ name: 'annoy-wasm micro-benchmarks', time: Number(values.time) });
for (const [name, set] of Object.entries(sets)) {
  const n = set.vectors.length / set.dims;
  const nq = set.queries.length / set.dims;
  const query = (i) => set.queries.subarray((i % nq) * set.dims, (i % nq + 1) * set.dims);
  for (const screening of ['none', 'int8', 'pca']) {
    const index = build(set, screening);
    let i = 0;
    bench.add(`${name} (${n} x ${set.dims}) search k 10, searchK ${set.searchK}, screening ${screening}`, () => { index.search(query(i++), 10, { searchK: set.searchK }); });
    const bytes = index.toBytes();
    bench.add(`${name} load ${(bytes.length / 2 ** 20).toFixed(1)} MiB, screening ${screening} (checksum, checks${screening === 'none' ? '' : ', codes'})`, () => { Index.fromBytes(bytes).free(); });
    if (screening === 'none') {
      let j = 0;
      bench.add(`${name} exact distance (distanceTo)`, () => { index.distanceTo(query(j), j++ % n); });
    }
  }
  bench.add(`${name} add ${n} items and build 1 tree`, () => { build(set, 'none', 1).free(); });
}

await bench.run();
console.table(bench.table());
const results = bench.tasks.map((t) => ({
  name: t.name,
  opsPerSecond: t.result?.throughput?.mean,
  latencyMs: { mean: t.result?.latency?.mean, p50: t.result?.latency?.p50, p99: t.result?.latency?.p99 },
  samples: t.result?.latency?.samplesCount,
}));
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL('./results/micro-latest.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
console.log('wrote bench/results/micro-latest.json');
