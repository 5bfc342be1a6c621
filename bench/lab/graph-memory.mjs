// Lab: the memory of a process that builds a graph index on the first n GloVe rows and keeps it (one library
// build per process: peak RSS is the process's): peak RSS, and RSS once the build is done and garbage collected.
// Compare two builds of the library by running it once with each dist directory:
//   node --expose-gc bench/lab/graph-memory.mjs dist=/tmp/base/dist n=50000 jobs=1 [rows=train]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const n = Number(o.n ?? 50000), jobs = Number(o.jobs ?? 1), dims = 100;
const { IndexBuilder } = await import(`${resolve(o.dist ?? 'dist')}/esm/index.js`);
// rows=train: glove-100's 340k training rows (n=340479), what the benchmark builds; otherwise the first n of all words
const all = readFileSync(new URL(`../.cache/glove-100-angular/${o.rows === 'train' ? 'train' : 'all'}.f32`, import.meta.url));
const rows = new Float32Array(all.buffer, all.byteOffset, n * dims);
const mib = (b) => (b / 2 ** 20).toFixed(0);
const before = process.memoryUsage().rss;
const b = new IndexBuilder({ dimensions: dims, metric: 'angular', seed: 7, graph: true });
b.addBatch(rows);
const index = jobs > 1 ? await b.buildAsync({ jobs, trees: 8 }) : b.build({ trees: 8 });
for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)); }
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`${o.dist ?? 'dist'} n=${n} jobs=${jobs}: file ${mib(index.byteLength)} MiB; RSS before the build ${mib(before)} MiB, peak ${mib(peak)} MiB, after the build (gc) ${mib(process.memoryUsage().rss)} MiB${index.heldBytes ? `, index holds ${mib(index.heldBytes)} MiB of wasm memory` : ''}`);
