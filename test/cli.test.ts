// The `annoy-wasm` command. Most tests run the command in-process (run() with captured output); the ones about
// the process itself (exit status, stdin, signals) run the built bin, dist/esm/cli/main.js, as a child.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Index, IndexBuilder } from '../src/index.js';
import { parseNumber, splitFields } from '../src/cli/readers/csv.js';
import { parseNpyHeader } from '../src/cli/readers/npy.js';
import { run } from '../src/cli/run.js';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'dist/esm/cli/main.js');
const hook = (name: string) => pathToFileURL(join(root, 'test/cli-hooks', name)).href;
const fixtures = join(root, 'test/fixtures/cli');
const fx = (name: string) => join(fixtures, name);
let dir: string;
const out = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-cli-'));
  if (!existsSync(bin)) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result { code: number; stdout: string; stderr: string }

/** Runs the command in-process. */
async function cli(args: string[], options: { stdin?: string; tty?: boolean } = {}): Promise<Result> {
  let stdout = '', stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: options.tty ?? false, columns: 120 },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: {},
    handleSignals: false,
  });
  return { code, stdout, stderr };
}

/** Only the files a test left in `dir` (no temporary leftovers allowed). */
const files = () => readdirSync(dir).sort();
const bytes = (path: string) => new Uint8Array(readFileSync(path));

const BUILD = ['--metric', 'euclidean', '--trees', '5', '--seed', '3', '--quiet'];

describe('help and usage', () => {
  const commands = ['build', 'query', 'info', 'convert', 'bench', 'demo', 'manifest'];

  it.each(commands)('%s --help and -h print its usage and exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli([command, flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: annoy-wasm ${command}`));
      expect(r.stdout).toMatch(/exit status/);
      expect(r.stderr).toBe('');
    }
    expect((await cli(['help', command])).stdout).toMatch(new RegExp(`^usage: annoy-wasm ${command}`));
  });

  it('the command list: --help exits 0, nothing or an unknown command exits 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.stdout).toContain(`  ${c}`);
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['bulid']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "bulid"/);
  });

  it.each([
    [['build', fx('vectors.npy'), '--metric', 'euclidean'], /--output is required/],
    [['build', fx('vectors.npy'), '-o', 'x.ann'], /--metric is required/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'cosine'], /--metric "cosine" is not one of angular, euclidean/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--trees', '0'], /--trees "0" is not an integer >= 1/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--seed=-5'], /--seed "-5" is not an integer in \[0, 4294967295\]/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--seed', '-5'], /--seed "-5" is not an integer in \[0, 4294967295\]/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--seed', '-x'], /Option '--seed' argument is ambiguous\. .* use '--seed=-XYZ'/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--jobs', '0'], /--jobs "0"/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--colour'], /Unknown option '--colour'/],
    [['build', fx('vectors.npy'), fx('vectors.csv'), '-o', 'x.ann', '--metric', 'dot'], /unexpected argument/],
    [['build', fx('vectors.xyz'), '-o', 'x.ann', '--metric', 'dot'], /cannot tell the input format from the extension ".xyz"/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric'], /argument missing/],
    [['build', fx('vectors.npy'), '-o', '-', '--metric', 'dot'], /-o -: an index is a file that is written atomically/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'int4'], /--screening "int4" is not one of auto, none, int8, pca/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'hamming', '--screening', 'int8'], /--screening int8 is not for hamming/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'manhattan', '--screening', 'pca'], /--screening pca is for angular, euclidean, dot, not manhattan/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'hamming', '--screening', 'pca'], /--screening pca is for angular, euclidean, dot, not hamming/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening-dimensions', '4'], /--screening-dimensions is for --screening pca/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'int8', '--screening-dimensions', '4'], /--screening-dimensions is for --screening pca/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'pca', '--screening-dimensions', '0'], /--screening-dimensions "0" is not an integer in \[1, 4096\]/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'pca', '--screening-dimensions', '2.5'], /--screening-dimensions "2\.5" is not an integer/],
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'pca', '--screening-dimensions'], /argument missing/],
    // known once the first row is read: the fixture's vectors have 8 dimensions
    [['build', fx('vectors.npy'), '-o', 'x.ann', '--metric', 'dot', '--screening', 'pca', '--screening-dimensions', '9'], /--screening-dimensions 9 is more than the vectors' 8 dimensions/],
    [['query', 'x.ann'], /give one of --item, --vector, --input or --all/],
    [['query', 'x.ann', '--item', '1', '--vector', '[1]'], /give only one of --item, --vector/],
    [['query', 'x.ann', '--vector', '[1, 2'], /--vector is not JSON/],
    [['query', 'x.ann', '--item', '1', '-k', '0'], /-k "0" is not an integer >= 1/],
    [['query', 'x.ann', '--item', '1', '--format', 'xml'], /--format "xml" is not one of json, tsv/],
    [['info'], /missing <index>/],
    [['info', 'x.ann', '--from', 'annoy'], /--from annoy needs --dimensions and --metric/],
    [['convert', 'x.ann'], /--output is required/],
    [['convert', 'x.ann', '-o', 'y.ann', '--from', 'faiss'], /--from "faiss" is not annoy or native/],
    [['bench', 'x.ann'], /--queries is required/],
    [['bench', 'x.ann', '--queries', 'q.npy', '--search-k', '10,x'], /--search-k "x"/],
  ])('bad usage exits 2: %j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/annoy-wasm \w+: .*\nRun "annoy-wasm \w+ --help" for usage\./);
    expect(r.code).toBe(2);
  });
});

describe('build: every input format', () => {
  let reference: Uint8Array;
  beforeAll(async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('reference.ann'), ...BUILD]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    reference = bytes(out('reference.ann'));
  });

  // The same 200 x 8 vectors in each format (text formats shuffled, with ids): the same index, byte for byte.
  it.each([
    'vectors-f64.npy', 'vectors-be.npy', 'vectors.fvecs', 'vectors.jsonl', 'bare.jsonl', 'vectors.csv', 'vectors.tsv',
    'vectors.parquet', 'vectors-parquetjs.parquet',
  ])('%s builds the same index as vectors.npy', async (name) => {
    const r = await cli(['build', fx(name), '-o', out(`${name}.ann`), ...BUILD]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(bytes(out(`${name}.ann`))).toEqual(reference);
  });

  it('the index holds the file\'s vectors under their ids', () => {
    const index = Index.openSync(out('reference.ann'));
    const line = readFileSync(fx('vectors.jsonl'), 'utf8').split('\n')[0];
    const { id, vector } = JSON.parse(line) as { id: number; vector: number[] };
    expect([...index.getItem(id)]).toEqual(vector);
    expect(index.count).toBe(200);
    index.free();
  });

  it('--storage: the index a build with that storage makes; convert --storage stores an Annoy file so; info says which', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('int8.ann'), ...BUILD, '--storage', 'int8']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const stored = Index.openSync(out('int8.ann')), reference32 = Index.openSync(out('reference.ann'));
    expect(stored.storage).toBe('int8');
    expect(bytes(out('int8.ann'))).toEqual(reference32.withStorage('int8').toBytes());
    await cli(['convert', out('reference.ann'), '-o', out('reference-annoy.ann')]);
    const c = await cli(['convert', out('reference-annoy.ann'), '-o', out('f16.ann'), '--from', 'annoy', '--dimensions', '8', '--metric', 'euclidean', '--storage', 'float16']);
    expect(c.code).toBe(0);
    expect(Index.openSync(out('f16.ann')).storage).toBe('float16');
    expect((await cli(['info', out('f16.ann')])).stdout).toMatch(/vectors +float16 \(16 bytes an item\)/);
    const h = await cli(['build', fx('bits.npy'), '-o', out('bits-int8.ann'), '--metric', 'hamming', '--storage', 'int8', '--quiet']);
    expect([h.code, h.stderr]).toEqual([2, expect.stringMatching(/--storage int8 is not for hamming/)]);
    stored.free(); reference32.free();
  });

  it('--compact-trees: the index a build with treeEncoding compact makes; info says so', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('compact.ann'), ...BUILD, '--compact-trees']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const compact = Index.openSync(out('compact.ann')), reference32 = Index.openSync(out('reference.ann'));
    expect(compact.treeEncoding).toBe('compact');
    const again = new IndexBuilder({ dimensions: 8, metric: 'euclidean', seed: reference32.seed, screening: reference32.screening, treeEncoding: 'compact' });
    for (let i = 0; i < reference32.size; i++) again.add(i, reference32.getItem(i));
    expect(bytes(out('compact.ann'))).toEqual(again.build({ trees: reference32.trees }).toBytes());
    expect((await cli(['info', out('compact.ann')])).stdout).toMatch(/compact splits of 32 bytes/);
    compact.free(); reference32.free();
  });

  it('stdin ("-") is JSON Lines, or CSV/TSV with --format', async () => {
    const jsonl = await cli(['build', '-', '-o', out('stdin.ann'), ...BUILD], { stdin: readFileSync(fx('vectors.jsonl'), 'utf8') });
    expect(jsonl.code).toBe(0);
    expect(bytes(out('stdin.ann'))).toEqual(reference);
    const tsv = await cli(['build', '-', '--format', 'tsv', '-o', out('stdin-tsv.ann'), ...BUILD], { stdin: readFileSync(fx('vectors.tsv'), 'utf8') });
    expect(tsv.code).toBe(0);
    expect(bytes(out('stdin-tsv.ann'))).toEqual(reference);
    const npy = await cli(['build', '-', '--format', 'npy', '-o', out('x.ann'), ...BUILD]);
    expect(npy.code).toBe(2);
    expect(npy.stderr).toMatch(/stdin \("-"\) can be JSON Lines, CSV or TSV, not npy/);
  });

  it('.bvecs holds bytes: the same index as their float32 copy in .npy', async () => {
    expect((await cli(['build', fx('vectors.bvecs'), '-o', out('b.ann'), ...BUILD])).code).toBe(0);
    expect((await cli(['build', fx('bvecs-as.npy'), '-o', out('b2.ann'), ...BUILD])).code).toBe(0);
    expect(bytes(out('b.ann'))).toEqual(bytes(out('b2.ann')));
  });

  it('integer and bool .npy: int32 values, and a bool array for hamming', async () => {
    expect((await cli(['build', fx('vectors-int.npy'), '-o', out('int.ann'), ...BUILD])).code).toBe(0);
    const ints = Index.openSync(out('int.ann'));
    expect(ints.getItem(0).every((x) => Number.isInteger(x))).toBe(true);
    ints.free();
    const r = await cli(['build', fx('bits.npy'), '-o', out('bits.ann'), '--metric', 'hamming', '--trees', '3', '-q']);
    expect(r.code).toBe(0);
    const bits = Index.openSync(out('bits.ann'));
    expect([bits.metric, bits.dimensions, bits.count]).toEqual(['hamming', 70, 60]);
    bits.free();
  });

  it('refuses .npy files it cannot read as rows, naming the file and why', async () => {
    const fortran = await cli(['build', fx('vectors-fortran.npy'), '-o', out('x.ann'), ...BUILD]);
    expect(fortran.code).toBe(1);
    expect(fortran.stderr).toMatch(/vectors-fortran\.npy: the array is in Fortran order/);
    const cube = await cli(['build', fx('vectors-3d.npy'), '-o', out('x.ann'), ...BUILD]);
    expect(cube.code).toBe(1);
    expect(cube.stderr).toMatch(/vectors-3d\.npy: the array has shape \(20, 10, 8\); expected 2-D/);
    const dims = await cli(['build', fx('vectors.npy'), '-o', out('x.ann'), ...BUILD, '--dimensions', '7']);
    expect(dims.code).toBe(1);
    expect(dims.stderr).toMatch(/vectors\.npy: the array has 8 columns but --dimensions is 7/);
    const missing = await cli(['build', fx('nope.npy'), '-o', out('x.ann'), ...BUILD]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.npy: no such file or directory/);
    const notNpy = await cli(['build', fx('vectors.csv'), '--format', 'npy', '-o', out('x.ann'), ...BUILD]);
    expect(notNpy.code).toBe(1);
    expect(notNpy.stderr).toMatch(/vectors\.csv: not a \.npy file/);
    expect(files()).not.toContain('x.ann');
  });

  it('Parquet: --vector-column / --id-column, and a clear error for a missing column', async () => {
    const named = await cli(['build', fx('vectors-parquetjs.parquet'), '--vector-column', 'embedding', '--id-column', 'id', '-o', out('pq.ann'), ...BUILD]);
    expect(named.code).toBe(0);
    expect(bytes(out('pq.ann'))).toEqual(reference);
    const wrong = await cli(['build', fx('vectors.parquet'), '--vector-column', 'emb', '-o', out('x.ann'), ...BUILD]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/vectors\.parquet: no column "emb" \(columns: id, vector \(list\)\)/);
  });

  it('a repeated id replaces the earlier row, with a warning', async () => {
    const lines = readFileSync(fx('vectors.jsonl'), 'utf8').trim().split('\n');
    const r = await cli(['build', '-', '-o', out('dup.ann'), ...BUILD], { stdin: [...lines, lines[0]].join('\n') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: 1 lines repeated an earlier id and replaced its vector/);
  });
});

describe('build: bad rows', () => {
  // file, the first bad row's message, then every skipped row's location and message, and the items left.
  const cases: [string, string, [string, RegExp][], number, string][] = [
    ['bad.jsonl', 'line 2: has 7 values, expected 8 (the length of line 1)', [
      ['line 2', /has 7 values, expected 8/],
      ['line 3', /vector\[3\] is NaN: vectors must hold finite float32 values/],
      ['line 5', /vector\[5\] is "0\.5", not a number/],
      ['line 6', /vector\[1\] is null, not a number/],
      ['line 7', /not valid JSON/],
      ['line 8', /no "vector" field/],
      ['line 9', /id -1 is not an integer in \[0, 2\^31 - 1\)/],
      ['line 10', /vector\[7\] is Infinity/],
    ], 3, '8 invalid lines of BAD (1 wrong length, 2 not finite, 2 not a number, 1 malformed, 1 missing vector, 1 bad id)'],
    ['bad.csv', 'line 3: has 7 values, expected 8 (the length of line 2)', [
      ['line 3', /has 7 values/],
      ['line 4', /column x2 is nan: vectors must hold finite values/],
      ['line 5', /column x4 is "abc", not a number/],
      ['line 6', /column x6 is empty/],
      ['line 7', /id "x5" is not an integer/],
    ], 2, '5 invalid lines of BAD (1 wrong length, 1 not finite, 2 not a number, 1 bad id)'],
    ['bad.fvecs', 'record 6: has 7 values, expected 8 (the length of record 1)', [
      ['record 6', /has 7 values/],
      ['record 10', /vector\[2\] is NaN/],
      ['record 15', /vector\[0\] is Infinity/],
    ], 17, '3 invalid records of BAD (1 wrong length, 2 not finite)'],
    ['truncated.fvecs', 'record 200: the file ends inside this record (26 bytes of 36)', [
      ['record 200', /the file ends inside this record/],
    ], 199, '1 invalid record of BAD (1 malformed)'],
    ['bad-nan.npy', 'row 13: vector[3] is NaN: vectors must hold finite float32 values', [
      ['row 13', /vector\[3\] is NaN/],
    ], 199, '1 invalid row of BAD (1 not finite)'],
    ['bad.parquet', 'row 4: "vector" is null', [
      ['row 4', /"vector" is null/],
      ['row 6', /has 7 values, expected 8/],
      ['row 9', /vector\[4\] is NaN/],
    ], 9, '3 invalid rows of BAD (1 missing vector, 1 wrong length, 1 not finite)'],
  ];

  it.each(cases)('%s: stops at the first bad row, naming the file and the row; nothing is written', async (name, first) => {
    writeFileSync(out('kept.ann'), 'an older index');
    const r = await cli(['build', fx(name), '-o', out('kept.ann'), ...BUILD]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`annoy-wasm build: ${fx(name)}: ${first} (--skip-invalid skips bad rows)\n`);
    expect(readFileSync(out('kept.ann'), 'utf8')).toBe('an older index'); // untouched
    expect(files().filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it.each(cases)('%s with --skip-invalid: builds from the good rows and reports each bad one', async (name, _first, skipped, items, summary) => {
    const r = await cli(['build', fx(name), '-o', out(`${name}.ann`), ...BUILD, '--skip-invalid']);
    expect(r.code).toBe(0);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(skipped.length + 1);
    skipped.forEach(([where, message], i) => {
      expect(warnings[i].startsWith(`annoy-wasm build: warning: skipped ${fx(name)}: ${where}: `)).toBe(true);
      expect(warnings[i]).toMatch(message);
    });
    expect(warnings.at(-1)).toBe(`annoy-wasm build: warning: skipped ${summary.replace('BAD', fx(name))}`);
    const index = Index.openSync(out(`${name}.ann`));
    expect(index.count).toBe(items);
    index.free();
  });

  it('hamming refuses values other than 0 and 1', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('x.ann'), '--metric', 'hamming', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vectors\.npy: row 1: vector\[0\] is -?[\d.]+: hamming vectors hold only 0 and 1/);
  });

  it('a file of nothing but bad rows fails even with --skip-invalid', async () => {
    const r = await cli(['build', '-', '-o', out('x.ann'), ...BUILD, '--skip-invalid'], { stdin: '[1, "a"]\n[NaN, 2]\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin: no valid vectors to build an index from/);
    expect(files()).not.toContain('x.ann');
  });
});

describe('build: progress and --jobs', () => {
  it('not a terminal: plain log lines on stdout, then a summary; one build thread per core by default', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('log.ann'), '--metric', 'angular', '--trees', '4']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`reading ${fx('vectors.npy')} (npy, 200 rows)`);
    const cores = availableParallelism();
    expect(lines).toContain(`building 4 trees over 200 items (8-d, angular${cores > 1 ? `, ${cores} threads` : ''})`);
    expect(lines.at(-1)).toMatch(/^wrote .*log\.ann: 200 items, 8 dimensions, angular, 4 trees, seed 0, [\d,]+ bytes$/);
    expect(r.stdout).not.toContain('\r');
  });

  it('a terminal: one status line redrawn in place (items read, trees built)', async () => {
    const r = await cli(['build', fx('vectors.jsonl'), '-o', out('tty.ann'), '--metric', 'angular', '--trees', '4', '--jobs', '1'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[Kreading .*vectors\.jsonl: 200 lines \(100%\)/);
    expect(r.stdout).toMatch(/\r\x1b\[Kbuilding trees: 1\/4/);
    expect(r.stdout).toMatch(/built 4 trees in/);
  });

  it('--quiet prints nothing', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('quiet.ann'), '--metric', 'angular', '-q'], { tty: true });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('the automatic tree count (--trees -1, the default) works', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('auto.ann'), '--metric', 'angular', '-q']);
    expect(r.code).toBe(0);
    expect((await cli(['build', fx('vectors.npy'), '-o', out('auto2.ann'), '--metric', 'angular', '-q', '--trees', '-1'])).code).toBe(0);
    expect(bytes(out('auto2.ann'))).toEqual(bytes(out('auto.ann')));
    const index = Index.openSync(out('auto.ann'));
    expect(index.trees).toBeGreaterThan(1);
    index.free();
  });

  it('--jobs 2 writes the same bytes as --jobs 1', async () => {
    expect((await cli(['build', fx('vectors.npy'), '-o', out('j1.ann'), ...BUILD, '--jobs', '1'])).code).toBe(0);
    const r = await cli(['build', fx('vectors.npy'), '-o', out('j2.ann'), '--metric', 'euclidean', '--trees', '5', '--seed', '3', '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('building 5 trees over 200 items (8-d, euclidean, 2 threads)');
    expect(bytes(out('j2.ann'))).toEqual(bytes(out('j1.ann')));
    expect((await cli(['build', fx('vectors.npy'), '-o', out('j3.ann'), ...BUILD, '--jobs', '257'])).code).toBe(2);
  });
});

describe('query, info, bench', () => {
  const index = () => out('q.ann');
  beforeAll(async () => {
    expect((await cli(['build', fx('vectors.npy'), '-o', index(), '--metric', 'euclidean', '--trees', '10', '--seed', '1', '-q'])).code).toBe(0);
  });

  it('query --item: JSON with the item first, distances as float32', async () => {
    const r = await cli(['query', index(), '--item', '7', '-k', '5']);
    expect(r.code).toBe(0);
    const hit = JSON.parse(r.stdout);
    expect(hit.query).toBe(7);
    expect(hit.ids).toHaveLength(5);
    expect(hit.ids[0]).toBe(7);
    expect(hit.distances[0]).toBe(0);
    const loaded = Index.openSync(index());
    const expected = loaded.searchItem(7, 5);
    expect(hit.ids).toEqual([...expected.ids]);
    expect(hit.distances.map(Math.fround)).toEqual([...expected.distances]);
    loaded.free();
  });

  it('query --vector and --search-k; --format tsv', async () => {
    const loaded = Index.openSync(index());
    const v = [...loaded.getItem(3)];
    loaded.free();
    const r = await cli(['query', index(), '--vector', JSON.stringify(v), '-k', '3', '--search-k', '1000', '--format', 'tsv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('query\trank\tid\tdistance');
    expect(lines[1]).toBe('0\t1\t3\t0');
    expect(lines).toHaveLength(4);
  });

  it('query --input: every row of a file, JSON Lines or .npy alike', async () => {
    const a = await cli(['query', index(), '--input', fx('queries.jsonl'), '-k', '4']);
    const b = await cli(['query', index(), '--input', fx('queries.npy'), '-k', '4']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const rows = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.query)).toEqual([...Array(20).keys()]);
    const tsv = await cli(['query', index(), '--input', fx('queries.npy'), '-k', '4', '--format', 'tsv']);
    expect(tsv.stdout.trim().split('\n')).toHaveLength(1 + 20 * 4);
  });

  it('query failures name the file and the problem (exit 1)', async () => {
    const short = await cli(['query', index(), '--vector', '[1, 2]']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/q\.ann: --vector: vector has length 2, expected 8/);
    const hole = await cli(['query', index(), '--item', '500']);
    expect(hole.code).toBe(1);
    expect(hole.stderr).toMatch(/q\.ann: item 500: id 500 is out of range/);
    const input = await cli(['query', index(), '--input', fx('vectors.bvecs')]);
    expect(input.code).toBe(0);
    const bad = await cli(['query', index(), '--input', '-'], { stdin: '[1,2,3,4,5,6,7,8]\n[1,2,3]\n' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/stdin: line 2: has 3 values, expected 8 \(the index .*q\.ann\)/);
    const missing = await cli(['query', out('never-written.ann'), '--item', '1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/never-written\.ann: cannot open: no such file or directory/);
  });

  it('info: what the index holds, after a full check', async () => {
    const r = await cli(['info', index()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^format +annoy-wasm, version 2$/m);
    expect(r.stdout).toMatch(/^metric +euclidean$/m);
    expect(r.stdout).toMatch(/^dimensions +8$/m);
    expect(r.stdout).toMatch(/^items +200 \(ids below 200, no holes\)$/m);
    expect(r.stdout).toMatch(/^trees +10$/m);
    expect(r.stdout).toMatch(/^seed +1$/m);
    expect(r.stdout).toMatch(/^checksum +0x[0-9a-f]{16} verified, structure checked/m);
    const json = JSON.parse((await cli(['info', index(), '--json'])).stdout);
    expect(json).toMatchObject({ format: 'annoy-wasm', version: 2, metric: 'euclidean', dimensions: 8, size: 200, items: 200, holes: 0, trees: 10, seed: 1, verified: true });
    expect(json.bytes).toBe(readFileSync(index()).length);
  });

  it('info on a damaged or foreign file: exit 1 with the reason', async () => {
    const damaged = bytes(index());
    damaged[400] ^= 1; // a vector's byte: only the checksum can tell
    writeFileSync(out('damaged.ann'), damaged);
    const r = await cli(['info', out('damaged.ann')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/damaged\.ann: not a valid annoy-wasm index: checksum mismatch .* \(CORRUPT_INDEX\)/);
    const foreign = await cli(['info', fx('vectors.npy')]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/vectors\.npy: not an annoy-wasm index \(no "AnnoyAsm" magic\); for an Annoy \.ann file give --from annoy/);
  });

  it('bench: recall against numpy ground truth (.ivecs or .npy) equals recall against brute force', async () => {
    const args = ['--queries', fx('queries.npy'), '--search-k', '10,50,100000', '--time', '0.05', '--json'];
    const ivecs = JSON.parse((await cli(['bench', index(), ...args, '--ground-truth', fx('truth.ivecs')])).stdout);
    const npy = JSON.parse((await cli(['bench', index(), ...args, '--ground-truth', fx('truth.npy')])).stdout);
    const brute = await cli(['bench', index(), ...args]);
    expect(brute.code).toBe(0);
    const b = JSON.parse(brute.stdout);
    expect(b).toMatchObject({ queries: 20, k: 10, trees: 10, groundTruth: 'brute force' });
    const recalls = (x: { results: { recall: number }[] }) => x.results.map((r) => r.recall);
    expect(recalls(ivecs)).toEqual(recalls(b));
    expect(recalls(npy)).toEqual(recalls(b));
    expect(recalls(b)[2]).toBe(1); // searchK >= items * trees: exhaustive
    expect(recalls(b)[0]).toBeLessThanOrEqual(recalls(b)[1]);
    for (const r of b.results) expect(r.queriesPerSecond).toBeGreaterThan(0);
  });

  it('bench: the table, and ground truth that does not fit', async () => {
    const r = await cli(['bench', index(), '--queries', fx('queries.jsonl'), '--time', '0.05']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/20 queries from .*queries\.jsonl, k = 10, exact brute force over 200 items/);
    expect(r.stdout).toMatch(/^ +searchK +recall@10 +queries\/s +ms\/query$/m);
    expect(r.stdout).toMatch(/^ +100 +[01]\.\d{4} +[\d,]+ +[\d.]+$/m);
    const rows = await cli(['bench', index(), '--queries', fx('queries.npy'), '--ground-truth', fx('truth.ivecs'), '-k', '20']);
    expect(rows.code).toBe(1);
    expect(rows.stderr).toMatch(/truth\.ivecs: 10 neighbours per query, fewer than k = 20/);
    const count = await cli(['bench', index(), '--queries', fx('queries.npy'), '--ground-truth', fx('vectors.fvecs')]);
    expect(count.code).toBe(1);
    expect(count.stderr).toMatch(/vectors\.fvecs: record 1: value 0 is -?[\d.]+, not an item id/);
  });
});

describe('convert', () => {
  it('native -> annoy -> native keeps every answer', async () => {
    expect((await cli(['build', fx('vectors.npy'), '-o', out('c.ann'), ...BUILD])).code).toBe(0);
    const toAnnoy = await cli(['convert', out('c.ann'), '-o', out('c.annoy')]);
    expect(toAnnoy.code).toBe(0);
    expect(toAnnoy.stdout).toMatch(/wrote .*c\.annoy \(Annoy \.ann\): 200 items, 8 dimensions, euclidean, 5 trees/);
    const info = await cli(['info', out('c.annoy'), '--from', 'annoy', '--dimensions', '8', '--metric', 'euclidean']);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^format +annoy \(\.ann\)$/m);
    const back = await cli(['convert', out('c.annoy'), '-o', out('c2.ann'), '--from', 'annoy', '--dimensions', '8', '--metric', 'euclidean']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/wrote .*c2\.ann \(annoy-wasm\): 200 items/);
    const a = await cli(['query', out('c.ann'), '--input', fx('queries.npy')]);
    const b = await cli(['query', out('c2.ann'), '--input', fx('queries.npy')]);
    const c = await cli(['query', out('c.annoy'), '--from', 'annoy', '--dimensions', '8', '--metric', 'euclidean', '--input', fx('queries.npy')]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
  });

  // A file written by native Annoy 1.17.3 (test/fixtures/annoy, from the Annoy-compatibility work), with the
  // answers native Annoy gave after loading it.
  const annoyFile = join(root, 'test/fixtures/annoy/euclidean.ann');
  it('an index written by native Annoy converts and answers as Annoy did', async () => {
    const expected = JSON.parse(readFileSync(annoyFile.replace(/\.ann$/, '.json'), 'utf8'));
    const from = ['--from', 'annoy', '--dimensions', String(expected.f), '--metric', 'euclidean'];
    const r = await cli(['convert', annoyFile, '-o', out('native.ann'), ...from]);
    expect(r.code).toBe(0);
    const item = expected.queries.items[0];
    const q = JSON.parse((await cli(['query', out('native.ann'), '--item', String(item), '-k', '10'])).stdout);
    expect(q.ids).toEqual(expected.expected.get_nns_by_item[0].ids);
    const again = await cli(['convert', out('native.ann'), '-o', out('again.ann')]);
    expect(again.code).toBe(0);
    const direct = await cli(['query', annoyFile, ...from, '--item', String(item)]);
    const roundTrip = await cli(['query', out('again.ann'), ...from, '--item', String(item)]);
    expect(roundTrip.stdout).toBe(direct.stdout);
    const wrongDims = await cli(['info', annoyFile, '--from', 'annoy', '--dimensions', '15', '--metric', 'euclidean']);
    expect(wrongDims.code).toBe(1);
    expect(wrongDims.stderr).toContain('euclidean.ann: ');
  });

  it('--screening: a native Annoy file becomes a screened annoy-wasm index with the same answers at rerank -1', async () => {
    const expected = JSON.parse(readFileSync(annoyFile.replace(/\.ann$/, '.json'), 'utf8'));
    const from = ['--from', 'annoy', '--dimensions', String(expected.f), '--metric', 'euclidean'];
    const r = await cli(['convert', annoyFile, '-o', out('screened.ann'), ...from, '--screening', 'pca', '--screening-dimensions', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*screened\.ann \(annoy-wasm\): .* trees, pca screening \(4 components\)$/m);
    const index = Index.openSync(out('screened.ann'));
    expect([index.screening, index.screeningDimensions]).toEqual(['pca', 4]);
    index.free();
    const item = String(expected.queries.items[0]);
    const direct = await cli(['query', annoyFile, ...from, '--item', item, '--search-k', '500']);
    const screened = await cli(['query', out('screened.ann'), '--item', item, '--search-k', '500', '--rerank', '-1']);
    expect(screened.stdout).toBe(direct.stdout);
    expect((await cli(['convert', annoyFile, '-o', out('x.ann'), ...from, '--screening', 'pca', '--screening-dimensions', '99'])).code).toBe(2);
    expect((await cli(['convert', annoyFile, '-o', out('x.ann'), ...from, '--screening', 'int4'])).code).toBe(2);
    expect((await cli(['convert', annoyFile, '-o', out('x.ann'), ...from, '--screening-dimensions', '4'])).code).toBe(2);
    const toAnnoy = await cli(['convert', out('screened.ann'), '-o', out('y.annoy'), '--screening', 'int8']);
    expect([toAnnoy.code, toAnnoy.stderr]).toEqual([2, expect.stringMatching(/--screening applies when converting into annoy-wasm/)]);
  });

  it('refuses to read an annoy-wasm file as Annoy, or a foreign file as native', async () => {
    expect((await cli(['build', fx('vectors.npy'), '-o', out('c.ann'), ...BUILD])).code).toBe(0);
    const r = await cli(['convert', out('c.ann'), '-o', out('x'), '--from', 'annoy', '--dimensions', '8', '--metric', 'euclidean']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/c\.ann: this is an annoy-wasm index, not an Annoy \.ann file/);
    const s = await cli(['convert', fx('vectors.npy'), '-o', out('x')]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/vectors\.npy: not an annoy-wasm index/);
  });
});

describe('readers: details', () => {
  it('CSV fields: quotes, and number spellings', () => {
    expect(splitFields('1,"2",3', ',')).toEqual(['1', '2', '3']);
    expect(splitFields('"a,b","say ""hi""",3', ',')).toEqual(['a,b', 'say "hi"', '3']);
    expect([parseNumber(' 1.5e3 '), parseNumber('-.5'), parseNumber('NaN'), parseNumber('-inf'), parseNumber('0x10'), parseNumber('')])
      .toEqual([1500, -0.5, NaN, -Infinity, undefined, undefined]);
  });

  it('.npy headers: versions 1 and 2, and what is refused', () => {
    const header = (major: number, dict: string) => {
      const lengthBytes = major === 1 ? 2 : 4;
      const text = new TextEncoder().encode(dict + '\n');
      const b = new Uint8Array(8 + lengthBytes + text.length);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
      new DataView(b.buffer).setUint32(8, text.length, true);
      if (major === 1) new DataView(b.buffer).setUint16(8, text.length, true);
      b.set(text, 8 + lengthBytes);
      return b;
    };
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
    expect(parseNpyHeader(header(2, dict))).toMatchObject({ shape: [3, 4], kind: 'f', itemBytes: 8, littleEndian: true, dataOffset: 12 + dict.length + 1 });
    expect(() => parseNpyHeader(header(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (3, 4), }"))).toThrow(/dtype '<c8' is not supported/);
    expect(() => parseNpyHeader(header(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }"))).toThrow(/structured dtypes/);
    expect(() => parseNpyHeader(new TextEncoder().encode('PK\x03\x04 not npy'))).toThrow(/not a \.npy file/);
  });
});

describe('the annoy-wasm process', () => {
  const node = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input });

  it('exit status 0, 1 and 2, errors on stderr; stdin JSON Lines through a pipe', () => {
    const ok = node(['build', '-', '-o', out('p.ann'), ...BUILD], readFileSync(fx('vectors.jsonl'), 'utf8'));
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, '', '']);
    const failed = node(['build', fx('bad.jsonl'), '-o', out('p2.ann'), ...BUILD]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/bad\.jsonl: line 2: has 7 values/);
    const usage = node(['build', fx('vectors.npy')]);
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toMatch(/--output is required/);
    const help = node(['query', '--help']);
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^usage: annoy-wasm query/);
  });

  /** A .npy of random float32 rows, written here (this is about signals, not about the format). */
  function bigNpy(path: string, rows: number, dims: number): void {
    let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dims}), }`;
    while ((10 + dict.length + 1) % 64 !== 0) dict += ' ';
    const head = new Uint8Array(10);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(head.buffer).setUint16(8, dict.length + 1, true);
    const data = new Float32Array(rows * dims);
    let s = 12345;
    for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; data[i] = s / 2 ** 32 - 0.5; }
    writeFileSync(path, Buffer.concat([head, Buffer.from(dict + '\n', 'latin1'), Buffer.from(data.buffer)]));
  }

  /** Starts a build, sends SIGINT once stdout shows `line`, and resolves with how the process ended. */
  function interrupt(args: string[], line: RegExp, feed?: (stdin: NodeJS.WritableStream) => void, nodeArgs: string[] = []): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '', stderr = '', sent = false;
      const watch = () => { if (!sent && (line.test(stdout) || line.test(stderr))) { sent = true; child.kill('SIGINT'); } };
      child.stdout.on('data', (d) => { stdout += d; watch(); });
      child.stderr.on('data', (d) => { stderr += d; watch(); });
      if (feed) feed(child.stdin); else child.stdin.end();
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  it('Ctrl-C while reading, building or writing leaves no output file and no temporary file', async () => {
    const work = mkdtempSync(join(tmpdir(), 'annoy-wasm-sigint-'));
    try {
      const input = join(work, 'big.npy');
      bigNpy(input, 100_000, 64);
      const left = () => readdirSync(work).filter((f) => f !== 'big.npy');

      // Reading: stdin stays open, so the build waits for more rows; the handler removes nothing and says so.
      const reading = await interrupt(['build', '-', '-o', join(work, 'out.ann'), '--metric', 'euclidean'], /^reading stdin/m, (stdin) => {
        stdin.write('[1, 2, 3]\n[4, 5, 6]\n'); // and never end
      });
      expect(reading.signal).toBe('SIGINT');
      expect(reading.stderr).toMatch(/annoy-wasm build: interrupted \(SIGINT\); no output written/);
      expect(left()).toEqual([]);

      // Building on this thread (--jobs 1): one synchronous wasm call, during which no handler is armed, so the
      // signal's default action ends the process at once. A handler that stayed armed would run only after the
      // build and say "interrupted"; none may have run, and nothing was written.
      const building = await interrupt(['build', input, '-o', join(work, 'out.ann'), '--metric', 'euclidean', '--trees', '200', '--jobs', '1'], /^building /m);
      expect(building.signal).toBe('SIGINT');
      expect(building.stderr).not.toMatch(/interrupted/);
      expect(building.stdout).not.toMatch(/^(writing|wrote) /m);
      expect(left()).toEqual([]);

      // Building in worker threads: the main thread waits on the event loop, so the handler runs.
      const parallel = await interrupt(['build', input, '-o', join(work, 'out.ann'), '--metric', 'euclidean', '--trees', '200', '--jobs', '2'], /^building /m);
      expect(parallel.signal).toBe('SIGINT');
      expect(parallel.stderr).toMatch(/interrupted \(SIGINT\); no output written/);
      expect(left()).toEqual([]);

      // Writing: the signal arrives while the temporary file is half written (test/cli-hooks/pause-write.mjs holds
      // the write open); the handler removes it.
      const writing = await interrupt(['build', input, '-o', join(work, 'out.ann'), '--metric', 'euclidean', '--trees', '2'], /^paused writing /m, undefined, ['--import', hook('pause-write.mjs')]);
      const partial = /^paused writing (.*)$/m.exec(writing.stderr)![1];
      expect(partial.startsWith(join(work, '.out.ann.'))).toBe(true);
      expect(writing.signal).toBe('SIGINT');
      expect(writing.stderr).toMatch(/interrupted \(SIGINT\); no output written/);
      expect(left()).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

it('IndexBuilder is what build uses: the CLI index equals one built by the API', async () => {
  const npy = readFileSync(fx('vectors.npy'));
  const offset = npy.readUInt16LE(8) + 10;
  const flat = new Float32Array(npy.buffer.slice(npy.byteOffset + offset, npy.byteOffset + npy.length));
  const index = new IndexBuilder({ dimensions: 8, metric: 'euclidean', seed: 3 }).addBatch(flat).build({ trees: 5 });
  expect((await cli(['build', fx('vectors.npy'), '-o', out('api.ann'), ...BUILD])).code).toBe(0);
  expect(bytes(out('api.ann'))).toEqual(index.toBytes());
  index.free();
});

describe('build --screening and --leaf-size', () => {
  const build = ['build', fx('vectors.npy'), ...BUILD];
  const infoLine = async (path: string) => (await cli(['info', path])).stdout.match(/^screening +(.*)$/m)?.[1];

  it('int8: codes computed at load (the file is the size of an unscreened one); queries answer with exact distances', async () => {
    expect((await cli([...build, '-o', out('none.ann')])).code).toBe(0);
    expect((await cli([...build, '-o', out('int8.ann'), '--screening', 'int8'])).code).toBe(0);
    expect(await infoLine(out('none.ann'))).toBe('none');
    expect(await infoLine(out('int8.ann'))).toMatch(/^int8 \(codes computed at load: 200 x 8 bytes; [\d,]+ bytes of memory\)$/);
    expect(bytes(out('int8.ann')).length).toBe(bytes(out('none.ann')).length);
    const index = Index.openSync(out('int8.ann'));
    expect(index.screening).toBe('int8');
    const r = index.searchItem(3, 5);
    r.ids.forEach((id, i) => expect(r.distances[i]).toBe(index.distance(3, id)));
    index.free();
  });

  it('pca with --screening-dimensions: info, the basis in the file, and the same answers as its trees without screening', async () => {
    const r = await cli(['build', fx('vectors.npy'), '-o', out('pca.ann'), '--metric', 'euclidean', '--trees', '5', '--seed', '3', '--screening', 'pca', '--screening-dimensions', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*pca\.ann: 200 items, 8 dimensions, euclidean, 5 trees, seed 3, pca screening \(4 components\), [\d,]+ bytes$/m);
    expect((await cli([...build, '-o', out('plain.ann')])).code).toBe(0);
    const line = await infoLine(out('pca.ann'));
    expect(line).toMatch(/^pca, 4 components \(codes computed at load: 200 x 4 bytes; [\d,]+ bytes of memory\)$/);
    const json = JSON.parse((await cli(['info', out('pca.ann'), '--json'])).stdout);
    expect(json).toMatchObject({ screening: 'pca', screeningDimensions: 4, items: 200 });
    // each code padded to whole lines of at least 16 bytes, after the file
    expect(json.screeningMemoryBytes).toBeGreaterThanOrEqual(200 * 16);
    expect(line).toContain(`; ${json.screeningMemoryBytes.toLocaleString('en-US')} bytes of memory`);
    expect(JSON.parse((await cli(['info', out('plain.ann'), '--json'])).stdout)).toMatchObject({ screening: 'none', screeningDimensions: 0, screeningMemoryBytes: 0 });
    const index = Index.openSync(out('pca.ann'));
    expect([index.screening, index.screeningDimensions]).toEqual(['pca', 4]);
    // Its trees without the codes (a euclidean pca build splits in the components' space: trees of its own).
    const trees = index.withScreening({ screening: 'none' });
    trees.saveSync(out('trees.ann'));
    trees.free();
    index.free();
    // the file holds the basis (4 offsets, padded to 16 bytes, and 4 rows of 8 float32s), not the codes
    expect(bytes(out('pca.ann')).length - bytes(out('trees.ann')).length).toBe(16 + 4 * 32);

    // --item: the item first, at distance 0, and exact distances
    const item = JSON.parse((await cli(['query', out('pca.ann'), '--item', '7', '-k', '5'])).stdout);
    expect(item.ids[0]).toBe(7);
    expect(item.distances[0]).toBe(0);
    const loaded = Index.openSync(out('plain.ann'));
    item.ids.forEach((id: number, i: number) => expect(Math.fround(item.distances[i])).toBe(loaded.distance(7, id)));
    loaded.free();
    // the default searchK (k * trees = 50) collects no more candidates than the default rerank (50) keeps: every
    // answer is its trees' unscreened answer
    const a = await cli(['query', out('pca.ann'), '--input', fx('queries.npy')]);
    const b = await cli(['query', out('trees.ann'), '--input', fx('queries.npy')]);
    expect(a.code).toBe(0);
    expect(a.stdout.trim().split('\n')).toHaveLength(20);
    expect(a.stdout).toBe(b.stdout);
    // --rerank: with more candidates than it keeps, screening decides; -1 re-ranks them all, as without screening
    const wide = ['--input', fx('queries.npy'), '--search-k', '200'];
    const all = await cli(['query', out('pca.ann'), ...wide, '--rerank', '-1']);
    expect(all.stdout).toBe((await cli(['query', out('trees.ann'), ...wide])).stdout);
    const few = await cli(['query', out('pca.ann'), ...wide, '--rerank', '10']);
    expect(few.code).toBe(0);
    expect(few.stdout.trim().split('\n')).toHaveLength(20);
    expect((await cli(['query', out('pca.ann'), ...wide, '--rerank', '0'])).code).toBe(2);
    const small = await cli(['query', out('pca.ann'), ...wide, '--rerank', '3']);
    expect([small.code, small.stderr]).toEqual([1, expect.stringMatching(/rerank 3 is not an integer >= k \(10\)/)]);
  });

  it('pca chooses its components by variance without --screening-dimensions; angular and dot too', async () => {
    for (const metric of ['angular', 'dot']) {
      const r = await cli(['build', fx('vectors.npy'), '-o', out(`pca-${metric}.ann`), '--metric', metric, '--trees', '4', '--screening', 'pca', '-q']);
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      const index = Index.openSync(out(`pca-${metric}.ann`));
      const m = index.screeningDimensions;
      expect([index.screening, index.metric]).toEqual(['pca', metric]);
      expect(m).toBeGreaterThanOrEqual(1);
      expect(m).toBeLessThanOrEqual(8);
      expect(await infoLine(out(`pca-${metric}.ann`))).toMatch(new RegExp(`^pca, ${m} components \\(codes computed at load: 200 x ${m} bytes; [\\d,]+ bytes of memory\\)$`));
      const hit = JSON.parse((await cli(['query', out(`pca-${metric}.ann`), '--item', '11', '-k', '3'])).stdout);
      expect(hit.ids).toHaveLength(3);
      hit.ids.forEach((id: number, i: number) => expect(Math.fround(hit.distances[i])).toBe(index.distance(11, id)));
      index.free();
    }
  });

  it('bad screening options exit 2 from the process and write nothing', () => {
    const node = (args: string[]) => spawnSync(process.execPath, [bin, 'build', fx('vectors.npy'), '-o', out('bad-screening.ann'), ...args], { encoding: 'utf8' });
    for (const [args, message] of [
      [['--metric', 'manhattan', '--screening', 'pca'], /--screening pca is for angular, euclidean, dot, not manhattan/],
      [['--metric', 'euclidean', '--screening-dimensions', '3'], /--screening-dimensions is for --screening pca/],
      [['--metric', 'euclidean', '--screening', 'pca', '--screening-dimensions', '9'], /--screening-dimensions 9 is more than the vectors' 8 dimensions/],
    ] as [string[], RegExp][]) {
      const r = node(args);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
    expect(files()).not.toContain('bad-screening.ann');
  });

  it('--leaf-size', async () => {
    expect((await cli([...build, '-o', out('leaf.ann'), '--leaf-size', '4'])).code).toBe(0);
    expect((await cli(['info', out('leaf.ann')])).stdout).toMatch(/leaves hold up to 4 ids/);
  });
});

describe('graph indexes from the command line', () => {
  it('build --graph --degree writes a graph index; info shows it; query --all writes every item\'s neighbours as JSON Lines, .tsv and .npy (ids and distances), with progress', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => JSON.stringify({ id: i, vector: [Math.sin(i), Math.cos(i * 0.7), (i % 13) / 13, i / 120] }));
    writeFileSync(join(dir, 'g.jsonl'), rows.join('\n') + '\n');
    const index = join(dir, 'g.idx');
    expect((await cli(['build', join(dir, 'g.jsonl'), '-o', index, '--metric', 'euclidean', '--graph', '--degree', '6', '--quiet'])).code).toBe(0);
    const info = JSON.parse((await cli(['info', index, '--json'])).stdout);
    expect([info.version, info.graphDegree, info.trees]).toEqual([2, 6, 8]);
    expect((await cli(['build', join(dir, 'g.jsonl'), '-o', index, '--metric', 'euclidean', '--degree', '6'])).code).toBe(2); // --degree needs --graph
    const loaded = Index.openSync(index);
    const all = loaded.searchAll(4);
    const out = join(dir, 'n.jsonl');
    const run = await cli(['query', index, '--all', '-k', '4', '--output', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/query --all: 120\/120 items/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(120);
    expect(lines[7].ids).toEqual([...all.row(7).ids]);
    expect(lines[7].ids).not.toContain(7);
    expect((await cli(['query', index, '--all', '-k', '4', '--output', join(dir, 'n.npy')])).code).toBe(0);
    const npy = readFileSync(join(dir, 'n.npy'));
    const { dataOffset: headerBytes, shape, descr } = parseNpyHeader(new Uint8Array(npy));
    expect(descr).toBe("<u4");
    expect(shape).toEqual([120, 4]);
    expect([...new Uint32Array(npy.buffer.slice(npy.byteOffset + headerBytes, npy.byteOffset + headerBytes + 16))]).toEqual([...all.row(0).ids]);
    const distances = readFileSync(join(dir, 'n.distances.npy'));
    const d = parseNpyHeader(new Uint8Array(distances));
    expect([d.descr, d.shape]).toEqual(['<f4', [120, 4]]);
    expect([...new Float32Array(distances.buffer.slice(distances.byteOffset + d.dataOffset, distances.byteOffset + d.dataOffset + 16))]).toEqual([...all.row(0).distances]);
    expect((await cli(['query', index, '--all', '-k', '4', '--output', join(dir, 'n.tsv')])).code).toBe(0);
    const tsv = readFileSync(join(dir, 'n.tsv'), 'utf8').trim().split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split('\t'));
    expect(tsv.filter((f) => f[0] === '7').map((f) => Number(f[2]))).toEqual([...all.row(7).ids]);
    loaded.free();
    for (const f of ['g.jsonl', 'g.idx', 'n.jsonl', 'n.npy', 'n.distances.npy', 'n.tsv']) rmSync(join(dir, f));
  });
});
