/**
 * In-memory byte sources and an in-memory writable file store (browser-safe).
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js';
import { concatBytes } from '../util/bytes.js';
import type { ByteSink, ByteSource, WritableFileStore } from './types.js';

/**
 * A {@link ByteSource} over bytes already in memory. `slice()` returns views (no copy), synchronously;
 * do not mutate them. `close()` is a no-op.
 */
export function fromBytes(bytes: Uint8Array | ArrayBuffer, name?: string): ByteSource {
  // Always a plain Uint8Array view (a Node Buffer's slice() would not copy).
  const data = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  const src: ByteSource = {
    byteLength: data.length,
    name,
    slice(start: number, end: number): Uint8Array {
      const s = Math.max(0, Math.min(start, data.length));
      return data.subarray(s, Math.max(s, Math.min(end, data.length)));
    },
    async close(): Promise<void> {},
  };
  return src;
}

/** Splits a `/`-separated path into a normalized key (`.`/empty segments dropped, `..` resolved). */
function normalize(path: string): string {
  if (typeof path !== 'string') throw new InvalidArgumentError(`path must be a string, got ${typeof path}`);
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) {
        if (abs) continue; // "/.." is "/"
        throw new InvalidArgumentError(`path ${JSON.stringify(path)} escapes the store root`);
      }
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/');
}

function parentOf(key: string): string {
  const i = key.lastIndexOf('/');
  if (i < 0) return '';
  if (i === 0) return '/';
  return key.slice(0, i);
}

function isRoot(key: string): boolean {
  return key === '' || key === '/';
}

function childPrefix(dir: string): string {
  return isRoot(dir) ? dir : dir + '/';
}

interface MemFile {
  bytes: Uint8Array;
  mtime: number;
}

/**
 * A {@link WritableFileStore} held in a Map: tests, browsers, building a checkpoint before upload.
 *
 * Paths are `/`-separated (absolute `/a/b` and relative `a/b` are distinct namespaces; `.`, `..` and
 * repeated slashes are normalized). Directories behave like POSIX ones: `create`/`writeFile`/`mkdir`
 * need the parent directory to exist (`NotFoundError` otherwise) unless it was created with
 * `mkdir(..., {recursive: true})` or implied by the initial files. The roots `''` and `'/'` always
 * exist. `create()` buffers the bytes and publishes them atomically in `close()`; `abort()` drops them.
 * Sources returned by `open()` are snapshots: later writes to that path do not change them.
 */
export class MemoryFileStore implements WritableFileStore {
  private readonly files = new Map<string, MemFile>();
  private readonly dirs = new Set<string>();

  /** @param initial files to start with (their parent directories are created). */
  constructor(initial?: Record<string, Uint8Array> | Map<string, Uint8Array>) {
    if (initial) {
      const entries = initial instanceof Map ? [...initial.entries()] : Object.entries(initial);
      for (const [p, b] of entries) {
        const key = normalize(p);
        this.mkdirs(parentOf(key));
        this.files.set(key, { bytes: new Uint8Array(b), mtime: Date.now() / 1000 });
      }
    }
  }

  private mkdirs(key: string): void {
    while (!isRoot(key) && !this.dirs.has(key)) {
      if (this.files.has(key)) throw new AlreadyExistsError(`${key} exists and is not a directory`, { file: key });
      this.dirs.add(key);
      key = parentOf(key);
    }
  }

  private isDir(key: string): boolean {
    return isRoot(key) || this.dirs.has(key);
  }

  private checkParent(key: string, path: string): void {
    const parent = parentOf(key);
    if (!this.isDir(parent)) {
      throw new NotFoundError(`directory ${parent} does not exist (writing ${path})`, { file: path });
    }
  }

  private getFile(path: string): MemFile {
    const f = this.files.get(normalize(path));
    if (!f) throw new NotFoundError(`file not found: ${path}`, { file: path });
    return f;
  }

  /** Opens a file as a snapshot {@link ByteSource}. */
  async open(path: string): Promise<ByteSource> {
    return fromBytes(this.getFile(path).bytes, path);
  }

  /** True when a file or directory exists at `path`. */
  async exists(path: string): Promise<boolean> {
    const key = normalize(path);
    return this.files.has(key) || this.isDir(key);
  }

  /** A copy of a whole file. */
  async readFile(path: string): Promise<Uint8Array> {
    return this.getFile(path).bytes.slice();
  }

  /**
   * Seconds since the epoch when the file was published; directories: undefined; a missing path:
   * `NotFoundError` (as NodeFileStore).
   */
  async mtime(path: string): Promise<number | undefined> {
    const key = normalize(path);
    const f = this.files.get(key);
    if (f) return f.mtime;
    if (this.isDir(key)) return undefined;
    throw new NotFoundError(`file not found: ${path}`, { file: path });
  }

  /** True when `path` is a directory. */
  async isDirectory(path: string): Promise<boolean> {
    return this.isDir(normalize(path));
  }

  /** Sorted names of the entries directly under `dir`. `NotFoundError` when it is not a directory. */
  async list(dir: string): Promise<string[]> {
    const key = normalize(dir);
    if (!this.isDir(key)) throw new NotFoundError(`directory not found: ${dir}`, { file: dir });
    const prefix = childPrefix(key);
    const names = new Set<string>();
    for (const k of [...this.files.keys(), ...this.dirs]) {
      if (k.length > prefix.length && k.startsWith(prefix)) {
        const rest = k.slice(prefix.length);
        if (!rest.includes('/')) names.add(rest);
      }
    }
    return [...names].sort();
  }

  /** Creates a sink; the file appears under `path` only when the sink is closed. */
  async create(path: string): Promise<ByteSink> {
    const key = normalize(path);
    this.checkParent(key, path);
    if (this.isDir(key)) throw new FailedPreconditionError(`${path} is a directory`, { file: path });
    const chunks: Uint8Array[] = [];
    let written = 0;
    let state: 'open' | 'closed' | 'aborted' = 'open';
    const check = (op: string) => {
      if (state !== 'open') throw new FailedPreconditionError(`${op} on a ${state} sink for ${path}`, { file: path });
    };
    return {
      name: path,
      get bytesWritten() {
        return written;
      },
      write: async (bytes: Uint8Array) => {
        check('write');
        chunks.push(new Uint8Array(bytes)); // a copy (Buffer.prototype.slice would be a view)
        written += bytes.length;
      },
      close: async () => {
        check('close');
        this.checkParent(key, path);
        if (this.isDir(key)) throw new FailedPreconditionError(`${path} is a directory`, { file: path });
        state = 'closed';
        this.files.set(key, { bytes: concatBytes(chunks), mtime: Date.now() / 1000 });
        chunks.length = 0;
      },
      abort: async () => {
        if (state === 'open') state = 'aborted';
        chunks.length = 0;
      },
    };
  }

  /** Writes a whole file atomically. */
  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    const sink = await this.create(path);
    await sink.write(bytes);
    await sink.close();
  }

  /** Renames a file or a directory (with everything under it), replacing a file at `to`. */
  async rename(from: string, to: string): Promise<void> {
    const a = normalize(from);
    const b = normalize(to);
    if (a === b) {
      if (!this.files.has(a) && !this.isDir(a)) throw new NotFoundError(`rename: ${from} not found`, { file: from });
      return;
    }
    this.checkParent(b, to);
    const f = this.files.get(a);
    if (f) {
      if (this.isDir(b)) throw new FailedPreconditionError(`rename: ${to} is a directory`, { file: to });
      this.files.delete(a);
      this.files.set(b, f);
      return;
    }
    if (!this.dirs.has(a)) throw new NotFoundError(`rename: ${from} not found`, { file: from });
    if (this.files.has(b)) throw new FailedPreconditionError(`rename: ${to} is a file`, { file: to });
    if (b.startsWith(a + '/')) throw new InvalidArgumentError(`rename: cannot move ${from} into itself`, { file: to });
    if (this.dirs.has(b)) {
      const prefixB = b + '/';
      for (const k of [...this.files.keys(), ...this.dirs]) {
        if (k.startsWith(prefixB)) throw new FailedPreconditionError(`rename: directory ${to} is not empty`, { file: to });
      }
    }
    const prefix = a + '/';
    for (const [k, v] of [...this.files]) {
      if (k.startsWith(prefix)) {
        this.files.delete(k);
        this.files.set(b + k.slice(a.length), v);
      }
    }
    for (const d of [...this.dirs]) {
      if (d === a || d.startsWith(prefix)) {
        this.dirs.delete(d);
        this.dirs.add(b + d.slice(a.length));
      }
    }
  }

  /** Removes a file; a missing file is fine. `FailedPreconditionError` for a directory. */
  async remove(path: string): Promise<void> {
    const key = normalize(path);
    if (this.dirs.has(key)) throw new FailedPreconditionError(`remove: ${path} is a directory`, { file: path });
    this.files.delete(key);
  }

  /** Creates a directory (and its parents with `recursive`). */
  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const key = normalize(path);
    if (this.files.has(key)) throw new AlreadyExistsError(`mkdir: ${path} exists and is a file`, { file: path });
    if (options.recursive) {
      this.mkdirs(key);
      return;
    }
    if (this.isDir(key)) throw new AlreadyExistsError(`mkdir: ${path} already exists`, { file: path });
    this.checkParent(key, path);
    this.dirs.add(key);
  }

  /** Removes a directory and everything under it; a missing one is fine. */
  async removeDir(path: string): Promise<void> {
    const key = normalize(path);
    if (this.files.has(key)) throw new FailedPreconditionError(`removeDir: ${path} is a file`, { file: path });
    const prefix = childPrefix(key);
    for (const k of [...this.files.keys()]) if (k.startsWith(prefix)) this.files.delete(k);
    for (const d of [...this.dirs]) if (d === key || d.startsWith(prefix)) this.dirs.delete(d);
  }

  /** All file paths (normalized), sorted: handy in tests. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }
}
