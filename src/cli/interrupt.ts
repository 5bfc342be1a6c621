// Ctrl-C (SIGINT), SIGTERM and SIGHUP while a command writes files: leave nothing half-written behind.
//
// JavaScript signal handlers run only when the event loop gets control. The index build is one synchronous wasm
// call, so a handler installed during it would delay Ctrl-C until the build ends. Instead, handlers are installed
// (armed) only around asynchronous work: reading the input and writing the output, where they run at once and
// remove temporary files. While the build runs they are removed (disarmed), so the signal's default action ends
// the process immediately; nothing has been written then, so nothing is left. Either way the process ends by the
// signal itself (exit status 128 + signal number to a shell).
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Io } from './io.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class InterruptGuard {
  readonly #io: Io;
  readonly #command: string;
  readonly #temporary = new Set<string>();
  #armed = false;

  constructor(io: Io, command: string) {
    this.#io = io;
    this.#command = command;
  }

  readonly #handler = (signal: NodeJS.Signals) => {
    this.#removeTemporary();
    this.#io.stderr.write(`\nannoy-wasm ${this.#command}: interrupted (${signal}); no output written\n`);
    this.disarm();
    process.kill(process.pid, signal);
  };

  /** Signals now run the handler (during asynchronous work). */
  arm(): void {
    if (this.#armed || !this.#io.handleSignals) return;
    for (const s of SIGNALS) process.on(s, this.#handler);
    this.#armed = true;
  }

  /** Signals now take their default action (during synchronous work). */
  disarm(): void {
    if (!this.#armed) return;
    for (const s of SIGNALS) process.off(s, this.#handler);
    this.#armed = false;
  }

  /** Files to remove if interrupted (temporary outputs, until renamed), with any file named after them. */
  track(path: string): void { this.#temporary.add(path); }
  untrack(path: string): void { this.#temporary.delete(path); }

  #removeTemporary(): void {
    for (const p of this.#temporary) {
      const dir = dirname(p), name = basename(p);
      let entries: string[] = [];
      try { entries = readdirSync(dir); } catch { /* the directory is gone: nothing to remove */ }
      for (const e of entries) if (e === name || e.startsWith(`${name}.`)) rmSync(join(dir, e), { force: true });
    }
    this.#temporary.clear();
  }
}
