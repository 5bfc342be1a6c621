// The long loader fuzz: `npm run fuzz -- --seconds 600 [--seed text]`. Runs test/fuzz/engine.mjs (the same cases
// as test/fuzz.test.ts, on the built dist/) until the time is up, printing progress, then cases/second and every
// finding. Each finding is saved as a regression case in test/fixtures/fuzz/ (replayed by the test) and the
// command exits 1.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/esm/index.js';
import { makeBases, runFuzz } from '../test/fuzz/engine.mjs';
import { H, HEADER_BYTES, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT, PARAM_REMOVED_COUNT, SECTION } from '../dist/esm/format/layout.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('seconds', '60'));
const seed = arg('seed', `annoy-wasm fuzz ${new Date().toISOString()}`);
if (!(seconds > 0)) throw new Error(`--seconds ${arg('seconds')} is not a positive number`);

const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(root, 'build/annoy.wasm'))), {
  env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536 }) },
}).exports;
// The core's checksum skips its own field, so any bytes can be summed as they are.
const checksum = (bytes) => {
  const need = 65536 + bytes.length - core.memory.buffer.byteLength;
  if (need > 0) core.memory.grow(Math.ceil(need / 65536));
  new Uint8Array(core.memory.buffer).set(bytes, 65536);
  return BigInt.asUintN(64, core.checksum(65536, bytes.length));
};
const annoyTest = { name: 'annoy-test.tree', bytes: new Uint8Array(readFileSync(join(root, 'test/fixtures/annoy/annoy-test.tree'))), dimensions: 10, metric: 'angular' };

console.log(`fuzzing both loaders for ${seconds} s, seed ${JSON.stringify(seed)}`);
const result = runFuzz(lib, {
  seed, seconds, bases: makeBases(lib, [annoyTest]), checksum, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT }, nearest: true,
  onProgress: (p) => { if (p.cases % 100000 === 0) console.log(`  ${p.cases} cases, ${p.seconds.toFixed(0)} s, ${p.findings} findings`); },
});
console.log(`${result.cases} cases in ${result.seconds.toFixed(1)} s: ${(result.cases / result.seconds).toFixed(0)} cases/s`);
console.log('outcomes', result.outcomes);
console.log(`${result.compared} loaded cases kept the clean structure and answered as the clean file (rerank: -1)`);
console.log('screened bases:');
for (const [name, outcomes] of Object.entries(result.byBase)) if (/ (int8|pca)( |$)/.test(name)) console.log(`  ${name}:`, outcomes);
console.log('slowest case', `${result.slowest.ms.toFixed(1)} ms`, result.slowest.base, result.slowest.damage);
const dir = join(root, 'test/fixtures/fuzz');
for (const f of result.findings) {
  console.log(`FINDING case ${f.case}: ${f.base}: ${f.damage}: ${f.error}`);
  mkdirSync(dir, { recursive: true });
  const options = f.base.startsWith('ours') ? undefined : JSON.parse(JSON.stringify(baseOptions(f.base)));
  writeFileSync(join(dir, `case-${Date.now().toString(36)}-${f.case}.json`), JSON.stringify({
    found: new Date().toISOString(), seed, base: f.base, damage: f.damage, error: f.error, options,
    expect: 'CORRUPT_INDEX (or "loaded", once decided)', base64: Buffer.from(f.bytes).toString('base64'),
  }, null, 1));
}
function baseOptions(name) {
  const all = makeBases(lib, [annoyTest]).annoy;
  const b = all.find((x) => x.name === name);
  return b && { format: 'annoy', dimensions: b.dimensions, metric: b.metric };
}
process.exit(result.findings.length > 0 ? 1 : 0);
