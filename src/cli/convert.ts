// `annoy-wasm convert`: between this library's format and Annoy's own .ann files, in both directions.
import type { Index } from '../index/index.js';
import { CODES, MAX_PCA_DIMENSIONS, STORAGES } from '../format/layout.js';
import { int, metric, oneOf, parse, positionals, required, str } from './args.js';
import { CliError, UsageError, describe } from './errors.js';
import { InterruptGuard } from './interrupt.js';
import { println, type Io } from './io.js';
import { formatOfIndex, openIndex, type IndexFormat } from './open-index.js';
import { checkWritable, writeAtomically } from './output.js';
import { count } from './progress.js';

export const CONVERT_USAGE = `usage: annoy-wasm convert <in> -o <out> [--from annoy|native] [--dimensions <d> --metric <m>]
                          [--screening none|int8|pca [--screening-dimensions <m>]] [--storage <s>]

Converts an index between the annoy-wasm format ("native") and Annoy's .ann format, either way. The result
answers queries alike: same items, same trees. Annoy files record neither dimensions nor metric, so reading
one needs --dimensions and --metric.

options:
  -o, --output <file>   the file to write (atomically)
  --from <f>            the input's format: native or annoy (default: native if the file says so)
  --dimensions <d>      the vectors' length (required with --from annoy)
  --metric <m>          the metric the Annoy index was built with (required with --from annoy)
  --screening <s>       into annoy-wasm: none, int8 or pca screening (see annoy-wasm build --help); default: as
                        the input (Annoy files: none)
  --screening-dimensions <m>
                        pca: principal components per code (default: chosen by variance)
  --storage <s>         into annoy-wasm: item vectors as float32, float16, bfloat16 or int8 (see annoy-wasm build
                        --help); default: as the input (Annoy files: float32). Into Annoy: always float32
  -h, --help            show this help

exit status: 0 converted, 1 failed (unreadable or damaged input, cannot write), 2 bad usage`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  from: { type: 'string' },
  dimensions: { type: 'string' },
  metric: { type: 'string' },
  screening: { type: 'string' },
  'screening-dimensions': { type: 'string' },
  storage: { type: 'string' },
} as const;

type AnnoyWriter = Index & { saveAnnoy?: (path: string) => Promise<void>; toAnnoyBytes?: () => Uint8Array };

export async function convert(args: string[], io: Io): Promise<number> {
  const p = parse(args, OPTIONS);
  const [input] = positionals(p, ['in']);
  const output = required(p, 'output', 'the file to write');
  const from = str(p, 'from');
  if (from !== undefined && from !== 'native' && from !== 'annoy') throw new UsageError(`--from ${JSON.stringify(from)} is not annoy or native`);
  const spec = { from: from as IndexFormat | undefined, dimensions: int(p, 'dimensions', 1, 65536), metric: metric(str(p, 'metric')) };
  if (spec.from === 'annoy' && (spec.dimensions === undefined || spec.metric === undefined)) {
    throw new UsageError('--from annoy needs --dimensions and --metric (Annoy files do not record them)');
  }
  const screening = str(p, 'screening') === undefined ? undefined : oneOf(p, 'screening', CODES, 'none');
  const screeningDimensions = int(p, 'screening-dimensions', 1, MAX_PCA_DIMENSIONS); // as annoy-wasm build's
  if (screeningDimensions !== undefined && screening !== 'pca') throw new UsageError('--screening-dimensions is for --screening pca');
  checkWritable(output, [input]);
  const format = formatOfIndex(input, spec);
  if (screening !== undefined && format !== 'annoy') throw new UsageError('--screening applies when converting into annoy-wasm (Annoy .ann files have no screening)');
  const storage = str(p, 'storage') === undefined ? undefined : oneOf(p, 'storage', STORAGES, 'float32');
  if (storage !== undefined && format !== 'annoy') throw new UsageError('--storage applies when converting into annoy-wasm (Annoy .ann files hold float32)');
  const opened = openIndex(input, { ...spec, from: format }).index;
  let index = opened;
  try {
    if (screening !== undefined) index = opened.withScreening({ screening, screeningDimensions });
    if (storage !== undefined) {
      const stored = index.withStorage(storage);
      if (index !== opened) index.free();
      index = stored;
    }
  } catch (e) {
    opened.free();
    throw new UsageError(describe(e));
  }
  if (index !== opened) opened.free();
  const guard = new InterruptGuard(io, 'convert');
  try {
    const to = format === 'native' ? 'annoy' : 'native';
    if (to === 'annoy') {
      const w = index as AnnoyWriter;
      if (typeof w.saveAnnoy !== 'function' && typeof w.toAnnoyBytes !== 'function') {
        throw new CliError(`${output}: writing Annoy .ann files is not supported yet by this version of annoy-wasm`);
      }
      await writeAtomically(output, guard, async (temporary) => {
        if (typeof w.saveAnnoy === 'function') await w.saveAnnoy(temporary);
        else {
          const { writeFile } = await import('node:fs/promises');
          await writeFile(temporary, w.toAnnoyBytes!());
        }
      });
    } else {
      await writeAtomically(output, guard, (temporary) => index.save(temporary));
    }
    const screened = index.screening === 'none' ? '' : `, ${index.screening} screening${index.screening === 'pca' ? ` (${index.screeningDimensions} components)` : ''}`;
    println(io.stdout, `wrote ${output} (${to === 'annoy' ? 'Annoy .ann' : 'annoy-wasm'}): ${count(index.count)} items, ${index.dimensions} dimensions, ${index.metric}, ${count(index.trees)} trees${screened}`);
    return 0;
  } catch (e) {
    if (e instanceof CliError || e instanceof UsageError) throw e;
    throw new CliError(`${input}: ${describe(e)}`, { cause: e });
  } finally {
    guard.disarm();
    index.free();
  }
}
