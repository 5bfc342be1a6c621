// searchAll(k) against a loop of searchItem(i, k + 1) on the same graph index: items/s (CPU time of this thread)
// and recall@k of 300 sampled rows against exact brute force. Data: the committed GloVe sample (10,000 x 100).
//   node bench/lab/search-all.mjs [ef=64]
import { readFileSync } from 'node:fs';
import { IndexBuilder } from '../../dist/esm/index.js';

const ef = Number((process.argv.find((a) => a.startsWith('ef=')) ?? 'ef=64').slice(3));
const b = readFileSync(new URL('../../data/glove-sample/vectors.f32', import.meta.url));
const v = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const d = 100, n = v.length / d, k = 10;
const index = new IndexBuilder({ dimensions: d, metric: 'angular', seed: 1, graph: true }).addBatch(v).build();
const cpu = () => process.cpuUsage().user / 1e6;
let t = cpu();
const all = index.searchAll(k, { ef });
const allSeconds = cpu() - t;
t = cpu();
const loop = [];
for (let i = 0; i < n; i++) loop.push([...index.searchItem(i, k + 1, { ef: Math.max(ef, k + 1) }).ids].filter((x) => x !== i).slice(0, k));
const loopSeconds = cpu() - t;
const norms = Array.from({ length: n }, (_, i) => Math.hypot(...v.subarray(i * d, (i + 1) * d)));
const truth = (i) => {
  const s = [];
  for (let j = 0; j < n; j++) { if (j === i) continue; let x = 0; for (let t2 = 0; t2 < d; t2++) x += v[i * d + t2] * v[j * d + t2]; s.push([-x / (norms[i] * norms[j]), j]); }
  s.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return s.slice(0, k).map((x) => x[1]);
};
let hitAll = 0, hitLoop = 0;
const rows = 300;
for (let r = 0; r < rows; r++) {
  const i = Math.floor((r * n) / rows), want = truth(i);
  hitAll += want.filter((x) => [...all.row(i).ids].includes(x)).length;
  hitLoop += want.filter((x) => loop[i].includes(x)).length;
}
console.log(`GloVe sample ${n} x ${d}, graph degree 32, ef ${ef}, k ${k}: searchAll ${(n / allSeconds).toFixed(0)} items/s (recall ${(hitAll / rows / k).toFixed(3)}); searchItem loop ${(n / loopSeconds).toFixed(0)} items/s (recall ${(hitLoop / rows / k).toFixed(3)}); ratio ${(loopSeconds / allSeconds).toFixed(2)}x (CPU time)`);
