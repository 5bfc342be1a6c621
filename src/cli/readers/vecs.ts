// The TEXMEX formats of the classic ANN benchmarks (SIFT, GIST, ...): each record is a little-endian int32 count d
// followed by d values: float32 (.fvecs), uint8 (.bvecs) or int32 (.ivecs, used for ground truth). Records may
// differ in length, so a wrong-length record is a bad row that can be skipped; a cut-short last record too.
import { CliError } from '../errors.js';
import { BinaryFile } from './binary-file.js';
import { BATCH_ROWS, type Row, type Source } from './types.js';

const ELEMENT = { fvecs: 4, bvecs: 1, ivecs: 4 } as const;
/** Larger counts are not vectors but a file of another kind (or a damaged one). */
const MAX_COUNT = 1 << 24;

export async function openVecs(path: string, format: 'fvecs' | 'bvecs' | 'ivecs'): Promise<Source> {
  const element = ELEMENT[format];
  const probe = await BinaryFile.open(path);
  let first: number | undefined;
  try {
    if (probe.size > 0) {
      const head = await probe.readAt(0, 4);
      if (head.length < 4) throw new CliError(`${path}: not an .${format} file: ${probe.size} bytes, less than one record`);
      first = new DataView(head.buffer).getInt32(0, true);
      if (first < 1 || first > MAX_COUNT) throw new CliError(`${path}: not an .${format} file: the first record declares ${first} values`);
    }
  } finally {
    await probe.close();
  }
  const recordBytes = first === undefined ? 0 : 4 + first * element;
  const rows = first === undefined ? 0 : probe.size % recordBytes === 0 ? probe.size / recordBytes : undefined;
  let file: BinaryFile | null = null;
  let consumed = 0;
  return {
    name: path, format, unit: 'record', dimensions: first, rows,
    fraction: () => (probe.size === 0 ? 1 : consumed / probe.size),
    async *batches() {
      file = await BinaryFile.open(path);
      try {
        let pending: Uint8Array = new Uint8Array(0);
        let record = 0;
        for await (const chunk of file.chunks(1, Math.max(recordBytes * BATCH_ROWS, 1 << 20))) {
          let buf: Uint8Array = chunk;
          if (pending.length) {
            buf = new Uint8Array(pending.length + chunk.length);
            buf.set(pending);
            buf.set(chunk, pending.length);
          }
          const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
          const batch: Row[] = [];
          let at = 0;
          while (buf.length - at >= 4) {
            const d = view.getInt32(at, true);
            if (d < 0 || d > MAX_COUNT) {
              throw new CliError(`${path}: record ${record + 1} (byte ${consumed + at}) declares ${d} values: the file is damaged or not .${format}`);
            }
            const end = at + 4 + d * element;
            if (end > buf.length) break;
            const start = buf.byteOffset + at + 4;
            const values = format === 'bvecs' ? buf.subarray(at + 4, end)
              : format === 'fvecs' ? new Float32Array(buf.buffer, start, d) : new Int32Array(buf.buffer, start, d);
            batch.push({ at: record + 1, index: record, values });
            record++;
            at = end;
          }
          consumed += at;
          pending = buf.subarray(at);
          if (batch.length) yield batch;
        }
        if (pending.length > 0) {
          const declared = pending.length >= 4 ? new DataView(pending.buffer, pending.byteOffset).getInt32(0, true) : undefined;
          consumed += pending.length;
          yield [{
            at: record + 1, index: record,
            problem: { kind: 'malformed', message: `the file ends inside this record (${pending.length} bytes${declared === undefined ? '' : ` of ${4 + declared * element}`})` },
          }];
        }
      } finally {
        await file.close();
        file = null;
      }
    },
    async close() { await file?.close(); },
  };
}
