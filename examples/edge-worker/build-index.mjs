// Builds the Worker's index into public/: the package's bundled GloVe sample (10,000 words x 100 dimensions,
// angular), its words beside it. `--random N` builds N random 100-d vectors instead (how the README's largest
// index that fits a Worker was found).
//
//   node build-index.mjs [--random N] [--trees 10]
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IndexBuilder } from 'annoy-wasm';

const { values } = parseArgs({ options: { random: { type: 'string' }, trees: { type: 'string', default: '10' } } });
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'public');
mkdirSync(out, { recursive: true });
const builder = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 1 });
if (values.random) {
  const n = Number(values.random), row = new Float32Array(100);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 100; j++) { s = (s * 1103515245 + 12345) >>> 0; row[j] = s / 2 ** 32 - 0.5; }
    builder.add(i, row);
  }
} else {
  const sample = join(dirname(createRequire(import.meta.url).resolve('annoy-wasm/package.json')), 'data', 'glove-sample');
  const bytes = readFileSync(join(sample, 'vectors.f32'));
  builder.addBatch(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  copyFileSync(join(sample, 'words.txt'), join(out, 'words.txt'));
}
const index = builder.build({ trees: Number(values.trees) });
writeFileSync(join(out, 'items.annoy'), index.toBytes());
console.log(`public/items.annoy: ${index.count} items, ${index.trees} trees, ${(index.byteLength / 2 ** 20).toFixed(1)} MiB`);
