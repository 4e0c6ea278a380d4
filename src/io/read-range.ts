/**
 * `readRange()`: the one bounds-checked read every format reader goes through.
 */
import { DataLossError, OutOfRangeError, where } from '../errors.js';
import type { ByteSource } from './types.js';

/**
 * Reads `[start, end)` from `source`.
 *
 * - `start`/`end` must be integers with `0 <= start <= end <= source.byteLength`, else
 *   `OutOfRangeError` naming the source, the range and the length.
 * - A source that returns a different number of bytes (a short read: the file shrank, a server lied)
 *   -> `DataLossError` naming the source, the offset and both lengths. Never returns partial bytes.
 *
 * Returns a Uint8Array; when the source already returned a Uint8Array it is returned as is (no copy),
 * an ArrayBuffer is wrapped in a view.
 */
export async function readRange(source: ByteSource, start: number, end: number): Promise<Uint8Array> {
  const len = source.byteLength;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > len) {
    throw new OutOfRangeError(
      `read of [${start}, ${end}) is outside [0, ${len})${where(source.name)}`,
      { file: source.name, offset: Number.isFinite(start) ? start : undefined },
    );
  }
  if (start === end) return new Uint8Array(0);
  const got = await source.slice(start, end);
  const bytes = got instanceof Uint8Array ? got : new Uint8Array(got);
  if (bytes.length !== end - start) {
    throw new DataLossError(
      `short read: got ${bytes.length} bytes for [${start}, ${end}) (${end - start} expected, source length ${len})${where(source.name, start)}`,
      { file: source.name, offset: start },
    );
  }
  return bytes;
}

/** Reads the whole source (small files only: state files, protos). */
export async function readAll(source: ByteSource): Promise<Uint8Array> {
  return readRange(source, 0, source.byteLength);
}
