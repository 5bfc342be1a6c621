// What a command may touch of the outside world, so the same code runs as the real command and inside tests.
import type { Readable } from 'node:stream';

export interface Output {
  write(text: string): unknown;
  /** A terminal: progress redraws one line; otherwise it logs plain lines. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  stdin: Readable;
  env: Record<string, string | undefined>;
  /** Installs signal handlers (interrupt.ts); false in tests that run commands in-process. */
  handleSignals: boolean;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, handleSignals: true };
}

/** Writes `line` and a newline. */
export const println = (out: Output, line = '') => out.write(`${line}\n`);
