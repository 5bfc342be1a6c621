// `annoy-wasm manifest <dir>`: writes <dir>/manifest.json from the shard files that separate
// `build --shard I/N` processes wrote there (writeManifest: the same bytes one `build --shard-size` run writes).
import { writeManifest } from '../shards/write-manifest.js';
import { int, parse, positionals } from './args.js';
import { CliError, describe } from './errors.js';
import { println, type Io } from './io.js';

export const MANIFEST_USAGE = `usage: annoy-wasm manifest <dir> [--shard-size <n>]

Writes <dir>/manifest.json, listing the shard files <dir>/shard-NNNN.annoy that "annoy-wasm build --shard <i>/<n>"
processes wrote (one per part, on any machines). Shard NNNN holds the ids from NNNN * shard-size; the manifest
records each file's size and checksum, so loading it refuses a shard of another build. It is the manifest one
"build --shard-size" run would have written, byte for byte.

options:
  --shard-size <n>      the --shard-size the shards were built with (default: build's default for their
                        dimensions, as many ids as take 1 GiB of vectors)
  -q, --quiet           print nothing but errors
  -h, --help            show this help

exit status: 0 written, 1 failed (no shards, unreadable or mismatched shard files), 2 bad usage`;

const OPTIONS = { 'shard-size': { type: 'string' }, quiet: { type: 'boolean', short: 'q' } } as const;

export async function manifest(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  const [dir] = positionals(p, ['dir']);
  const shardSize = int(p, 'shard-size', 1, 2 ** 31 - 1);
  let path: string;
  try {
    path = writeManifest(dir.replace(/[/\\]+$/, '') || dir, shardSize === undefined ? {} : { shardSize });
  } catch (e) {
    throw new CliError(`${dir}: ${describe(e)}`, { cause: e });
  }
  if (p.values.quiet !== true) println(io.stdout, `wrote ${path}`);
  return 0;
}
