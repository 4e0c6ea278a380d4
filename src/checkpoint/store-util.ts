/**
 * Small helpers over {@link FileStore} used by the checkpoint layer: whole-file reads, TensorFlow-style
 * glob matching (`get_matching_files`) and the "which store?" check.
 */
import { InvalidArgumentError } from '../errors.js';
import { readRange } from '../io/read-range.js';
import type { FileStore, WritableFileStore } from '../io/types.js';
import { baseName, dirName, hasGlobChars } from './paths.js';

/** Refuses a missing store with a message that says how to get one. */
export function requireStore<T extends FileStore>(store: T | undefined, what: string): T {
  if (store === undefined) {
    throw new InvalidArgumentError(
      `${what}: no file store given. Pass {store} (e.g. new NodeFileStore(), a MemoryFileStore or an ` +
        `HttpFileStore), or import from the Node entry point 'tfpersist', which defaults to local files.`,
    );
  }
  return store;
}

/** Refuses a store that cannot write. */
export function requireWritableStore(store: FileStore | undefined, what: string): WritableFileStore {
  const s = requireStore(store, what);
  const w = s as Partial<WritableFileStore>;
  if (typeof w.create !== 'function' || typeof w.rename !== 'function' || typeof w.writeFile !== 'function') {
    throw new InvalidArgumentError(`${what}: the file store given is read-only (it has no create/rename/writeFile)`);
  }
  return s as WritableFileStore;
}

/** Reads a whole (small) file through `store.readFile` when available, else `open` + one ranged read. */
export async function readWholeFile(store: FileStore, path: string): Promise<Uint8Array> {
  if (typeof store.readFile === 'function') return store.readFile(path);
  const src = await store.open(path);
  try {
    return await readRange(src, 0, src.byteLength);
  } finally {
    await src.close?.();
  }
}

/**
 * Converts an fnmatch-style pattern (TensorFlow's `GetMatchingPaths`: `*`, `?`, `[...]`, `[!...]`, `\x`)
 * for one path component into a RegExp.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[i + 1] as string);
      i++;
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      re += '[' + (negate ? '^' : '') + body.replace(/[\\\]]/g, '\\$&') + ']';
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 'su');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * TensorFlow's `file_io.get_matching_files(pattern)` for patterns whose wildcards are in the last path
 * component only. Without wildcards this is an existence check. Stores that cannot list directories
 * fall back to treating the pattern literally.
 */
export async function matchingFiles(store: FileStore, pattern: string): Promise<string[]> {
  if (!hasGlobChars(pattern)) return (await store.exists(pattern)) ? [pattern] : [];
  const dir = dirName(pattern);
  const base = baseName(pattern);
  if (hasGlobChars(dir) || typeof store.list !== 'function') {
    return (await store.exists(pattern)) ? [pattern] : [];
  }
  let names: string[];
  try {
    names = await store.list(dir === '' ? '.' : dir);
  } catch {
    return [];
  }
  const re = globToRegExp(base);
  const prefix = dir === '' ? '' : dir.endsWith('/') ? dir : dir + '/';
  return names.filter((n) => re.test(n)).sort().map((n) => prefix + n);
}
