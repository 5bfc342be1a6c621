// Lab: the graph build's critical path with T threads, for a machine without T free cores. Builds a graph index on
// the first n GloVe rows (one thread), then rebuilds its graph in place through the parallel steps
// (assembly/graph-build.ts graphStep) on this thread alone, running each thread's part of every step one after
// another and timing it: the path is the one-thread steps plus, per step, the slowest thread's part. It leaves out
// message latency and memory-bandwidth contention; it checks that the rebuilt graph equals the built one.
//   node bench/lab/graph-jobs-path.mjs n=50000 threads=2 [cpu=1]
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { IndexBuilder } from '../../dist/esm/index.js';
import { loadFileSync } from '../../dist/esm/load/file.js';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const n = Number(o.n ?? 50000), T = Number(o.threads ?? 2), dims = 100;
const all = readFileSync(new URL('../.cache/glove-100-angular/all.f32', import.meta.url));
const b = new IndexBuilder({ dimensions: dims, metric: 'angular', seed: 7, graph: true });
b.addBatch(new Float32Array(all.buffer, all.byteOffset, n * dims));
const path = `/tmp/graph-jobs-path-${n}.idx`;
writeFileSync(path, b.build({ trees: 8 }).toBytes());
const image = loadFileSync(path, { shared: false, slots: 1 });
const { core } = image, ex = core.exports, base = core.base;
const graphAt = image.sections.extra[0].offset;
const before = core.bytes.slice(base + graphAt, base + graphAt + n * 32 * 4);
const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
core.ensure(scratch + (ex.buildScratchBytesForGraph(base, Math.max(1, T)) >>> 0));
// cpu=1: each part's CPU time instead of its wall time (steadier on a loaded machine)
const time = o.cpu === '1'
  ? (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; }
  : (f) => { const t = performance.now(); f(); return performance.now() - t; };
function rebuild(T) {
  let serial = 0, path1 = 0;
  const per = [0, 0, 0, 0, 0, 0, 0];
  const step = (s, r, lo, hi) => {
    let worst = 0;
    for (let t = 0; t < T; t++) {
      const a = lo + Math.floor(((hi - lo) * t) / T), z = lo + Math.floor(((hi - lo) * (t + 1)) / T);
      worst = Math.max(worst, time(() => ex.graphStep(s, r, a, z, t)));
    }
    path1 += worst;
    per[s] += worst;
  };
  let count = 0;
  serial += time(() => { count = ex.graphBegin(base, scratch, T) >>> 0; });
  const chunk = ex.graphChunk() >>> 0;
  const nodes = ex.graphSeedNodes() >>> 0, nodeChunk = ex.graphSeedChunk() >>> 0;
  for (let c = 0; c < nodes; c += nodeChunk) { step(6, 0, c, Math.min(nodes, c + nodeChunk)); step(3, 0, 0, count); }
  serial += time(() => ex.graphTopUp());
  for (let r = 0; ; r++) {
    step(0, r, 0, count);
    step(1, r, 0, count);
    for (let c = 0; c < count; c += chunk) { step(2, r, c, Math.min(count, c + chunk)); step(3, r, 0, count); }
    let more = 0;
    serial += time(() => { more = ex.graphEndRound(r); });
    if (!more) break;
  }
  step(4, 0, 0, count);
  serial += time(() => ex.graphReverse());
  step(5, 0, 0, count);
  serial += time(() => ex.graphInDegree());
  const after = core.bytes.slice(base + graphAt, base + graphAt + n * 32 * 4);
  const same = Buffer.compare(Buffer.from(before), Buffer.from(after)) === 0;
  console.log(`${T} threads: critical path ${(serial + path1).toFixed(0)} ms (one-thread steps ${serial.toFixed(0)} ms); per step, slowest part: seed ${per[6].toFixed(0)}, sample ${per[0].toFixed(0)}, mark ${per[1].toFixed(0)}, generate ${per[2].toFixed(0)}, apply (seeding's too) ${per[3].toFixed(0)}, forward ${per[4].toFixed(0)}, union ${per[5].toFixed(0)} ms; graph ${same ? 'identical' : 'DIFFERS'} (load ${loadavg()[0].toFixed(2)})`);
  return serial + path1;
}
const best = new Map();
for (let r = 0; r < Number(o.rounds ?? 2); r++) for (const t of [1, T]) best.set(t, Math.min(best.get(t) ?? Infinity, rebuild(t)));
console.log(`critical path, best of each: 1 thread ${best.get(1).toFixed(0)} ms, ${T} threads ${best.get(T).toFixed(0)} ms, ratio ${(best.get(T) / best.get(1)).toFixed(3)}`);
rmSync(path);
