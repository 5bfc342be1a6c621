// Lab: the graph build alone (buildGraph on one thread, the forest built once), of several library copies
// interleaved in one process (each copy's own wasm; rounds x copies, alternating): best wall and CPU per copy,
// and whether every copy's graph section is the same bytes. The file is built once with full trees (a graph's
// seeding reads full leaves; a build compacts its trees only after the graph).
//   node bench/lab/graph-only-ab.mjs libs=/tmp/base/dist,dist set=glove-100-angular n=100000 rounds=4
import { loadavg, cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { loadDataset } from '../datasets.mjs';
const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const libs = (o.libs ?? 'dist').split(',').map((l) => resolve(l));
const ds = await loadDataset(o.set ?? 'glove-100-angular');
const dims = ds.dimensions, n = Number(o.n ?? ds.train.length / dims), rounds = Number(o.rounds ?? 3);
const mods = await Promise.all(libs.map(async (l) => ({ loadFileSync: (await import(`${l}/esm/load/file.js`)).loadFileSync })));
const { IndexBuilder } = await import(`${libs[0]}/esm/index.js`);
const b = new IndexBuilder({ dimensions: dims, metric: ds.metric, seed: 7, graph: true, treeEncoding: 'full' });
b.addBatch(ds.train.subarray(0, n * dims));
const file = `/tmp/graph-only-${process.pid}.idx`;
writeFileSync(file, b.build({ trees: 8 }).toBytes());
console.log(`${o.set ?? 'glove-100-angular'} n=${n}; ${cpus()[0].model}, ${cpus().length} vCPU; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const best = libs.map(() => ({ s: Infinity, cpu: Infinity }));
const hashes = libs.map(() => null);
for (let r = 0; r < rounds; r++) for (let k = 0; k < libs.length; k++) {
  const { core } = mods[k].loadFileSync(file, { shared: false, slots: 1 });
  const ex = core.exports, base = core.base;
  const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
  core.ensure(scratch + (ex.buildScratchBytesForGraph(base, 1) >>> 0));
  const t0 = performance.now(), c0 = process.cpuUsage();
  ex.buildGraph(base, scratch);
  const s = (performance.now() - t0) / 1000, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6;
  best[k] = { s: Math.min(best[k].s, s), cpu: Math.min(best[k].cpu, cpu) };
  hashes[k] = createHash('sha256').update(new Uint8Array(core.memory.buffer, base, scratch - base)).digest('hex').slice(0, 16);
  console.log(`round ${r} ${libs[k]}: ${s.toFixed(2)} s CPU ${cpu.toFixed(2)} s graph+file ${hashes[k]} load ${loadavg()[0].toFixed(2)}`);
}
for (let k = 0; k < libs.length; k++) console.log(`${libs[k]}: best ${best[k].s.toFixed(2)} s (${(best[k].s / best[0].s).toFixed(3)}x) CPU ${best[k].cpu.toFixed(2)} s (${(best[k].cpu / best[0].cpu).toFixed(3)}x)`);
