// The command with string keys: build --keys reads the id column of JSON Lines and CSV as keys; query prints them
// beside the ids and takes --item <key>; the index answers as one built by IndexBuilder with the same keys.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Index, IndexBuilder } from '../src/index.js';
import { run } from '../src/cli/run.js';
import { gloveSample } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-cli-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const glove = gloveSample();
const N = 300, D = 100;
const row = (i: number) => [...glove.vectors.subarray(i * D, (i + 1) * D)];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: false, columns: 120 },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    stdin: Readable.from([]), env: {}, handleSignals: false,
  });
  return { code, stdout, stderr };
}

describe('build --keys, query prints keys', () => {
  it('JSON Lines and CSV ids become keys; query --item <key> prints keys beside ids', async () => {
    const lines = Array.from({ length: N }, (_, i) => JSON.stringify({ id: `w:${glove.words[i]}`, vector: row(i) }));
    writeFileSync(join(dir, 'v.jsonl'), lines.join('\n'));
    writeFileSync(join(dir, 'v.csv'), ['id,' + Array.from({ length: D }, (_, j) => `x${j}`).join(','),
      ...Array.from({ length: N }, (_, i) => `"w:${glove.words[i].replace(/"/g, '""')}",${row(i).join(',')}`)].join('\n'));
    const want = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 3, keys: true });
    for (let i = 0; i < N; i++) want.add(`w:${glove.words[i]}`, row(i));
    const reference = want.build({ trees: 5 });
    for (const input of ['v.jsonl', 'v.csv']) {
      const built = await cli(['build', join(dir, input), '-o', join(dir, `${input}.annoy`), '--metric', 'angular', '--trees', '5', '--seed', '3', '--keys', '--quiet', '--jobs', '1']);
      expect([input, built.code, built.stderr]).toEqual([input, 0, '']);
      expect(new Uint8Array(readFileSync(join(dir, `${input}.annoy`)))).toEqual(reference.toBytes());
    }
    const probe = `w:${glove.words[5]}`;
    const q = await cli(['query', join(dir, 'v.jsonl.annoy'), '--item', probe, '-k', '3']);
    expect([q.code, q.stderr]).toEqual([0, '']);
    const hit = reference.searchItem(probe, 3);
    expect(JSON.parse(q.stdout)).toMatchObject({ query: probe, ids: [...hit.ids], keys: hit.keys });
    const tsv = await cli(['query', join(dir, 'v.jsonl.annoy'), '--item', String(hit.ids[0]), '-k', '2', '--format', 'tsv']);
    expect(tsv.stdout.split('\n')[0]).toBe('query\trank\tid\tkey\tdistance');
    expect(tsv.stdout.split('\n')[1].split('\t').slice(0, 4)).toEqual([String(hit.ids[0]), '1', String(hit.ids[0]), probe]);
    const unknown = await cli(['query', join(dir, 'v.jsonl.annoy'), '--item', 'w:nonesuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/w:nonesuch/);
    expect(Index.openSync(join(dir, 'v.csv.annoy')).idOf(probe)).toBe(5);
  });

  it('--keys refuses a row without a key (or skips it with --skip-invalid)', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), [JSON.stringify({ id: 'a', vector: row(0) }), JSON.stringify(row(1))].join('\n'));
    const r = await cli(['build', join(dir, 'bad.jsonl'), '-o', join(dir, 'bad.annoy'), '--metric', 'angular', '--keys', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no key/);
    const skipped = await cli(['build', join(dir, 'bad.jsonl'), '-o', join(dir, 'bad.annoy'), '--metric', 'angular', '--keys', '--quiet', '--skip-invalid']);
    expect(skipped.code).toBe(0);
    expect(Index.openSync(join(dir, 'bad.annoy')).count).toBe(1);
  });
});
