// Lab: the neighbour graph's build time with 1 and 2 (or more) jobs, interleaved in one process (A, B, A, B, best of
// each), on the first n rows of GloVe (bench/.cache/glove-100-angular/all.f32, 100 float32 per row). The graph's
// time is a graph build's minus a forest-only build's with the same trees and jobs, each best of `rounds`. Also checks
// that every jobs count gives the same bytes.
//   node bench/lab/graph-jobs.mjs n=50000 jobs=1,2 rounds=2
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { IndexBuilder } from '../../dist/esm/index.js';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const n = Number(o.n ?? 50000), rounds = Number(o.rounds ?? 2), trees = Number(o.trees ?? 8);
const jobsList = (o.jobs ?? '1,2').split(',').map(Number);
const dims = 100;
const file = new URL('../.cache/glove-100-angular/all.f32', import.meta.url);
const all = readFileSync(file);
const rows = new Float32Array(all.buffer, all.byteOffset, n * dims);

async function build(jobs, graph) {
  const b = new IndexBuilder({ dimensions: dims, metric: 'angular', seed: 7, ...(graph ? { graph: true } : {}) });
  b.addBatch(rows);
  const t0 = performance.now(), c0 = process.cpuUsage();
  const index = await b.buildAsync({ jobs, trees });
  const c = process.cpuUsage(c0);
  return { s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, bytes: graph ? index.toBytes() : null };
}

const best = new Map();
let reference = null;
for (let r = 0; r < rounds; r++) {
  for (const jobs of jobsList) {
    const g = await build(jobs, true);
    const f = await build(jobs, false);
    const b = best.get(jobs) ?? { graph: Infinity, forest: Infinity };
    best.set(jobs, { graph: Math.min(b.graph, g.s), forest: Math.min(b.forest, f.s) });
    if (reference === null) reference = Buffer.from(g.bytes);
    const same = Buffer.compare(reference, Buffer.from(g.bytes)) === 0;
    console.log(`round ${r} jobs ${jobs}: graph index ${g.s.toFixed(2)} s (CPU ${g.cpu.toFixed(2)} s), forest only ${f.s.toFixed(2)} s, bytes ${same ? 'identical' : 'DIFFER'} (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  }
}
const one = best.get(jobsList[0]);
for (const [jobs, b] of best) {
  const graph = b.graph - b.forest;
  console.log(`jobs ${jobs}: best graph index ${b.graph.toFixed(2)} s, best forest ${b.forest.toFixed(2)} s, graph ${graph.toFixed(2)} s, ratio to jobs ${jobsList[0]} ${(graph / (one.graph - one.forest)).toFixed(3)}`);
}
