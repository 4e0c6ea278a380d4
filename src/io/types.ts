/**
 * The byte-source family: the only way the format layers touch bytes.
 *
 * A {@link ByteSource} is deliberately tiny (`byteLength` + `slice`), so a plain object wrapping an
 * ArrayBuffer fits, and caching / prefetching / counting are wrappers returning the same interface.
 * Readers never read a whole file to get part of it: they plan ranges and call `readRange()`.
 */

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** Random-access, read-only bytes (a file, a Blob, an HTTP resource, memory). */
export interface ByteSource {
  /** Total size in bytes. */
  readonly byteLength: number;
  /**
   * The bytes in `[start, end)`. Implementations may return fewer bytes only at end of file;
   * callers use {@link readRange} which checks bounds and length.
   */
  slice(start: number, end: number): Awaitable<ArrayBuffer | Uint8Array>;
  /** A name for messages (file path, URL...). */
  readonly name?: string;
  /** Releases the underlying handle, if any. */
  close?(): Promise<void>;
}

/** A sequential writer. Bytes become visible under their final name only on `close()`. */
export interface ByteSink {
  /** The final name (path) of what is being written. */
  readonly name: string;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /** Appends bytes. The buffer may be reused by the caller once the promise resolves. */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes and publishes the file under its final name (atomically where the store can). */
  close(): Promise<void>;
  /** Discards everything written; the final name is left untouched. */
  abort(): Promise<void>;
}

/** Something that can open named byte sources: a directory, a URL base, an in-memory map. */
export interface FileStore {
  /** Opens a file for random-access reads. Throws NotFoundError when it does not exist. */
  open(path: string): Promise<ByteSource>;
  /** True when the file exists. */
  exists(path: string): Promise<boolean>;
  /** The names of the entries of a directory (not full paths), when the store can list. */
  list?(dir: string): Promise<string[]>;
  /** Reads a whole (small) file: state files, protos. */
  readFile?(path: string): Promise<Uint8Array>;
  /** Modification time in seconds since the epoch, when known. */
  mtime?(path: string): Promise<number | undefined>;
  /** True when `path` is a directory, when the store knows directories. */
  isDirectory?(path: string): Promise<boolean>;
}

/** A store that can also write. Writes go to a temporary name and are renamed on close. */
export interface WritableFileStore extends FileStore {
  /** Creates a sink that publishes `path` atomically when closed. */
  create(path: string): Promise<ByteSink>;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Creates a directory (and its parents when `recursive`). */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes a directory and everything under it; a missing directory is not an error. */
  removeDir?(path: string): Promise<void>;
  /** Writes a whole small file atomically (temp + rename). */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
}
