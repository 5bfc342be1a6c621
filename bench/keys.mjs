// npm run bench:keys -- string keys at scale: 1M keys of 20-40 bytes on a small index (1M x 4-d, 2 trees).
// Load time of the file with keys against the same index without them (Index.openSync from a warm page cache,
// checksum and structure checks included; interleaved A, B, A, B, best of each), the memory the keys add (the
// section's bytes, which is all a load keeps for them) against their UTF-8 bytes, and idOf / keyOf speed.
import { writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { Index, IndexBuilder } from '../dist/esm/index.js';

const N = Number(process.env.KEYS ?? 1_000_000), D = 4;
const rng = seedrandom('keys-bench');
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const keys = Array.from({ length: N }, (_, i) => {
  const len = 20 + Math.floor(rng() * 21) - 15 - String(i).length; // 20..40 bytes in all
  let s = 'spotify:track:';
  for (let j = 0; j < Math.max(0, len); j++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return `${s}-${i}`;
});
const keyBytes = keys.reduce((n, k) => n + Buffer.byteLength(k), 0);
const flat = new Float32Array(N * D).map(() => rng() * 2 - 1);
const withKeys = join(tmpdir(), 'annoy-wasm-keys-1m.annoy'), plain = join(tmpdir(), 'annoy-wasm-nokeys-1m.annoy');
let t = performance.now();
const a = new IndexBuilder({ dimensions: D, metric: 'euclidean', seed: 1, keys: true }).addBatch(flat, keys).build({ trees: 2 });
const buildKeys = performance.now() - t;
a.saveSync(withKeys);
t = performance.now();
const b = new IndexBuilder({ dimensions: D, metric: 'euclidean', seed: 1 }).addBatch(flat).build({ trees: 2 });
const buildPlain = performance.now() - t;
b.saveSync(plain);
a.free(); b.free();
const sectionBytes = statSync(withKeys).size - statSync(plain).size;

const load = (file) => { const t0 = performance.now(); const index = Index.openSync(file); const ms = performance.now() - t0; return { index, ms }; };
let bestKeys = Infinity, bestPlain = Infinity;
for (let round = 0; round < 4; round++) {
  const k = load(withKeys); bestKeys = Math.min(bestKeys, k.ms); k.index.free();
  const p = load(plain); bestPlain = Math.min(bestPlain, p.ms); p.index.free();
}
const { index } = load(withKeys);
t = performance.now();
for (let i = 0; i < 100_000; i++) if (index.idOf(keys[(i * 7919) % N]) !== (i * 7919) % N) throw new Error('idOf');
const idOfUs = (performance.now() - t) * 10;
t = performance.now();
for (let i = 0; i < 100_000; i++) index.keyOf((i * 7919) % N);
const keyOfUs = (performance.now() - t) * 10;
const result = {
  cpu: cpus()[0].model, keys: N, keyBytes, sectionBytes, memoryRatio: +(sectionBytes / keyBytes).toFixed(3),
  loadWithKeysMs: +bestKeys.toFixed(1), loadWithoutMs: +bestPlain.toFixed(1), keysAddMs: +(bestKeys - bestPlain).toFixed(1),
  buildWithKeysMs: Math.round(buildKeys), buildWithoutMs: Math.round(buildPlain), idOfNs: Math.round(idOfUs), keyOfNs: Math.round(keyOfUs),
};
console.log(JSON.stringify(result, null, 1));
const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', `keys-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`), JSON.stringify(result, null, 2));
