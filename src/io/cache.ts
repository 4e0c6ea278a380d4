/**
 * A block cache in front of a {@link ByteSource}: reads are rounded to fixed-size aligned blocks,
 * kept in an LRU bounded by `maxBytes`, and concurrent requests for the same block share one read.
 * Useful over HTTP, where readers issue many small reads (index blocks, entry headers).
 */
import { InvalidArgumentError } from '../errors.js';
import { readRange } from './read-range.js';
import type { ByteSource } from './types.js';

/** Options of {@link withBlockCache}. */
export interface BlockCacheOptions {
  /** Block size in bytes (default 64 KiB). */
  blockSize?: number;
  /** Largest total size of cached blocks (default 16 MiB). At least one block is always kept. */
  maxBytes?: number;
}

/** Default block size of {@link withBlockCache}. */
export const DEFAULT_CACHE_BLOCK_SIZE = 64 * 1024;
/** Default capacity of {@link withBlockCache}. */
export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Wraps `source` with a block cache. Missing neighbouring blocks of one request are fetched in a
 * single read; a request larger than half the capacity bypasses the cache (read directly, not
 * stored) so a big tensor read does not evict the small hot blocks. A failed block read is not
 * cached. `close()` drops the cache and closes the wrapped source.
 */
export function withBlockCache(source: ByteSource, options: BlockCacheOptions = {}): ByteSource {
  const blockSize = options.blockSize ?? DEFAULT_CACHE_BLOCK_SIZE;
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0) {
    throw new InvalidArgumentError(`block cache: blockSize must be a positive integer, got ${blockSize}`);
  }
  if (!(maxBytes >= 0)) throw new InvalidArgumentError(`block cache: maxBytes must be >= 0, got ${maxBytes}`);
  const size = source.byteLength;
  const numBlocks = Math.ceil(size / blockSize);
  /** LRU: Map iteration order = least recently used first. Values settle to the block's bytes. */
  const blocks = new Map<number, Promise<Uint8Array>>();
  let cachedBytes = 0;

  const blockLen = (i: number) => Math.min(blockSize, size - i * blockSize);

  function touch(i: number, p: Promise<Uint8Array>): void {
    blocks.delete(i);
    blocks.set(i, p);
  }

  function evict(): void {
    for (const [i] of blocks) {
      if (cachedBytes <= maxBytes || blocks.size <= 1) break;
      blocks.delete(i);
      cachedBytes -= blockLen(i);
    }
  }

  /** Starts one read for blocks [first, last] and registers a promise per block. */
  function fetchRun(first: number, last: number): void {
    const start = first * blockSize;
    const end = Math.min(size, (last + 1) * blockSize);
    const run = readRange(source, start, end);
    for (let i = first; i <= last; i++) {
      const off = (i - first) * blockSize;
      const p = run.then((b) => b.subarray(off, off + blockLen(i)));
      const idx = i;
      p.catch(() => {
        if (blocks.get(idx) === p) {
          blocks.delete(idx);
          cachedBytes -= blockLen(idx);
        }
      });
      blocks.set(i, p);
      cachedBytes += blockLen(i);
    }
  }

  return {
    byteLength: size,
    name: source.name,
    async slice(start: number, end: number): Promise<Uint8Array> {
      const s = Math.max(0, Math.min(start, size));
      const e = Math.max(s, Math.min(end, size));
      if (s === e) return new Uint8Array(0);
      if (e - s > maxBytes / 2) return readRange(source, s, e);
      const first = Math.floor(s / blockSize);
      const last = Math.min(numBlocks - 1, Math.floor((e - 1) / blockSize));
      // Fetch missing runs, one read per run of consecutive missing blocks.
      let runStart = -1;
      for (let i = first; i <= last + 1; i++) {
        const missing = i <= last && !blocks.has(i);
        if (missing && runStart < 0) runStart = i;
        if (!missing && runStart >= 0) {
          fetchRun(runStart, i - 1);
          runStart = -1;
        }
      }
      const parts: Promise<Uint8Array>[] = [];
      for (let i = first; i <= last; i++) {
        const p = blocks.get(i)!;
        touch(i, p);
        parts.push(p);
      }
      evict();
      const got = await Promise.all(parts);
      if (got.length === 1) {
        const off = first * blockSize;
        return got[0]!.subarray(s - off, e - off);
      }
      const out = new Uint8Array(e - s);
      let o = 0;
      for (let k = 0; k < got.length; k++) {
        const blockStart = (first + k) * blockSize;
        const from = Math.max(s, blockStart) - blockStart;
        const to = Math.min(e, blockStart + got[k]!.length) - blockStart;
        out.set(got[k]!.subarray(from, to), o);
        o += to - from;
      }
      return out;
    },
    async close(): Promise<void> {
      blocks.clear();
      cachedBytes = 0;
      await source.close?.();
    },
  };
}
