// Lab: the memory of a process that builds an index on the first n GloVe rows in memory and keeps it, for any
// storage kind and tree encoding (one build per process: peak RSS is the process's): peak RSS, RSS once the build
// is done and garbage collected, the wasm memory the index holds, the build's wall time and the file's digest
// (two builds of the library must write the same bytes). Compare two builds of the library by running it once with
// each dist directory, interleaved:
//   node --expose-gc bench/lab/build-memory.mjs dist=/tmp/base/dist n=340479 storage=int8 trees=compact tree-count=10
// Options: n (rows, default all), storage (float32|float16|bfloat16|int8), trees (full|compact), tree-count (10),
// graph (0|1), jobs (1).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import os from 'node:os';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const dims = 100;
const all = readFileSync(new URL('../.cache/glove-100-angular/all.f32', import.meta.url));
const n = Number(o.n ?? all.byteLength / 4 / dims), jobs = Number(o.jobs ?? 1);
const storage = o.storage ?? 'float32', treeEncoding = o.trees ?? 'full', trees = Number(o['tree-count'] ?? 10), graph = o.graph === '1';
const { IndexBuilder } = await import(`${resolve(o.dist ?? 'dist')}/esm/index.js`);
const rows = new Float32Array(all.buffer, all.byteOffset, n * dims);
const mib = (b) => (b / 2 ** 20).toFixed(0);
const before = process.memoryUsage().rss;
const b = new IndexBuilder({ dimensions: dims, metric: 'angular', seed: 7, storage, treeEncoding, graph });
b.addBatch(rows);
const started = performance.now();
const index = jobs > 1 ? await b.buildAsync({ jobs, trees }) : b.build({ trees });
const seconds = (performance.now() - started) / 1000;
for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)); }
const peak = process.resourceUsage().maxRSS * 1024;
const kept = process.memoryUsage().rss;
const digest = createHash('sha256').update(index.toBytes()).digest('hex').slice(0, 16);
console.log(`${o.dist ?? 'dist'} n=${n} ${storage} ${treeEncoding} trees=${trees}${graph ? ' graph' : ''} jobs=${jobs}: file ${mib(index.byteLength)} MiB, `
  + `index holds ${mib(index.heldBytes)} MiB of wasm memory; RSS before the build ${mib(before)} MiB, peak ${mib(peak)} MiB, `
  + `after the build (gc) ${mib(kept)} MiB; build ${seconds.toFixed(1)} s; sha256 ${digest}; `
  + `${os.cpus()[0].model}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
