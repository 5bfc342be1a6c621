// Recall@10 at equal searchK of builds whose split planes differ only in precision: does a compact plane keep
// Annoy's recall? Each variant is a built dist/ of the library; glove-100 (bench/.cache) is built by each with the
// same seed, screening none, and searched at the same searchK values against the cached exact top-10.
//
//   node bench/lab/plane-recall.mjs --variant float32=dist --variant int8=/tmp/dist-int8 [--trees 10] [--seed 1]
//
// A variant is made by rounding the plane right after the metric's createSplit in assembly/build.ts (before the
// partition, so the build routes its items with the plane the search will read), building, and copying dist/:
//   int8:     s = max|n_i| / 127; n_i = round(n_i / s) * s
//   bfloat16: bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
// 2026-12-02, 10 trees, seeds 1 and 2 (load ~13, 2 vCPU EPYC Zen 4): int8 minus float32 at searchK 1000/3000/10000/
// 30000 = +.0019 -.0020 -.0040 -.0002 (mean of the 2 seeds); float32's own seed-to-seed spread up to .0058.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: {
  variant: { type: 'string', multiple: true }, trees: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' },
  'search-k': { type: 'string', default: '1000,3000,10000,30000' },
} });
if (!values.variant?.length) throw new Error('give --variant name=dist-dir at least once');
const dir = new URL('../.cache/glove-100-angular/', import.meta.url);
const read = (name, T) => { const b = fs.readFileSync(new URL(name, dir)); return new T(b.buffer, b.byteOffset, b.byteLength / T.BYTES_PER_ELEMENT); };
const train = read('train.f32', Float32Array), queries = read('queries.f32', Float32Array), gt = read('gt-100.u32', Uint32Array);
const dims = 100, nq = queries.length / dims, trees = Number(values.trees), searchKs = values['search-k'].split(',').map(Number);
for (const v of values.variant) {
  const [name, dist] = v.split('=');
  const { IndexBuilder } = await import(pathToFileURL(path.resolve(dist, 'esm/index.js')).href);
  const index = await new IndexBuilder({ dimensions: dims, metric: 'angular', seed: Number(values.seed), screening: 'none' }).addBatch(train).buildAsync({ trees, jobs: 2 });
  const row = searchKs.map((searchK) => {
    let hits = 0;
    for (let q = 0; q < nq; q++) {
      const truth = new Set(gt.subarray(q * 100, q * 100 + 10));
      for (const id of index.search(queries.subarray(q * dims, (q + 1) * dims), 10, { searchK }).ids) if (truth.has(id)) hits++;
    }
    return (hits / (nq * 10)).toFixed(4);
  });
  console.log(`${name.padEnd(10)} ${trees} trees, seed ${values.seed}: recall@10 at searchK ${searchKs.join('/')}: ${row.join(' ')}`);
  index.free();
}
