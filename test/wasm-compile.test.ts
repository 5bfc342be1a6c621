// A page's main thread may refuse to compile wasm synchronously (Chrome has, past 4 KB). Then the synchronous API
// (IndexBuilder, Index.fromBytes) must say what to do, INVALID_STATE naming `await init()`, and after init()
// (which compiles asynchronously) it must work. Simulated here by a WebAssembly.Module constructor that refuses,
// on a fresh copy of the package (nothing compiled yet).
import { afterEach, describe, expect, it, vi } from 'vitest';

const RealModule = WebAssembly.Module;
afterEach(() => { WebAssembly.Module = RealModule; });

function refuseSyncCompiles(): void {
  WebAssembly.Module = new Proxy(RealModule, {
    construct(target, args: [BufferSource]) {
      if ((args[0] as ArrayBufferView).byteLength > 4096) throw new RangeError('WebAssembly.Module(): Wasm code generation disallowed by embedder (over 4 KB on the main thread)');
      return new target(...args);
    },
  });
}

describe('a synchronous compile that fails', () => {
  it('is INVALID_STATE saying to call init(); after init() the synchronous API works', async () => {
    vi.resetModules();
    refuseSyncCompiles();
    const lib = await import('../src/index.js');
    let error: unknown;
    try { new lib.IndexBuilder({ dimensions: 2, metric: 'euclidean' }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(lib.AnnoyError);
    expect(error).toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(/Wasm code generation disallowed.*call `await init\(\)`/) });
    await lib.init();
    const index = new lib.IndexBuilder({ dimensions: 2, metric: 'euclidean', seed: 1 }).add(0, [0, 0]).add(1, [1, 1]).build({ trees: 1 });
    expect([...lib.Index.fromBytes(index.toBytes()).search([0.9, 0.9], 1).ids]).toEqual([1]);
  });
});
