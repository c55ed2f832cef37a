// The storage conformance suite on the memory backend (a restart reopens the same MemoryBackend).
import { MemoryBackend, openMemoryStorage } from "../../src/log/mod.ts";
import { storageConformance } from "./_storage_cases.ts";

storageConformance("memory", () => {
  const backend = new MemoryBackend();
  return Promise.resolve({
    open: (opts) => Promise.resolve(openMemoryStorage(opts, backend)),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  });
});
