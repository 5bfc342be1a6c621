// Text input line by line (file or stdin), in batches, with line numbers and a byte count for progress.
// Accepts \n and \r\n endings and a UTF-8 byte order mark.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BATCH_ROWS } from './types.js';

export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
}

export interface LineInput {
  name: string;
  /** Bytes in total, when it is a file. */
  size?: number;
  bytesRead(): number;
  lines(): AsyncGenerator<Line[]>;
  close(): Promise<void>;
}

/** `path` "-" is `stdin`. */
export async function openLines(path: string, stdin: Readable): Promise<LineInput> {
  if (path === '-') return lineInput('stdin', stdin, undefined);
  const { size } = await stat(path);
  // Open now, so a missing or unreadable file fails here rather than mid-way.
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return lineInput(path, stream, size);
}

function lineInput(name: string, stream: Readable, size: number | undefined): LineInput {
  let bytes = 0;
  return {
    name, size,
    bytesRead: () => bytes,
    async *lines() {
      const decoder = new StringDecoder('utf8');
      let rest = '';
      let line = 0;
      let first = true;
      for await (const chunk of stream) {
        const buf = chunk as Buffer | string;
        bytes += typeof buf === 'string' ? Buffer.byteLength(buf) : buf.length;
        let text = rest + (typeof buf === 'string' ? buf : decoder.write(buf));
        if (first && text.length > 0) {
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          first = false;
        }
        const parts = text.split('\n');
        rest = parts.pop()!;
        const batch: Line[] = new Array(parts.length);
        for (let i = 0; i < parts.length; i++) {
          const t = parts[i];
          batch[i] = { text: t.endsWith('\r') ? t.slice(0, -1) : t, line: ++line };
        }
        // Yield in slices so one huge chunk still reaches the builder in modest batches.
        for (let i = 0; i < batch.length; i += BATCH_ROWS) yield batch.slice(i, i + BATCH_ROWS);
      }
      rest += decoder.end();
      if (rest.length > 0) yield [{ text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: ++line }];
    },
    async close() {
      if (stream !== process.stdin) stream.destroy();
    },
  };
}
