// Loading over HTTP(S) (browsers and Node): the body streamed straight into wasm memory, one copy, then the same
// checks as every load.
import { AnnoyError, show } from '../errors.js';
import { checkOptions } from '../checks.js';
import { HEADER_BYTES, checkHeader, readHeader, sectionsFor } from '../format/layout.js';
import { IndexImage, type MemoryPlan } from '../index/image.js';
import { Core, compile } from '../runtime/wasm.js';
import { loadAnnoy } from './annoy.js';
import { checkLoadOptions, type LoadProgress, type URLLoadOptions } from './options.js';
import { verify } from './verify.js';

/**
 * Streams an HTTP body into wasm memory. The header comes first and is checked on its own; it says how long the
 * file is. When the Content-Length can be trusted (no content encoding) and agrees, the memory is reserved once;
 * otherwise it grows with the bytes received (at most twice what arrived), so a lying header allocates nothing.
 */
export async function loadURL(url: string | URL, plan: MemoryPlan, options?: URLLoadOptions): Promise<IndexImage> {
  const { onProgress, signal, ...rest } = checkOptions(options, ['format', 'dimensions', 'metric', 'onProgress', 'signal'], 'load');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
  const annoy = checkLoadOptions(rest);
  await compile(plan.shared);
  let response: Response;
  try {
    response = await fetch(url, signal === undefined ? undefined : { signal: signal as AbortSignal });
  } catch (e) {
    throw fetchFailed(url, e, signal as AbortSignal | undefined);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new AnnoyError('FETCH_FAILED', `fetching ${String(url)} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const progress = onProgress as ((p: LoadProgress) => void) | undefined;
  const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  const header = response.headers.get('content-length');
  const length = !encoded && header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  const reader = response.body?.getReader();
  const next = async (): Promise<Uint8Array | undefined> => {
    if (!reader) return undefined;
    try {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    } catch (e) {
      throw fetchFailed(url, e, signal as AbortSignal | undefined);
    }
  };
  try {
    if (annoy) return loadAnnoy(await readAll(next, length, progress), annoy, plan);
    return await streamInto(url, next, length, plan, progress);
  } catch (e) {
    await reader?.cancel().catch(() => {});
    throw e;
  }
}

function fetchFailed(url: string | URL, e: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? e;
  const cause = (e as { cause?: { message?: string } })?.cause?.message;
  return new AnnoyError('FETCH_FAILED', `fetching ${String(url)} failed: ${(e as Error)?.message ?? String(e)}${cause ? ` (${cause})` : ''}`);
}

/** A whole body (Annoy files are converted whole). */
async function readAll(next: () => Promise<Uint8Array | undefined>, length: number | undefined, onProgress?: (p: LoadProgress) => void): Promise<Uint8Array> {
  let buffer = new Uint8Array(length ?? 1 << 16), loaded = 0;
  for (let chunk; (chunk = await next());) {
    if (loaded + chunk.length > buffer.length) {
      const bigger = new Uint8Array(Math.max(loaded + chunk.length, buffer.length * 2));
      bigger.set(buffer.subarray(0, loaded));
      buffer = bigger;
    }
    buffer.set(chunk, loaded);
    loaded += chunk.length;
    onProgress?.({ loaded, total: length });
  }
  onProgress?.({ loaded, total: loaded });
  return buffer.subarray(0, loaded);
}

async function streamInto(url: string | URL, next: () => Promise<Uint8Array | undefined>, length: number | undefined, plan: MemoryPlan, onProgress?: (p: LoadProgress) => void): Promise<IndexImage> {
  // The header first: it may arrive in pieces.
  const head = new Uint8Array(HEADER_BYTES);
  let headBytes = 0, rest: Uint8Array | undefined;
  while (headBytes < HEADER_BYTES) {
    const chunk = await next();
    if (!chunk) break;
    const take = Math.min(chunk.length, HEADER_BYTES - headBytes);
    head.set(chunk.subarray(0, take), headBytes);
    headBytes += take;
    if (take < chunk.length) rest = chunk.subarray(take);
  }
  // A body that ended early is a whole file only if it is a header alone (an empty index of format v1).
  const header = headBytes < HEADER_BYTES ? readHeader(head.subarray(0, headBytes), headBytes) : checkHeader(head);
  const fileBytes = sectionsFor(header).fileBytes;
  if (length !== undefined && length !== fileBytes) readHeader(head.subarray(0, headBytes), length); // throws: truncated or trailing bytes
  const core = new Core(HEADER_BYTES, plan.shared);
  const base = core.base;
  core.bytes.set(head.subarray(0, headBytes), base); // slotOffset reads the header
  if (headBytes > fileBytes) readHeader(head, headBytes); // throws: trailing bytes
  const reserve = (end: number) => core.ensure(end, `this ${fileBytes}-byte index`);
  if (length !== undefined) IndexImage.reserve(core, plan.slots);
  let memory = core.bytes, loaded = headBytes;
  onProgress?.({ loaded, total: fileBytes });
  for (let chunk = rest ?? await next(); chunk; chunk = await next()) {
    if (loaded + chunk.length > fileBytes) readHeader(head, loaded + chunk.length); // throws: trailing bytes
    if (base + loaded + chunk.length > memory.length) {
      reserve(base + Math.min(fileBytes, Math.max(2 * loaded, loaded + chunk.length)));
      memory = core.bytes;
    }
    memory.set(chunk, base + loaded);
    loaded += chunk.length;
    onProgress?.({ loaded, total: fileBytes });
  }
  if (loaded !== fileBytes) {
    throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${String(url)} ended after ${loaded} of the ${fileBytes} bytes its header describes (truncated)`);
  }
  return verify(core, fileBytes, plan);
}
