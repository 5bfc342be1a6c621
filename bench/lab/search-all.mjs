// searchAll(k) against a loop of searchItem(i, k + 1) on one graph index, at equal recall: items/s of each (wall
// time, one thread), measured interleaved (A, B, A, B, best of each), recall@k of the sampled items' rows against
// their exact nearest other items (bench/lab/own-neighbours.mjs caches the index and the ground truth).
//   node bench/lab/search-all.mjs [glove-100-angular] [n=100000] [rows=2000] [target=0.95] [allEfs=10,12,16,20]
//     [loopEfs=12,16,20,24,32,48] [loopItems=20000] [rounds=2] [against=<another build's dist/esm/index.js>]
//     [pool=2]
// For each side the smallest ef (of those listed) whose recall reaches the target is timed. against: that build's
// searchAll on the same index file joins the interleaving (say, main's, to measure a change). pool: an IndexPool
// of that many workers joins too (its rows are checked equal to Index.searchAll's).
import os from 'node:os';
import { IndexPool } from '../../dist/esm/index.js';
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

const allOf = (searchAll) => async (ef) => {
  const t = performance.now();
  const all = await searchAll(ef);
  return { seconds: (performance.now() - t) / 1000, rowOf: (i) => all.row(i).ids, all };
};
const runAll = allOf((ef) => index.searchAll(k, { ef }));
const other = o.against ? await (await import(o.against)).Index.open(lab.files.index) : null;
const runOther = other && allOf((ef) => other.searchAll(k, { ef }));
const pool = o.pool ? await IndexPool.open(lab.files.index, { workers: Number(o.pool) }) : null;
const runPool = pool && allOf((ef) => pool.searchAll(k, { ef }));
// the loop: every (n / loopItems)-th item plus the sampled ones (their rows give the recall)
const loopSet = [...new Set([...Array.from({ length: loopItems }, (_, r) => Math.floor((r * n) / loopItems)), ...lab.sample])];
const runLoop = async (ef) => {
  const rows = new Map();
  const t = performance.now();
  for (const i of loopSet) rows.set(i, index.searchItem(i, k + 1, { ef: Math.max(ef, k + 1) }).ids);
  const seconds = (performance.now() - t) / 1000;
  return { seconds: (seconds * n) / loopSet.length, rowOf: (i) => [...rows.get(i)].filter((x) => x !== i).slice(0, k) };
};
const pick = async (label, efs, run) => {
  for (const ef of efs) {
    const r = await run(ef), recall = recallOf(lab, r.rowOf);
    say(`  ${label} ef ${ef}: recall ${recall.toFixed(4)}, ${(n / r.seconds).toFixed(0)} items/s`);
    if (recall >= target) return { ef, recall };
  }
  return null;
};
say(`recall per ef (first pass, not interleaved):`);
const a = await pick('searchAll', list('allEfs', '10,12,16,20,32'), runAll);
const b = await pick('searchItem loop', list('loopEfs', '12,16,20,24,32,48,64'), runLoop);
const c = runOther && await pick('searchAll (against)', list('allEfs', '10,12,16,20,32'), runOther);
if (!a || !b || (runOther && !c)) { say(`a side never reached recall ${target}`); process.exit(1); }
const sides = [['searchAll', a, runAll], ['searchItem loop', b, runLoop]];
if (runOther) sides.push([`searchAll of ${o.against}`, c, runOther]);
if (runPool) sides.push([`IndexPool(${o.pool}).searchAll`, a, runPool]);
const best = sides.map(() => Infinity);
for (let r = 0; r < rounds; r++) {
  for (let s = 0; s < sides.length; s++) {
    const got = await sides[s][2](sides[s][1].ef);
    best[s] = Math.min(best[s], got.seconds);
    if (sides[s][2] === runPool && r === 0) {
      const want = index.searchAll(k, { ef: a.ef });
      const same = got.all.ids.every((x, i) => x === want.ids[i]) && got.all.distances.every((x, i) => Object.is(x, want.distances[i]));
      say(`  the pool's rows equal Index.searchAll's: ${same}`);
    }
  }
}
say(`interleaved (${sides.map((s) => s[0]).join(', ')} x ${rounds}, best of each), load ${os.loadavg()[0].toFixed(1)}:`);
for (let s = 0; s < sides.length; s++) {
  say(`  ${sides[s][0]} ef ${sides[s][1].ef}: recall ${sides[s][1].recall.toFixed(4)}, ${(n / best[s]).toFixed(0)} items/s, ${(best[1] / best[s]).toFixed(2)}x the loop`);
}
await pool?.close();
