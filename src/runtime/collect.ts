// A garbage collection on demand (Node), for a pool that has just let go of an index it reloaded away from. A
// WebAssembly.Memory is returned to the system only when V8 collects its object, and nothing else in a pool tells V8
// to: measured, a pool reloading a 5 MiB index grew by 5 MiB a reload for 80 reloads until a collection ran, and then
// fell back to one index's worth. V8's own gc, exposed to a fresh context; a no-op where it cannot be had (browsers).
let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
      const v8 = proc?.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
      const vm = proc?.getBuiltinModule?.('node:vm') as typeof import('node:vm') | undefined;
      if (!v8 || !vm) throw new Error('not Node');
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
