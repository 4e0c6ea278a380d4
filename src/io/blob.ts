/**
 * A {@link ByteSource} over a `Blob` / `File` (browsers; Node >= 20 has a global Blob too).
 */
import { DataLossError, where } from '../errors.js';
import type { ByteSource } from './types.js';

/**
 * Wraps a Blob: each `slice()` reads only the requested range (`blob.slice(start, end).arrayBuffer()`).
 * `name` defaults to the File's name when the blob is a File.
 */
export function fromBlob(blob: Blob, name?: string): ByteSource {
  const label = name ?? (typeof (blob as { name?: unknown }).name === 'string' ? (blob as File).name : undefined);
  return {
    byteLength: blob.size,
    name: label,
    async slice(start: number, end: number): Promise<Uint8Array> {
      try {
        return new Uint8Array(await blob.slice(start, end).arrayBuffer());
      } catch (e) {
        // A File whose underlying file changed or vanished (NotReadableError in browsers).
        throw new DataLossError(`cannot read [${start}, ${end}) from blob: ${(e as Error).message}${where(label)}`, {
          file: label,
          offset: start,
          cause: e,
        });
      }
    },
    async close(): Promise<void> {},
  };
}
