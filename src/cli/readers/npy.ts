// NumPy .npy (format versions 1, 2 and 3): a magic string, a Python-literal header giving dtype, order and shape,
// then the array's bytes. Accepted: 2-D arrays in C order of float32/float64 (and integer or bool types, useful for
// hamming), either byte order. Read in chunks of whole rows, so memory stays one chunk whatever the file size.
import { CliError } from '../errors.js';
import { BinaryFile } from './binary-file.js';
import { BATCH_ROWS, type Row, type Source } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Where the data starts. */
  dataOffset: number;
  kind: 'f' | 'i' | 'u' | 'b';
  itemBytes: number;
  littleEndian: boolean;
}

/** Parses the header at the start of a .npy file; throws an Error naming what is wrong. */
export function parseNpyHeader(head: Uint8Array): NpyHeader {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b)) throw new Error('not a .npy file (no \\x93NUMPY magic)');
  const major = head[6];
  if (major < 1 || major > 3) throw new Error(`unsupported .npy format version ${major}.${head[7]}`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (head.length < start + headerLength) throw new Error(`truncated .npy header (needs ${start + headerLength} bytes)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  if (descr === undefined) throw new Error(`the .npy header has no simple 'descr' (structured dtypes are not supported): ${text.trim()}`);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  if (fortran === undefined) throw new Error(`the .npy header has no 'fortran_order': ${text.trim()}`);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw new Error(`the .npy header has no 'shape': ${text.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error(`the .npy shape (${shapeText}) is not a tuple of sizes`);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const itemBytes = m ? Number(m[3]) : 0;
  const kind = m?.[2] as NpyHeader['kind'] | undefined;
  const supported = kind === 'f' ? itemBytes === 4 || itemBytes === 8 : kind === 'b' ? itemBytes === 1 : [1, 2, 4, 8].includes(itemBytes);
  if (!m || !supported) throw new Error(`dtype '${descr}' is not supported: expected float32 or float64 (or an integer or bool type)`);
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength, kind: kind!, itemBytes, littleEndian: m[1] !== '>' };
}

/** Decodes `count` items of `h`'s dtype from `bytes` into a Float32Array or Float64Array (no copy when possible). */
function decode(h: NpyHeader, bytes: Uint8Array): Float32Array | Float64Array {
  const count = bytes.length / h.itemBytes;
  if (h.littleEndian && h.kind === 'f' && h.itemBytes === 4) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  if (h.littleEndian && h.kind === 'f' && h.itemBytes === 8) return new Float64Array(bytes.buffer, bytes.byteOffset, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  const le = h.littleEndian, n = h.itemBytes;
  const get: (at: number) => number =
    h.kind === 'f' ? (n === 4 ? (at) => view.getFloat32(at, le) : (at) => view.getFloat64(at, le))
    : h.kind === 'b' || (h.kind === 'u' && n === 1) ? (at) => view.getUint8(at)
    : h.kind === 'i' && n === 1 ? (at) => view.getInt8(at)
    : n === 2 ? (h.kind === 'i' ? (at) => view.getInt16(at, le) : (at) => view.getUint16(at, le))
    : n === 4 ? (h.kind === 'i' ? (at) => view.getInt32(at, le) : (at) => view.getUint32(at, le))
    : h.kind === 'i' ? (at) => Number(view.getBigInt64(at, le)) : (at) => Number(view.getBigUint64(at, le));
  for (let i = 0; i < count; i++) out[i] = get(i * n);
  return out;
}

export async function openNpy(path: string): Promise<Source> {
  const file = await BinaryFile.open(path);
  try {
    const head = await file.readAt(0, 64 * 1024);
    const h = parseNpyHeader(head);
    if (h.fortranOrder) throw new Error('the array is in Fortran order; save it in C order (numpy.ascontiguousarray) first');
    if (h.shape.length !== 2) throw new Error(`the array has shape (${h.shape.join(', ')}); expected 2-D (rows, dimensions)`);
    const [rows, dims] = h.shape;
    const rowBytes = dims * h.itemBytes;
    const want = h.dataOffset + rows * rowBytes;
    if (file.size !== want) {
      throw new Error(`${file.size < want ? 'truncated' : 'trailing bytes'}: the header promises ${rows} x ${dims} '${h.descr}' values (${rows * rowBytes} bytes) but ${file.size - h.dataOffset} bytes follow it`);
    }
    await file.close();
    return npySource(path, h);
  } catch (e) {
    await file.close();
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
}

function npySource(path: string, h: NpyHeader): Source {
  const [rows, dims] = h.shape;
  let done = 0;
  let file: BinaryFile | null = null;
  return {
    name: path, format: 'npy', unit: 'row', dimensions: dims, rows,
    fraction: () => (rows === 0 ? 1 : done / rows),
    async *batches() {
      if (dims === 0) throw new CliError(`${path}: the array has 0 columns`);
      file = await BinaryFile.open(path, h.dataOffset);
      try {
        const rowBytes = dims * h.itemBytes;
        for await (const chunk of file.chunks(rowBytes, Math.max(rowBytes, BATCH_ROWS * rowBytes))) {
          const values = decode(h, chunk);
          const n = chunk.length / rowBytes;
          const batch: Row[] = new Array(n);
          for (let r = 0; r < n; r++) batch[r] = { at: done + r + 1, index: done + r, values: values.subarray(r * dims, (r + 1) * dims) };
          done += n;
          yield batch;
        }
      } finally {
        await file.close();
        file = null;
      }
    },
    async close() { await file?.close(); },
  };
}
