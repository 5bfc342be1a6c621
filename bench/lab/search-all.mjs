// searchAll(k) against a loop of searchItem(i, k + 1) on one graph index, at equal recall: items/s of each (wall
// time, one thread), measured interleaved (A, B, A, B, best of each), recall@k of the sampled items' rows against
// their exact nearest other items (bench/lab/own-neighbours.mjs caches the index and the ground truth).
//   node bench/lab/search-all.mjs [glove-100-angular] [n=100000] [rows=2000] [target=0.95] [allEfs=10,12,16,20]
//     [loopEfs=12,16,20,24,32,48] [loopItems=20000] [rounds=2]
// For each side the smallest ef (of those listed) whose recall reaches the target is timed.
import os from 'node:os';
import { ownNeighbours, recallOf } from './own-neighbours.mjs';

const args = process.argv.slice(2);
const name = args.find((a) => !a.includes('=')) ?? 'glove-100-angular';
const o = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=')));
const list = (key, d) => (o[key] ?? d).split(',').map(Number);
const target = Number(o.target ?? 0.95), rounds = Number(o.rounds ?? 2);
const lab = await ownNeighbours(name, { n: o.n ? Number(o.n) : 100000, rows: Number(o.rows ?? 2000) });
const { index, k, n } = lab;
const loopItems = Math.min(n, Number(o.loopItems ?? 20000));
const say = (s) => console.log(s);
say(`${name}: ${n} items, graph degree ${index.graph}, k ${k}; ${os.cpus()[0].model}, ${os.cpus().length} vCPU, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

const runAll = (ef) => {
  const t = performance.now();
  const all = index.searchAll(k, { ef });
  return { seconds: (performance.now() - t) / 1000, rowOf: (i) => all.row(i).ids };
};
// the loop: every (n / loopItems)-th item plus the sampled ones (their rows give the recall)
const loopSet = [...new Set([...Array.from({ length: loopItems }, (_, r) => Math.floor((r * n) / loopItems)), ...lab.sample])];
const runLoop = (ef) => {
  const rows = new Map();
  const t = performance.now();
  for (const i of loopSet) rows.set(i, index.searchItem(i, k + 1, { ef: Math.max(ef, k + 1) }).ids);
  const seconds = (performance.now() - t) / 1000;
  return { seconds: (seconds * n) / loopSet.length, rowOf: (i) => [...rows.get(i)].filter((x) => x !== i).slice(0, k) };
};
const pick = (label, efs, run) => {
  for (const ef of efs) {
    const r = run(ef), recall = recallOf(lab, r.rowOf);
    say(`  ${label} ef ${ef}: recall ${recall.toFixed(4)}, ${(n / r.seconds).toFixed(0)} items/s`);
    if (recall >= target) return { ef, recall };
  }
  return null;
};
say(`recall per ef (first pass, not interleaved):`);
const a = pick('searchAll', list('allEfs', '10,12,16,20,32'), runAll);
const b = pick('searchItem loop', list('loopEfs', '12,16,20,24,32,48,64'), runLoop);
if (!a || !b) { say(`a side never reached recall ${target}`); process.exit(1); }
let bestA = Infinity, bestB = Infinity;
for (let r = 0; r < rounds; r++) {
  bestA = Math.min(bestA, runAll(a.ef).seconds);
  bestB = Math.min(bestB, runLoop(b.ef).seconds);
}
say(`interleaved (A, B x ${rounds}, best of each), load ${os.loadavg()[0].toFixed(1)}:`);
say(`  searchAll ef ${a.ef}: recall ${a.recall.toFixed(4)}, ${(n / bestA).toFixed(0)} items/s`);
say(`  searchItem loop ef ${b.ef}: recall ${b.recall.toFixed(4)}, ${(n / bestB).toFixed(0)} items/s`);
say(`  ratio ${(bestB / bestA).toFixed(2)}x the items/s of the loop`);
