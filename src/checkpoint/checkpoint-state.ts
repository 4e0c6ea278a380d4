/**
 * The `checkpoint` state file (`CheckpointState` text proto) and the checkpoint-management helpers of
 * `tensorflow/python/checkpoint/checkpoint_management.py`: `get_checkpoint_state`, `latest_checkpoint`,
 * `update_checkpoint_state`, `generate_checkpoint_state_proto`, `checkpoint_exists`,
 * `get_checkpoint_mtimes`, `remove_checkpoint`, `meta_graph_filename`.
 *
 * Text written by {@link updateCheckpointState} is byte-identical to Python's
 * `text_format.MessageToString(ckpt)`: fields in number order, one line per repeated element, strings
 * C-escaped (`\"`, `\'`, `\\`, `\n`, `\r`, `\t`, other control bytes as 3-digit octal, non-ASCII raw),
 * doubles as Python `repr`, proto3 defaults omitted.
 */
import { InvalidArgumentError, isTFError } from '../errors.js';
import type { FileStore } from '../io/types.js';
import { parseTextProto } from '../proto/codec.js';
import { CheckpointStateSchema } from '../proto/index.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';
import { baseName, isAbs, joinPath, relPath } from './paths.js';
import { formatPythonFloat } from './python-float.js';
import { matchingFiles, readWholeFile, requireStore, requireWritableStore } from './store-util.js';

/** The default name of the state file inside a checkpoint directory. */
export const CHECKPOINT_STATE_FILENAME = 'checkpoint';

/** A decoded `CheckpointState` (field names as in `checkpoint_state.proto`, camelCase). */
export interface CheckpointStateFields {
  /** The latest checkpoint prefix. */
  modelCheckpointPath: string;
  /** Not-yet-deleted checkpoint prefixes, oldest first; the last equals `modelCheckpointPath`. */
  allModelCheckpointPaths: string[];
  /** Seconds since the epoch, parallel to `allModelCheckpointPaths` (may be empty). */
  allModelCheckpointTimestamps: number[];
  /** Seconds since the epoch of the last preserved checkpoint (0 = unset). */
  lastPreservedTimestamp: number;
}

/** What {@link getCheckpointState} returns: the state with paths resolved, plus any warnings. */
export interface ResolvedCheckpointState extends CheckpointStateFields {
  /** The state file that was read. */
  statePath: string;
  /** Things worth telling the user (e.g. a path resolved by the moved-directory rule). */
  warnings: string[];
}

/** Options shared by the state-file readers. */
export interface CheckpointStateReadOptions {
  /** Where files live. Required in the browser-safe entry point; Node's entry defaults to local files. */
  store?: FileStore;
  /** Collects warnings (also returned on the state). */
  warnings?: string[];
  /** Called once per warning (e.g. `Checkpoint ignored`, moved-directory resolution). */
  onWarning?: (message: string) => void;
  /**
   * Resolve absolute paths that no longer exist but whose file name sits beside the state file (the
   * directory was moved or copied). Default true.
   */
  resolveMovedPaths?: boolean;
}

/** Options of {@link updateCheckpointState}. */
export interface UpdateCheckpointStateOptions {
  /** A writable store. Required in the browser-safe entry point. */
  store?: FileStore;
  /** State file name inside `saveDir` (default `checkpoint`). */
  latestFilename?: string;
  /** `all_model_checkpoint_timestamps`, parallel to the (completed) path list. */
  timestamps?: number[];
  /** `last_preserved_timestamp`. */
  lastPreservedTimestamp?: number;
  /** Make absolute paths relative to `saveDir` (TF2 `Checkpoint` / `CheckpointManager` style). */
  saveRelativePaths?: boolean;
  /** The working directory used by `os.path.relpath` for relative paths (default `/`). */
  cwd?: string;
}

function warn(opts: CheckpointStateReadOptions, list: string[], message: string): void {
  list.push(message);
  opts.warnings?.push(message);
  opts.onWarning?.(message);
}

// ---------------------------------------------------------------------------------------------------
// Text encoding

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 34: '\\"', 39: "\\'", 92: '\\\\' };

/** Python protobuf's `text_encoding.CEscape(s, as_utf8=True)` as used by `MessageToString`. */
export function escapeTextProtoString(s: string): string {
  const bytes = utf8Encode(s);
  let out = '';
  let runStart = -1;
  const flush = (end: number): void => {
    if (runStart >= 0) {
      out += utf8Decode(bytes.subarray(runStart, end));
      runStart = -1;
    }
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const esc = ESCAPES[b];
    if (esc !== undefined) {
      flush(i);
      out += esc;
    } else if (b < 0x20 || b === 0x7f) {
      flush(i);
      out += '\\' + b.toString(8).padStart(3, '0');
    } else if (runStart < 0) runStart = i;
  }
  flush(bytes.length);
  return out;
}

/** Formats a state exactly as Python's `text_format.MessageToString(CheckpointState(...))`. */
export function formatCheckpointState(state: CheckpointStateFields): string {
  let out = '';
  if (state.modelCheckpointPath !== '') {
    out += `model_checkpoint_path: "${escapeTextProtoString(state.modelCheckpointPath)}"\n`;
  }
  for (const p of state.allModelCheckpointPaths) out += `all_model_checkpoint_paths: "${escapeTextProtoString(p)}"\n`;
  for (const t of state.allModelCheckpointTimestamps) out += `all_model_checkpoint_timestamps: ${formatPythonFloat(t)}\n`;
  // proto3: a zero default is not printed (-0.0 is not a default: its bits differ).
  if (state.lastPreservedTimestamp !== 0 || Object.is(state.lastPreservedTimestamp, -0)) {
    out += `last_preserved_timestamp: ${formatPythonFloat(state.lastPreservedTimestamp)}\n`;
  }
  return out;
}

/**
 * Parses state-file text (any field order, comments, repeated lines, as `text_format.Merge`). Throws
 * the proto text parser's error on malformed input.
 */
export function parseCheckpointState(text: string, source?: string): CheckpointStateFields {
  const msg = parseTextProto(CheckpointStateSchema, text, source === undefined ? {} : { source });
  return {
    modelCheckpointPath: msg.modelCheckpointPath,
    allModelCheckpointPaths: [...msg.allModelCheckpointPaths],
    allModelCheckpointTimestamps: [...msg.allModelCheckpointTimestamps],
    lastPreservedTimestamp: msg.lastPreservedTimestamp,
  };
}

// ---------------------------------------------------------------------------------------------------
// generate / update

/**
 * `generate_checkpoint_state_proto`: appends `modelCheckpointPath` to the list when it is not its last
 * element, checks the timestamp count, and (when `saveDir` is relative) rewrites relative paths with
 * `os.path.relpath(p, saveDir)`.
 */
export function generateCheckpointState(
  saveDir: string,
  modelCheckpointPath: string,
  allModelCheckpointPaths: string[] = [],
  timestamps?: number[],
  lastPreservedTimestamp?: number,
  options: { cwd?: string } = {},
): CheckpointStateFields {
  const paths = [...allModelCheckpointPaths];
  if (paths.length === 0 || paths[paths.length - 1] !== modelCheckpointPath) paths.push(modelCheckpointPath);
  const ts = timestamps === undefined ? [] : [...timestamps];
  if (ts.length > 0 && ts.length !== paths.length) {
    throw new InvalidArgumentError(
      `Checkpoint timestamps, if provided, must match checkpoint paths (got paths ${pyList(paths.map(pyStr))} ` +
        `and timestamps ${pyList(ts.map(formatPythonFloat))})`,
    );
  }
  for (const t of ts) {
    if (typeof t !== 'number') throw new InvalidArgumentError(`Checkpoint timestamp ${String(t)} is not a number`);
  }
  let model = modelCheckpointPath;
  if (!isAbs(saveDir)) {
    const cwd = options.cwd ?? '/';
    if (!isAbs(model)) model = relPath(model, saveDir, cwd);
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i] as string;
      if (!isAbs(p)) paths[i] = relPath(p, saveDir, cwd);
    }
  }
  return {
    modelCheckpointPath: model,
    allModelCheckpointPaths: paths,
    allModelCheckpointTimestamps: ts,
    lastPreservedTimestamp: lastPreservedTimestamp ?? 0,
  };
}

function pyStr(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}
function pyList(items: string[]): string {
  return '[' + items.join(', ') + ']';
}

/** The state file path: `os.path.join(dir, latestFilename ?? 'checkpoint')`. */
export function checkpointStatePath(dir: string, latestFilename?: string): string {
  return joinPath(dir, latestFilename ?? CHECKPOINT_STATE_FILENAME);
}

/**
 * `update_checkpoint_state_internal`: writes `<saveDir>/<latestFilename>` atomically (temp + rename) with
 * the same bytes as TensorFlow. Returns the state file path and the text written.
 *
 * @throws InvalidArgumentError when timestamps do not match the paths, or when the checkpoint path is
 *   the state file itself (TF: `Save path '<p>' conflicts with path used for checkpoint state.`).
 */
export async function updateCheckpointState(
  saveDir: string,
  modelCheckpointPath: string,
  allModelCheckpointPaths?: string[],
  options: UpdateCheckpointStateOptions = {},
): Promise<{ statePath: string; text: string }> {
  const store = requireWritableStore(options.store, 'updateCheckpointState');
  const statePath = checkpointStatePath(saveDir, options.latestFilename);
  let model = modelCheckpointPath;
  let all = allModelCheckpointPaths ?? [];
  if (options.saveRelativePaths === true) {
    const cwd = options.cwd ?? '/';
    if (isAbs(model)) model = relPath(model, saveDir, cwd);
    all = all.map((p) => (isAbs(p) ? relPath(p, saveDir, cwd) : p));
  }
  const state = generateCheckpointState(
    saveDir,
    model,
    all,
    options.timestamps,
    options.lastPreservedTimestamp,
    options.cwd === undefined ? {} : { cwd: options.cwd },
  );
  if (statePath === state.modelCheckpointPath) {
    throw new InvalidArgumentError(
      `Save path '${modelCheckpointPath}' conflicts with path used for checkpoint state.  Please use a different save path.`,
      { file: statePath },
    );
  }
  const text = formatCheckpointState(state);
  await store.writeFile(statePath, utf8Encode(text));
  return { statePath, text };
}

// ---------------------------------------------------------------------------------------------------
// read

/**
 * `get_checkpoint_state(dir, latest_filename)`: reads and parses the state file; relative paths are
 * joined onto `dir`. Returns `undefined` when the file does not exist, or (with a warning
 * `<path>: Checkpoint ignored`) when it cannot be read or parsed.
 *
 * Moved-directory rule (tfpersist addition): an absolute path that does not exist as a checkpoint but
 * whose file name exists as a checkpoint beside the state file is resolved there, with a warning.
 *
 * @throws InvalidArgumentError `Invalid checkpoint state loaded from <dir>` when `model_checkpoint_path`
 *   is empty (as TensorFlow's ValueError).
 */
export async function getCheckpointState(
  dir: string,
  latestFilename?: string,
  options: CheckpointStateReadOptions = {},
): Promise<ResolvedCheckpointState | undefined> {
  const store = requireStore(options.store, 'getCheckpointState');
  const statePath = checkpointStatePath(dir, latestFilename);
  const warnings: string[] = [];
  let exists: boolean;
  try {
    exists = await store.exists(statePath);
  } catch {
    exists = false;
  }
  if (!exists) return undefined;
  let state: CheckpointStateFields;
  try {
    const bytes = await readWholeFile(store, statePath);
    state = parseCheckpointState(utf8Decode(bytes), statePath);
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    warn(options, warnings, msg);
    warn(options, warnings, `${statePath}: Checkpoint ignored`);
    return undefined;
  }
  if (state.modelCheckpointPath === '') {
    throw new InvalidArgumentError(`Invalid checkpoint state loaded from ${dir}`, { file: statePath });
  }
  const resolve = async (p: string): Promise<string> => {
    if (!isAbs(p)) return joinPath(dir, p);
    if (options.resolveMovedPaths === false) return p;
    if (await checkpointExists(p, { store })) return p;
    const beside = joinPath(dir, baseName(p));
    if (beside !== p && (await checkpointExists(beside, { store }))) {
      warn(
        options,
        warnings,
        `${statePath}: checkpoint ${p} does not exist; using ${beside} beside the state file (the directory was probably moved)`,
      );
      return beside;
    }
    return p;
  };
  const model = await resolve(state.modelCheckpointPath);
  const all: string[] = [];
  for (const p of state.allModelCheckpointPaths) all.push(p === state.modelCheckpointPath ? model : await resolve(p));
  return { ...state, modelCheckpointPath: model, allModelCheckpointPaths: all, statePath, warnings };
}

/**
 * `latest_checkpoint(dir, latest_filename)`: the latest checkpoint prefix listed in the state file when
 * its files exist (`<p>.index` for V2, else `<p>` for V1), otherwise `undefined` (with a warning
 * `Couldn't match files for checkpoint <p>`). A missing directory gives `undefined`.
 */
export async function latestCheckpoint(
  dir: string,
  latestFilename?: string,
  options: CheckpointStateReadOptions = {},
): Promise<string | undefined> {
  const store = requireStore(options.store, 'latestCheckpoint');
  let state: ResolvedCheckpointState | undefined;
  try {
    state = await getCheckpointState(dir, latestFilename, options);
  } catch (e) {
    if (isTFError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
  if (state === undefined || state.modelCheckpointPath === '') return undefined;
  if (await checkpointExists(state.modelCheckpointPath, { store })) return state.modelCheckpointPath;
  const message = `Couldn't match files for checkpoint ${state.modelCheckpointPath}`;
  options.warnings?.push(message);
  options.onWarning?.(message);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// existence, mtimes, removal, meta graph names

/** Which checkpoint format a prefix refers to, by the files that exist. */
export type CheckpointFormat = 'V2' | 'V1';

/**
 * `checkpoint_exists_internal(prefix)`: `'V2'` when `<prefix>.index` matches, else `'V1'` when `<prefix>`
 * itself matches, else `undefined` (V2 has priority). `*?[` are glob wildcards, as in TensorFlow.
 */
export async function checkpointFormat(prefix: string, options: { store?: FileStore } = {}): Promise<CheckpointFormat | undefined> {
  const store = requireStore(options.store, 'checkpointExists');
  if ((await matchingFiles(store, prefix + '.index')).length > 0) return 'V2';
  if ((await matchingFiles(store, prefix)).length > 0) {
    if (typeof store.isDirectory === 'function' && (await store.isDirectory(prefix))) return undefined;
    return 'V1';
  }
  return undefined;
}

/** `checkpoint_exists(prefix)`: true when a V2 (`<prefix>.index`) or V1 (`<prefix>`) checkpoint exists. */
export async function checkpointExists(prefix: string, options: { store?: FileStore } = {}): Promise<boolean> {
  return (await checkpointFormat(prefix, options)) !== undefined;
}

/**
 * `get_checkpoint_mtimes(prefixes)`: for each prefix, the mtime (seconds, float) of `<p>.index`, else of
 * `<p>`; prefixes with no files are skipped, so the list may be shorter than the input.
 */
export async function getCheckpointMtimes(prefixes: string[], options: { store?: FileStore } = {}): Promise<number[]> {
  const store = requireStore(options.store, 'getCheckpointMtimes');
  if (typeof store.mtime !== 'function') {
    throw new InvalidArgumentError('getCheckpointMtimes: this file store does not report modification times');
  }
  const out: number[] = [];
  for (const p of prefixes) {
    for (const pattern of [p + '.index', p]) {
      const files = await matchingFiles(store, pattern);
      const first = files[0];
      if (first !== undefined) {
        const t = await store.mtime(first);
        if (t !== undefined) out.push(t);
        break;
      }
    }
  }
  return out;
}

/**
 * `meta_graph_filename(prefix, suffix)`: strips a sharded `-?????-of-NNNNN` tail and appends `.<suffix>`.
 */
export function metaGraphFilename(checkpointFilename: string, metaGraphSuffix = 'meta'): string {
  const base = checkpointFilename.replace(/-[\d?]+-of-\d+$/, '');
  return `${base}.${metaGraphSuffix}`;
}

/**
 * `remove_checkpoint(prefix, format, meta_graph_suffix)`: deletes the `.meta` file, and `<p>.index` +
 * `<p>.data-?????-of-?????` (V2) or `<p>` itself (V1). Missing files are not an error.
 */
export async function removeCheckpoint(
  prefix: string,
  options: { store?: FileStore; format?: CheckpointFormat; metaGraphSuffix?: string } = {},
): Promise<string[]> {
  const store = requireWritableStore(options.store, 'removeCheckpoint');
  const removed: string[] = [];
  const del = async (pattern: string): Promise<void> => {
    for (const f of await matchingFiles(store, pattern)) {
      await store.remove(f);
      removed.push(f);
    }
  };
  await del(metaGraphFilename(prefix, options.metaGraphSuffix ?? 'meta'));
  if ((options.format ?? 'V2') === 'V2') {
    await del(prefix + '.index');
    await del(prefix + '.data-?????-of-?????');
  } else {
    await del(prefix);
  }
  return removed;
}
