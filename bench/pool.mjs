// npm run bench:pool -- IndexPool's measurements, on a ~550 MB glove-100 index (75 trees,
// built once and cached in bench/.cache):
//   1. load throughput from a warm page cache: Index.open (read + checksum + structure check) and the raw read;
//   2. RSS with 1, 2 and 4 workers (each in a fresh process), and what each extra worker adds;
//   3. searchBatch throughput with 2 workers against 1 (this machine has 2 cores).
// Writes bench/results/pool-<stamp>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { loadDataset } from './datasets.mjs';
import { Index, IndexBuilder, IndexPool } from '../dist/esm/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, '.cache', 'glove-100-angular-75trees.annoy');
const MiB = 2 ** 20;

async function ensureIndex() {
  if (existsSync(file)) return;
  const ds = await loadDataset('glove-100-angular');
  const t = performance.now();
  const index = await new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 42 }).addBatch(ds.train).buildAsync({ trees: 75, jobs: 2 });
  index.saveSync(file);
  console.log(`built ${file}: ${(index.byteLength / MiB).toFixed(0)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// One child per worker count, so each RSS starts from a clean process.
async function child(workers) {
  const rss0 = process.memoryUsage().rss;
  const pool = await IndexPool.open(file, { workers });
  const q = readFileSync(join(here, '.cache', 'glove-100-angular', 'queries.f32')); // not the whole data set: RSS is the pool's
  await pool.searchBatch(new Float32Array(q.buffer, q.byteOffset, q.byteLength / 4), 10, { searchK: 2000 }); // every worker touches the index
  const rss = process.memoryUsage().rss;
  await pool.close();
  process.stdout.write(JSON.stringify({ workers, rssMiB: rss / MiB, openedMiB: (rss - rss0) / MiB }));
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  await ensureIndex();
  const bytes = statSync(file).size;
  const ds = await loadDataset('glove-100-angular');
  // 1. load
  readFileSync(file); // warm the page cache
  const rawBest = [0, 1, 2].map(() => {
    const buf = Buffer.allocUnsafe(bytes);
    const fd = openSync(file, 'r');
    const t = performance.now();
    for (let done = 0; done < bytes;) done += readSync(fd, buf, done, Math.min(64 * MiB, bytes - done), done);
    closeSync(fd);
    return performance.now() - t;
  }).sort((a, b) => a - b)[0];
  let openBest = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const index = await Index.open(file);
    openBest = Math.min(openBest, performance.now() - t);
    index.free();
  }
  const load = { fileMiB: bytes / MiB, rawReadGiBps: bytes / 2 ** 30 / (rawBest / 1000), openVerifiedGiBps: bytes / 2 ** 30 / (openBest / 1000), openMs: openBest };
  console.log('load', load);
  // 2. memory per worker
  const rss = [1, 2, 4].map((w) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(w)], { encoding: 'utf8' })));
  const perExtraWorker = (rss[2].rssMiB - rss[0].rssMiB) / 3;
  console.log('rss', rss, `each extra worker adds ${perExtraWorker.toFixed(1)} MiB`);
  // 3. batch throughput, 1 vs 2 workers, same process, best of 3
  const throughput = {};
  for (const workers of [1, 2]) {
    const pool = await IndexPool.open(file, { workers });
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await pool.searchBatch(ds.queries, 10, { searchK: 10000 });
      best = Math.min(best, performance.now() - t);
    }
    throughput[workers] = ds.nQueries / (best / 1000);
    await pool.close();
  }
  const speedup = throughput[2] / throughput[1];
  console.log('searchBatch queries/s', throughput, `2 workers / 1 = ${speedup.toFixed(2)}x`);
  mkdirSync(join(here, 'results'), { recursive: true });
  const out = join(here, 'results', `pool-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ load, rss, perExtraWorkerMiB: perExtraWorker, throughput, speedup }, null, 2));
  console.log(`wrote ${out}`);
}
