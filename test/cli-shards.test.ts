// Shards from the command line, for real: `build --shard-size` in one process against `build --shard I/N` in N
// separate processes (as the tasks of an array job would run) plus `manifest`: the same bytes, file for file.
// Then query (also --all), info, bench and the similar-items service read the manifest, and answer as ShardedIndex does.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardedIndex } from '../src/index.js';
import { bruteForce, gloveSample } from './helpers.js';
// @ts-expect-error: a plain JavaScript example
import { startServer } from '../examples/similar-items-server/server.mjs';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'dist/esm/cli/main.js');
const glove = gloveSample();
const ROWS = 3000, SHARD = 700; // 5 shards, the last one short
let dir: string;
const at = (name: string) => join(dir, name);

/** Runs the built command as its own process. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** A .npy of the first ROWS GloVe sample vectors. */
function writeNpy(path: string): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${ROWS}, 100), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = Buffer.from([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, header.length & 0xFF, header.length >> 8]);
  const body = glove.vectors.subarray(0, ROWS * 100);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(body.buffer, body.byteOffset, body.byteLength)]));
}

const filesOf = (folder: string) => readdirSync(folder).sort();
const BUILD = ['--metric', 'angular', '--trees', '6', '--seed', '9', '--jobs', '1', '--quiet'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-cli-shards-'));
  writeNpy(at('items.npy'));
  const whole = await cli('build', 'items.npy', '-o', 'whole', '--shard-size', String(SHARD), ...BUILD);
  expect(whole).toMatchObject({ code: 0, stderr: '' });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('annoy-wasm build --shard-size / --shard I/N and annoy-wasm manifest', () => {
  it('one --shard-size run writes shard-NNNN.annoy files of consecutive id ranges and a manifest', () => {
    expect(filesOf(at('whole'))).toEqual(['manifest.json', 'shard-0000.annoy', 'shard-0001.annoy', 'shard-0002.annoy', 'shard-0003.annoy', 'shard-0004.annoy']);
    const m = JSON.parse(readFileSync(at('whole/manifest.json'), 'utf8'));
    expect(m.shards.map((s: { idOffset: number; size: number }) => [s.idOffset, s.size])).toEqual([[0, 700], [700, 700], [1400, 700], [2100, 700], [2800, 200]]);
  });

  it('N separate --shard I/N processes and a manifest process write the same bytes as one run', async () => {
    // 3 parts of 5 shards: part 0 builds shards 0 and 3, part 1 shards 1 and 4, part 2 shard 2; all at once.
    const parts = await Promise.all([0, 1, 2].map((i) => cli('build', 'items.npy', '-o', 'parts', '--shard-size', String(SHARD), '--shard', `${i}/3`, ...BUILD)));
    for (const r of parts) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(at('parts/manifest.json'))).toBe(false); // a part writes no manifest
    expect(await cli('manifest', 'parts', '--shard-size', String(SHARD))).toMatchObject({ code: 0, stderr: '' });
    expect(filesOf(at('parts'))).toEqual(filesOf(at('whole')));
    for (const f of filesOf(at('whole'))) expect(readFileSync(at(`parts/${f}`)).equals(readFileSync(at(`whole/${f}`))), f).toBe(true);
  }, 120_000);

  it('a part that no shard falls in writes nothing and succeeds; the others still make the whole', async () => {
    const parts = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => cli('build', 'items.npy', '-o', 'seven', '--shard-size', String(SHARD), '--shard', `${i}/7`, ...BUILD)));
    for (const r of parts) expect(r.code).toBe(0);
    expect(filesOf(at('seven'))).toEqual(filesOf(at('whole')).filter((f) => f !== 'manifest.json'));
    expect((await cli('manifest', 'seven', '--shard-size', String(SHARD))).code).toBe(0);
    expect(readFileSync(at('seven/manifest.json')).equals(readFileSync(at('whole/manifest.json')))).toBe(true);
  }, 120_000);

  it('manifest refuses a shard size smaller than the shards hold, and a folder without shards', async () => {
    const small = await cli('manifest', 'whole', '--shard-size', '500');
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/shard-0000\.annoy holds ids up to 699, more than a shard of 500 ids/);
    const none = await cli('manifest', '.');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/holds no shard files/);
  });

  it('bad --shard values and --keys with shards are usage errors (exit 2)', async () => {
    for (const bad of ['3/3', '1', '-1/2', 'a/b', '0/0']) {
      const r = await cli('build', 'items.npy', '-o', 'bad', `--shard=${bad}`, ...BUILD);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--shard .* is not <i>\/<n>/);
    }
    const keys = await cli('build', 'items.npy', '-o', 'bad', '--shard-size', '10', '--keys', ...BUILD);
    expect(keys.code).toBe(2);
    expect(existsSync(at('bad'))).toBe(false);
  });
});

describe('query, info, bench and the service read a manifest', () => {
  it('query on the manifest (or its folder) answers with global ids, as ShardedIndex', async () => {
    const sharded = await ShardedIndex.open(at('whole/manifest.json'));
    try {
      for (const target of ['whole', 'whole/manifest.json']) {
        const r = await cli('query', target, '--item', '2850', '-k', '5');
        expect(r.code).toBe(0);
        const got = JSON.parse(r.stdout);
        const want = sharded.searchItem(2850, 5);
        expect(got.ids).toEqual([...want.ids]);
        expect(got.ids[0]).toBe(2850); // an item of the last shard, by its global id
      }
      // recall against brute force over all 3000 items, through the shards
      const q = glove.queries.subarray(0, 100);
      const r = await cli('query', 'whole', '--vector', JSON.stringify([...q]), '-k', '10', '--search-k', '2000');
      const truth = bruteForce('angular', glove.vectors.subarray(0, ROWS * 100), 100, q, 10);
      const hits = JSON.parse(r.stdout).ids.filter((id: number) => truth.includes(id)).length;
      expect(hits).toBeGreaterThanOrEqual(9);
    } finally {
      sharded.free();
    }
  });

  it('query --all on a manifest: each item\'s nearest other items over all shards, by global id', async () => {
    const all = await cli('query', 'whole', '--all', '-k', '3', '--output', 'all.npy');
    expect(all.code).toBe(0);
    const npy = readFileSync(at('all.npy'));
    const ids = new Uint32Array(npy.buffer.slice(npy.byteOffset + npy.length - ROWS * 3 * 4, npy.byteOffset + npy.length));
    const sharded = await ShardedIndex.open(at('whole/manifest.json'));
    try {
      for (const id of [0, 699, 700, 1999, 2999]) {
        const want = [...sharded.searchItem(id, 4).ids].filter((x) => x !== id).slice(0, 3);
        expect([...ids.subarray(id * 3, id * 3 + 3)], `row ${id}`).toEqual(want);
      }
      // rows reach across shards: some item's neighbours lie in another shard than its own
      const across = Array.from({ length: ROWS }, (_, i) => i).some((i) => [...ids.subarray(i * 3, i * 3 + 3)].some((j) => Math.floor(j / SHARD) !== Math.floor(i / SHARD)));
      expect(across).toBe(true);
    } finally {
      sharded.free();
    }
  });

  it('info checks every shard and lists them; bench measures recall through the manifest', async () => {
    const info = await cli('info', 'whole', '--json');
    expect(info.code).toBe(0);
    const facts = JSON.parse(info.stdout);
    expect(facts).toMatchObject({ format: 'annoy-wasm shards', items: ROWS, size: ROWS, trees: 6, dimensions: 100 });
    expect(facts.shards).toHaveLength(5);
    writeFileSync(at('queries.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify([...glove.queries.subarray(i * 100, (i + 1) * 100)])).join('\n'));
    const bench = await cli('bench', 'whole/manifest.json', '--queries', 'queries.jsonl', '--search-k', '3000', '--time', '0', '--json');
    expect(bench.code).toBe(0);
    expect(JSON.parse(bench.stdout).results[0].recall).toBeGreaterThan(0.9);
  });

  it('a damaged shard is refused by info, naming the shard', async () => {
    const copy = at('damaged');
    await cli('build', 'items.npy', '-o', 'damaged', '--shard-size', String(SHARD), ...BUILD);
    const f = join(copy, 'shard-0002.annoy');
    const b = readFileSync(f);
    b[b.length - 100] ^= 0x40;
    writeFileSync(f, b);
    const r = await cli('info', 'damaged');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/shard-0002\.annoy/);
  }, 60_000);

  it('the similar-items service serves a manifest', async () => {
    const sharded = await ShardedIndex.open(at('whole/manifest.json'));
    const running = await startServer({ index: at('whole/manifest.json'), port: 0, workers: 1 });
    try {
      const r = await (await fetch(`http://127.0.0.1:${running.port}/items/2100/similar?k=4`)).json();
      const want = sharded.searchItem(2100, 4);
      expect(r).toEqual({ key: '2100', ids: [...want.ids], distances: [...want.distances] });
    } finally {
      await running.stop();
      sharded.free();
    }
  });
});
