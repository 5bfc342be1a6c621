// Progress of a long command: on a terminal one status line redrawn in place (items read, trees built, ETA);
// otherwise plain log lines, a few per phase; nothing with --quiet.
import type { Output } from './io.js';

export type ProgressMode = 'tty' | 'log' | 'quiet';

const REDRAW_MS = 100;
const LOG_MS = 5000;

export const count = (n: number) => n.toLocaleString('en-US');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m < 120 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export class Progress {
  readonly mode: ProgressMode;
  readonly #out: Output;
  readonly #now: () => number;
  #status = '';
  #lastDraw = -Infinity;
  #lastLog = -Infinity;
  #phaseStart = 0;

  constructor(out: Output, mode: ProgressMode, now: () => number = () => performance.now()) {
    this.#out = out;
    this.mode = mode;
    this.#now = now;
  }

  static modeFor(out: Output, quiet: boolean): ProgressMode {
    return quiet ? 'quiet' : out.isTTY ? 'tty' : 'log';
  }

  /** A permanent line (clears the status line first). */
  log(line: string): void {
    if (this.mode === 'quiet') return;
    this.#clear();
    this.#out.write(`${line}\n`);
    if (this.mode === 'tty' && this.#status) this.#draw(this.#status);
  }

  /** Starts a phase: its clock is what the ETA is measured on. */
  phase(line: string): void {
    this.#phaseStart = this.#now();
    this.#lastLog = this.#phaseStart;
    this.#lastDraw = -Infinity;
    this.#status = '';
    this.log(line);
  }

  /** Seconds since the phase began. */
  elapsed(): number {
    return (this.#now() - this.#phaseStart) / 1000;
  }

  /** Remaining time, from the fraction done so far, once there is something to go on. */
  eta(fraction: number | undefined): string | undefined {
    const t = this.elapsed();
    if (fraction === undefined || fraction <= 0 || t < 0.5) return undefined;
    return fraction >= 1 ? '0 s' : duration((t * (1 - fraction)) / fraction);
  }

  /** Updates the status (throttled). `text` is recomputed only when it will be shown. */
  update(text: () => string): void {
    if (this.mode === 'quiet') return;
    const now = this.#now();
    if (this.mode === 'tty') {
      if (now - this.#lastDraw < REDRAW_MS) return;
      this.#lastDraw = now;
      this.#status = text();
      this.#draw(this.#status);
    } else if (now - this.#lastLog >= LOG_MS) {
      this.#lastLog = now;
      this.#out.write(`${text()}\n`);
    }
  }

  /** Clears the status line (call before a phase's final log line or an error). */
  done(): void {
    this.#clear();
    this.#status = '';
  }

  #draw(text: string): void {
    const width = Math.max(20, (this.#out.columns || 100) - 1);
    this.#out.write(`\r\x1b[K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
  }

  #clear(): void {
    if (this.mode === 'tty' && this.#status) this.#out.write('\r\x1b[K');
  }
}
