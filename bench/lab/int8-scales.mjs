// Which int8 scale keeps recall: per dimension (affine: offset + scale * code over each dimension's range) or per
// vector (symmetric: scale = max |x| / 127 of each vector)? Exact brute force over the quantised items against exact
// brute force over the float32 items, on the committed samples (recall@10).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const f32 = (p) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const sets = [
  { name: 'glove-sample angular', metric: 'angular', d: 100, x: f32('data/glove-sample/vectors.f32'), q: f32('data/glove-sample/queries.f32') },
  { name: 'glove-sample euclidean', metric: 'euclidean', d: 100, x: f32('data/glove-sample/vectors.f32'), q: f32('data/glove-sample/queries.f32') },
  { name: 'fashion-sample euclidean', metric: 'euclidean', d: 784, x: Float32Array.from(gunzipSync(readFileSync('data/fashion-sample/base.u8.gz'))), q: Float32Array.from(gunzipSync(readFileSync('data/fashion-sample/queries.u8.gz'))).subarray(0, 784 * 100) },
];
function dist(m, a, ao, b, bo, d) {
  let s = 0, aa = 0, bb = 0;
  for (let i = 0; i < d; i++) { const x = a[ao + i], y = b[bo + i]; if (m === 'angular') { s += x * y; aa += x * x; bb += y * y; } else s += (x - y) ** 2; }
  return m === 'angular' ? 2 - 2 * s / Math.sqrt(aa * bb || 1) : s;
}
function topk(m, x, d, q, qo, k) {
  const n = x.length / d, s = [];
  for (let i = 0; i < n; i++) s.push([dist(m, q, qo, x, i * d, d), i]);
  s.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return s.slice(0, k).map((t) => t[1]);
}
function perDim(x, d) {
  const n = x.length / d, lo = new Float32Array(d).fill(Infinity), hi = new Float32Array(d).fill(-Infinity), y = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) { const v = x[i * d + j]; lo[j] = Math.min(lo[j], v); hi[j] = Math.max(hi[j], v); }
  for (let j = 0; j < d; j++) {
    const sc = hi[j] > lo[j] ? (hi[j] - lo[j]) / 254 : 1, off = lo[j] + 127 * sc;
    for (let i = 0; i < n; i++) y[i * d + j] = Math.fround(off + sc * Math.max(-127, Math.min(127, Math.round((x[i * d + j] - off) / sc))));
  }
  return y;
}
function perVec(x, d) {
  const n = x.length / d, y = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    let m = 0; for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(x[i * d + j]));
    const sc = m > 0 ? m / 127 : 1;
    for (let j = 0; j < d; j++) y[i * d + j] = Math.fround(sc * Math.round(x[i * d + j] / sc));
  }
  return y;
}
function f16(x) { const y = new Float32Array(x.length); const h = new Float32Array(1); for (let i = 0; i < x.length; i++) y[i] = roundHalf(x[i]); return y; }
function roundHalf(v) { // float16 round to nearest even (normal range suffices here)
  if (v === 0) return 0; const e = Math.floor(Math.log2(Math.abs(v))); const ulp = 2 ** (Math.max(e, -14) - 10); return Math.round(v / ulp) * ulp;
}
function bf16(x) { const u = new Uint32Array(Float32Array.from(x).buffer); for (let i = 0; i < u.length; i++) { const b = u[i]; u[i] = ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16) << 16; } return new Float32Array(u.buffer); }
for (const s of sets) {
  const nq = s.q.length / s.d, truth = [];
  for (let i = 0; i < nq; i++) truth.push(new Set(topk(s.metric, s.x, s.d, s.q, i * s.d, 10)));
  for (const [name, y] of [['int8 per dimension', perDim(s.x, s.d)], ['int8 per vector', perVec(s.x, s.d)], ['float16', f16(s.x)], ['bfloat16', bf16(s.x)]]) {
    let hit = 0, err = 0, nn = 0;
    for (let i = 0; i < s.x.length; i++) { err += (y[i] - s.x[i]) ** 2; nn += s.x[i] ** 2; }
    for (let i = 0; i < nq; i++) for (const id of topk(s.metric, y, s.d, s.q, i * s.d, 10)) if (truth[i].has(id)) hit++;
    console.log(`${s.name}\t${name}\trecall@10 ${(hit / nq / 10).toFixed(4)}\trelative L2 error ${Math.sqrt(err / nn).toExponential(2)}`);
  }
}
