// Reads a file front to back in large chunks, asynchronously (so signal handlers run between chunks), keeping
// only one chunk plus the unread tail of the previous one.
import { open, type FileHandle } from 'node:fs/promises';

export const CHUNK_BYTES = 4 * 1024 * 1024;

export class BinaryFile {
  readonly size: number;
  #handle: FileHandle;
  #position: number;

  private constructor(handle: FileHandle, size: number, start: number) {
    this.#handle = handle;
    this.size = size;
    this.#position = start;
  }

  static async open(path: string, start = 0): Promise<BinaryFile> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      return new BinaryFile(handle, size, start);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get position(): number { return this.#position; }

  /** Reads `length` bytes at `position` (fewer at the end of the file). */
  async readAt(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, this.size - position)));
    let done = 0;
    while (done < buffer.length) {
      const { bytesRead } = await this.#handle.read(buffer, done, buffer.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buffer.length ? buffer : buffer.subarray(0, done);
  }

  /**
   * Yields the file from the current position in chunks whose length is a multiple of `unit` bytes (the last
   * chunk holds what is left, possibly a partial unit). Each chunk is a fresh, aligned buffer.
   */
  async *chunks(unit: number, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    const want = Math.max(unit, Math.floor(chunkBytes / unit) * unit);
    while (this.#position < this.size) {
      const chunk = await this.readAt(this.#position, want);
      if (chunk.length === 0) return;
      this.#position += chunk.length;
      yield chunk;
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
