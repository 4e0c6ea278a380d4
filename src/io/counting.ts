/**
 * A pass-through {@link ByteSource} wrapper that counts reads (tests assert read plans with it).
 */
import type { ByteSource } from './types.js';

/** A source with read statistics. */
export interface CountingByteSource extends ByteSource {
  /** Number of `slice()` calls that reached the wrapped source. */
  reads: number;
  /** Sum of the lengths returned by those calls. */
  bytesRead: number;
  /** The requested `[start, end)` ranges, in call order. */
  ranges: [number, number][];
  /** Sets the counters back to zero. */
  reset(): void;
}

/** Wraps `source`, counting every `slice()` call, the bytes returned and the ranges asked for. */
export function withReadCounter(source: ByteSource): CountingByteSource {
  const counter: CountingByteSource = {
    byteLength: source.byteLength,
    name: source.name,
    // Counting passes bytes through untouched, so fresh (unshared) slices stay fresh.
    ...((source as { freshSlices?: boolean }).freshSlices === true ? { freshSlices: true } : {}),
    reads: 0,
    bytesRead: 0,
    ranges: [],
    async slice(start: number, end: number): Promise<ArrayBuffer | Uint8Array> {
      counter.reads++;
      counter.ranges.push([start, end]);
      const got = await source.slice(start, end);
      counter.bytesRead += got.byteLength;
      return got;
    },
    reset(): void {
      counter.reads = 0;
      counter.bytesRead = 0;
      counter.ranges = [];
    },
    async close(): Promise<void> {
      await source.close?.();
    },
  };
  return counter;
}
