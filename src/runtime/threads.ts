// Which threads this runtime can start, decided once per call from what the runtime has, not from its name
// (with one exception below). Node, Bun and Deno have node:worker_threads; browsers have Web Workers, and share
// memory with them only on a cross-origin isolated page.
//
// Cloudflare Workers (workerd) is the exception: with the common nodejs_compat flag it has `process`,
// SharedArrayBuffer and a node:worker_threads whose Worker throws "not implemented". A Worker has one thread, so
// the library must neither pick the shared-memory build there nor promise a pool.

export type ThreadKind = 'worker_threads' | 'web-workers' | 'none';

interface Host {
  process?: { getBuiltinModule?: (id: string) => unknown };
  navigator?: { userAgent?: string };
  crossOriginIsolated?: boolean;
}

/** Cloudflare's runtime, by the user agent it documents for itself. */
export function isCloudflareWorkers(): boolean {
  return (globalThis as Host).navigator?.userAgent === 'Cloudflare-Workers';
}

export function threadKind(): ThreadKind {
  if (isCloudflareWorkers()) return 'none';
  const wt = (globalThis as Host).process?.getBuiltinModule?.('node:worker_threads') as { Worker?: unknown } | undefined;
  if (typeof wt?.Worker === 'function') return 'worker_threads';
  if (typeof Worker === 'function' && typeof Blob === 'function') return 'web-workers';
  return 'none';
}

/** Shared memory can be used: threads to share it with, and SharedArrayBuffer (browsers: only when isolated). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const kind = threadKind();
  return kind === 'worker_threads' || (kind === 'web-workers' && (globalThis as Host).crossOriginIsolated === true);
}

/** Why there are no threads here, for the AnnoyError that says so. */
export function noThreadsReason(): string {
  return isCloudflareWorkers()
    ? 'Cloudflare Workers run one thread per request: IndexPool and buildAsync({ jobs }) cannot start workers there; use Index (search on the request\'s thread) and IndexBuilder.build()'
    : 'worker threads need Node.js >= 20.16 (or Bun, Deno) or a browser with Web Workers';
}

/** Why shared memory cannot be used here, for mode: 'shared'. */
export function noSharedMemoryReason(): string {
  if (threadKind() === 'none') return `mode 'shared' needs threads to share memory with: ${noThreadsReason()}`;
  return "mode 'shared' needs a cross-origin isolated page (COOP: same-origin, COEP: require-corp) for SharedArrayBuffer: leave mode out to fall back to 'dedicated'";
}
