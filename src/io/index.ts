/** The browser-safe io layer: byte sources, sinks, stores and wrappers. Node files: `io/node/`. */
export type { Awaitable, ByteSink, ByteSource, FileStore, WritableFileStore } from './types.js';
export { readRange, readAll } from './read-range.js';
export { fromBytes, MemoryFileStore } from './memory.js';
export { fromBlob } from './blob.js';
export { openUrl, HttpFileStore, type HttpOptions } from './http.js';
export {
  withBlockCache,
  DEFAULT_CACHE_BLOCK_SIZE,
  DEFAULT_CACHE_MAX_BYTES,
  type BlockCacheOptions,
} from './cache.js';
export { withReadCounter, type CountingByteSource } from './counting.js';
