// Shared by annoy-native.mjs and annoy-npm.mjs: the `annoy` package (annoy-node 4.0.0). It takes plain arrays only:
// given a Float32Array it silently stores zeros, so every vector is copied into a plain array (for the build, one row
// at a time, so the copies do not inflate peak RSS; queries are converted once, before timing).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const METRIC = { angular: 'Angular', euclidean: 'Euclidean', manhattan: 'Manhattan' };

/** The compiler command line node-gyp recorded for annoyindexwrapper.cc, or null. */
function compileFlags(pkgDir) {
  try {
    const dir = join(pkgDir, 'build', 'Release', '.deps', 'Release', 'obj.target', 'addon');
    const file = readdirSync(dir).find((f) => f.startsWith('annoyindexwrapper') && f.endsWith('.d'));
    const cmd = readFileSync(join(dir, file), 'utf8').split('\n').find((l) => l.startsWith('cmd_'));
    return cmd ? [...new Set([...cmd.matchAll(/\s(-O\d|-march=\S+|-ffast-math|-fno-associative-math|-m(?:avx|sse)\S*)/g)].map((m) => m[1]))] : null;
  } catch {
    return null;
  }
}

export function makeAnnoyAdapter(name, req, { wantNative, within = null }) {
  let Annoy;
  return {
    name,
    kind: 'tree',
    async load() {
      const pkgJson = req.resolve('annoy/package.json');
      if (within && !pkgJson.startsWith(within)) throw new Error(`annoy is not installed in ${within} (found ${pkgJson}); npm run bench installs it`);
      const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
      Annoy = req('annoy');
      const flags = compileFlags(dirname(pkgJson));
      const isNative = flags?.some((f) => f.startsWith('-march='));
      let notes = `annoy-node ${version} from ${dirname(pkgJson)}; compiled ${flags ? flags.join(' ') : '(flags unknown)'}`;
      if (wantNative && !isNative) throw new Error(`${pkgJson} was not built with -march=native (${flags?.join(' ') ?? 'flags unknown'}): npm run bench -- --reinstall`);
      return { version, notes, flags };
    },
    build({ train, n, dimensions, metric, params }) {
      if (!METRIC[metric]) throw new Error(`annoy-node has no ${metric} metric`);
      const t0 = performance.now();
      const index = new Annoy(dimensions, METRIC[metric]);
      const row = new Array(dimensions);
      for (let i = 0; i < n; i++) {
        const off = i * dimensions;
        for (let j = 0; j < dimensions; j++) row[j] = train[off + j];
        index.addItem(i, row);
      }
      const t1 = performance.now();
      index.build(params.trees);
      return { index, addSeconds: (t1 - t0) / 1000 };
    },
    save(h, path) {
      if (!h.index.save(path)) throw new Error('annoy save failed');
    },
    prepareQueries(queries, nq, d) {
      return Array.from({ length: nq }, (_, q) => Array.from(queries.subarray(q * d, (q + 1) * d)));
    },
    search(h, prepared, nq, k, params, out) {
      const index = h.index;
      const searchK = params.searchK;
      for (let q = 0; q < nq; q++) {
        const ids = index.getNNsByVector(prepared[q], k, searchK, false);
        const base = q * k;
        for (let i = 0; i < k; i++) out[base + i] = i < ids.length ? ids[i] : -1;
      }
    },
    free(h) {
      h.index.unload();
    },
  };
}
