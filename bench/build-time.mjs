// One-thread build time of annoy-wasm (default options, or the screening given) against Annoy's own C++ (annoy-cpp),
// interleaved: per data set and tree count, rounds of (annoy-cpp, annoy-wasm), each build in a fresh process (the same
// bench/child.mjs jobs as npm run bench, with one query), the best of each side kept. Shared machines drift within
// minutes, so only a ratio taken this way means anything. Each build's wall time and its process's CPU time (user +
// system, all its threads: the wall clock also counts waiting for a core, which a loaded machine makes most of it).
//
//   node bench/build-time.mjs [--datasets fashion-mnist-784-euclidean,glove-100-angular] [--trees 10,50] [--rounds 3]
//                             [--libraries annoy-cpp,annoy-wasm] [--base <checkout>]
// --base: also annoy-wasm from that checkout's built dist/ (library annoy-wasm-base), in the same rounds, to
// compare a change's build time before and after against the same Annoy C++ runs.
import { parseArgs } from 'node:util';
import os from 'node:os';
import { prepareSpec } from './derived.mjs';
import { runChild } from './run.mjs';

const { values: a } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'fashion-mnist-784-euclidean,glove-100-angular' },
    trees: { type: 'string', default: '10,50' },
    rounds: { type: 'string', default: '3' },
    libraries: { type: 'string', default: 'annoy-cpp,annoy-wasm' },
    base: { type: 'string' },
  },
});
const libraries = a.libraries.split(',');
if (a.base) {
  process.env.ANNOY_WASM_BASE = a.base; // the children inherit it (bench/peers/annoy-wasm-base.mjs)
  libraries.push('annoy-wasm-base');
}
const rows = [];
const fmt = (best) => libraries.map((l) => `${l} ${best[l].toFixed(2)} s`).join(', ');
for (const spec of a.datasets.split(',')) {
  await prepareSpec(spec);
  for (const trees of a.trees.split(',').map(Number)) {
    const best = Object.fromEntries(libraries.map((l) => [l, Infinity]));
    const bestCpu = Object.fromEntries(libraries.map((l) => [l, Infinity]));
    for (let r = 0; r < Number(a.rounds); r++) {
      for (const library of libraries) {
        const res = runChild({ spec, library, build: { trees }, grid: [{ searchK: 100 }], queries: 1, k: 10, passes: 1 });
        if (res.error) throw new Error(`${library}: ${res.error}`);
        best[library] = Math.min(best[library], res.buildSeconds);
        bestCpu[library] = Math.min(bestCpu[library], res.buildCpuSeconds ?? Infinity);
        console.error(`  ${spec} ${trees} trees round ${r + 1}: ${library} ${res.buildSeconds.toFixed(2)} s, CPU ${res.buildCpuSeconds?.toFixed(2)} s (load ${os.loadavg()[0].toFixed(1)})`);
      }
    }
    const [ref, ...others] = libraries;
    const ratios = (b) => Object.fromEntries(others.map((l) => [l, b[l] / b[ref]]));
    const row = { spec, trees, best, bestCpu, ratio: ratios(best), cpuRatio: ratios(bestCpu) };
    rows.push(row);
    console.log(`${spec}, ${trees} trees, best of ${a.rounds}: wall ${fmt(best)}; ${others.map((l) => `${l} / ${ref} ${row.ratio[l].toFixed(2)}x`).join(', ')}`);
    console.log(`${spec}, ${trees} trees, best of ${a.rounds}: CPU ${fmt(bestCpu)}; ${others.map((l) => `${l} / ${ref} ${row.cpuRatio[l].toFixed(2)}x`).join(', ')}`);
  }
}
console.log(JSON.stringify({ cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), rows }));
