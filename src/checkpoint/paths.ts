/**
 * POSIX path helpers with Python `os.path` (posixpath) semantics, for the checkpoint layer.
 *
 * The format layers must run in browsers, so they cannot use `node:path`. TensorFlow's checkpoint
 * bookkeeping (`checkpoint_management.py`) is written in terms of `os.path.join`, `os.path.isabs` and
 * `os.path.relpath`; these functions reproduce those exactly for `/`-separated paths (the form used by
 * `NodeFileStore` on POSIX systems, `MemoryFileStore` and URL stores).
 */

/** `os.path.isabs`: true when `p` starts with `/`. */
export function isAbs(p: string): boolean {
  return p.startsWith('/');
}

/**
 * `os.path.join(a, *parts)`: an absolute component discards everything before it; a `/` is inserted
 * only when the previous part does not already end with one (an empty last part gives a trailing `/`).
 */
export function joinPath(a: string, ...parts: string[]): string {
  let out = a;
  for (const b of parts) {
    if (b.startsWith('/')) out = b;
    else if (out === '' || out.endsWith('/')) out += b;
    else out += '/' + b;
  }
  return out;
}

/** `os.path.normpath` (posix): collapses `//`, `.` and `a/..`; keeps leading `..` of relative paths. */
export function normPath(p: string): string {
  if (p === '') return '.';
  // POSIX allows exactly two leading slashes to mean something special; Python keeps them.
  const initial = p.startsWith('//') && !p.startsWith('///') ? 2 : p.startsWith('/') ? 1 : 0;
  const out: string[] = [];
  for (const comp of p.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (initial === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = out.join('/');
  const res = '/'.repeat(initial) + joined;
  return res === '' ? '.' : res;
}

/** `os.path.abspath(p)` with an explicit working directory (browser code has no process cwd). */
export function absPath(p: string, cwd: string): string {
  return normPath(isAbs(p) ? p : joinPath(cwd, p));
}

/**
 * `os.path.relpath(path, start)`: the relative path from `start` to `path`, both made absolute against
 * `cwd` first (as Python does with the process working directory).
 */
export function relPath(path: string, start: string, cwd = '/'): string {
  if (path === '') throw new TypeError('relPath: no path specified');
  const startList = absPath(start, cwd).split('/').filter((x) => x !== '');
  const pathList = absPath(path, cwd).split('/').filter((x) => x !== '');
  let i = 0;
  while (i < startList.length && i < pathList.length && startList[i] === pathList[i]) i++;
  const rel = [...new Array<string>(startList.length - i).fill('..'), ...pathList.slice(i)];
  return rel.length === 0 ? '.' : rel.join('/');
}

/** `os.path.dirname`: everything before the last `/` (trailing slashes stripped unless all slashes). */
export function dirName(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head !== '' && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** `os.path.basename`: everything after the last `/`. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** True when `p` contains a glob metacharacter (`*`, `?`, `[`) that TensorFlow's glob would expand. */
export function hasGlobChars(p: string): boolean {
  return /[*?[]/.test(p);
}
