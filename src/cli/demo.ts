// `annoy-wasm demo`: builds an index of the GloVe sample shipped in the package and prints nearest words.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IndexBuilder } from '../index.js';
import { parse } from './args.js';
import { println, type Io } from './io.js';

export const DEMO_USAGE = `usage: annoy-wasm demo [word ...]

Builds an angular index over the 10,000 most frequent GloVe words shipped with the package and prints the
nearest words for each word given (or for a few examples).

exit status: 0 done, 1 none of the words given is in the sample, 2 bad usage`;

const DATA = fileURLToPath(new URL('../../../data/glove-sample/', import.meta.url));
const EXAMPLES = ['king', 'paris', 'computer', 'coffee', 'football'];

export async function demo(args: string[], io: Io): Promise<number> {
  const p = parse(args, {});
  return demoWords(p.positionals, (line) => println(io.stdout, line));
}

function demoWords(words: string[], log: (line: string) => void): number {
  const bytes = readFileSync(`${DATA}vectors.f32`);
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const vocabulary = readFileSync(`${DATA}words.txt`, 'utf8').trim().split('\n');
  const started = performance.now();
  const index = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 1 }).addBatch(vectors).build({ trees: 10 });
  log(`built an index of ${index.size} GloVe words (100-d, angular, ${index.trees} trees) in ${(performance.now() - started).toFixed(0)} ms, ${(index.byteLength / 2 ** 20).toFixed(1)} MiB`);
  let missing = 0;
  for (const word of words.length ? words : EXAMPLES) {
    const id = vocabulary.indexOf(word.toLowerCase());
    if (id < 0) {
      log(`${word}: not among the ${vocabulary.length} words of the sample`);
      missing++;
      continue;
    }
    const t = performance.now();
    const { ids, distances } = index.searchItem(id, 9, { searchK: 2000 });
    const ms = performance.now() - t;
    const hits = [...ids].filter((i) => i !== id).slice(0, 8).map((i) => `${vocabulary[i]} ${distances[[...ids].indexOf(i)].toFixed(2)}`);
    log(`${word} (${ms.toFixed(2)} ms): ${hits.join(', ')}`);
  }
  return missing > 0 && missing === words.length ? 1 : 0;
}
