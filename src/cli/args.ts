// Argument parsing for every command: node:util parseArgs (strict), --help/-h, and value checks that turn
// into usage errors (exit 2) naming the option and what was expected.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { METRICS, type Metric } from '../metric.js';
import { HelpRequested, UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` against `options` (plus -h/--help, which throws HelpRequested: the dispatcher prints the command's
 * usage); unknown options and missing values are usage errors.
 */
export function parse(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeNumbers(args, options), allowPositionals: true, strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
    const v = values as Parsed['values'];
    if (v.help === true) throw new HelpRequested();
    return { values: v, positionals };
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument[^]*$/, '.').replace(/\s*\n\s*/g, ' '));
    }
    throw e;
  }
}

/** `--trees -1` as `--trees=-1`: parseArgs takes a value starting with "-" for an option otherwise. */
function joinNegativeNumbers(args: string[], options: Options): string[] {
  const takesValue = (a: string) => {
    if (a.startsWith('--')) return options[a.slice(2)]?.type === 'string';
    return /^-[a-zA-Z]$/.test(a) && Object.values(options).some((o) => o.short === a[1] && o.type === 'string');
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') { out.push(...args.slice(i)); break; }
    if (takesValue(args[i]) && i + 1 < args.length && /^-\d+(\.\d+)?$/.test(args[i + 1])) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** The positional arguments: exactly `names.length` of them (names are for the message). */
export function positionals(p: Parsed, names: string[]): string[] {
  if (p.positionals.length < names.length) throw new UsageError(`missing ${names.slice(p.positionals.length).map((n) => `<${n}>`).join(' ')}`);
  if (p.positionals.length > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(p.positionals[names.length])}`);
  return p.positionals;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(p: Parsed, name: string, what = 'a value'): string {
  const v = str(p, name);
  if (v === undefined) throw new UsageError(`--${name} is required (${what})`);
  if (v === '') throw new UsageError(`--${name} is empty`);
  return v;
}

/** An integer option in [min, max]; `undefined` when absent. */
export function int(p: Parsed, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  return intValue(v, `--${name}`, min, max);
}

export function intValue(v: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UsageError(`${what} ${JSON.stringify(v)} is not ${range}`);
  }
  return n;
}

/** A comma-separated list of integers (e.g. --search-k 100,1000). */
export function intList(p: Parsed, name: string, min: number): number[] | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  return v.split(',').map((x) => intValue(x, `--${name}`, min));
}

export function metric(v: string | undefined, name = 'metric'): Metric | undefined {
  if (v === undefined) return undefined;
  if (!(METRICS as readonly string[]).includes(v)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not one of ${METRICS.join(', ')}`);
  return v as Metric;
}

export function oneOf<T extends string>(p: Parsed, name: string, choices: readonly T[], fallback: T): T {
  const v = str(p, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not one of ${choices.join(', ')}`);
  return v as T;
}
