/**
 * tfpersist/formats for Node: the format layers (`./formats.ts`, no tensor library) plus local files
 * (`NodeFileStore`, `openFile`) and conveniences that default to local files: `openCheckpoint(path)`,
 * `writeCheckpoint(prefix, tensors)`, `getCheckpointState(dir)`, `latestCheckpoint(dir)`,
 * `updateCheckpointState(...)` (relative paths resolved against `process.cwd()`, as Python does),
 * `checkpointExists`, `getCheckpointMtimes`, `removeCheckpoint`, `listVariables`, `loadVariable`, and
 * `openNpz` / `openSafetensors` for files.
 */
import {
  checkpointExists as checkpointExistsBase,
  getCheckpointMtimes as getCheckpointMtimesBase,
  getCheckpointState as getCheckpointStateBase,
  latestCheckpoint as latestCheckpointBase,
  listVariables as listVariablesBase,
  loadVariable as loadVariableBase,
  NpzReader,
  openCheckpoint as openCheckpointBase,
  removeCheckpoint as removeCheckpointBase,
  SafetensorsReader,
  updateCheckpointState as updateCheckpointStateBase,
  writeCheckpoint as writeCheckpointBase,
  type CheckpointFormat,
  type CheckpointReader,
  type CheckpointStateReadOptions,
  type FileStore,
  type LazyTensor,
  type OpenCheckpointOptions,
  type ResolvedCheckpointState,
  type TensorValue,
  type UpdateCheckpointStateOptions,
  type WriteCheckpointOptions,
  type WriteCheckpointResult,
} from './formats.js';
import { openFile } from './io/node/file-source.js';
import { NodeFileStore } from './io/node/node-file-store.js';

export * from './formats.js';
export * from './io/node/index.js';

function local<T extends { store?: FileStore }>(options: T | undefined): T & { store: FileStore } {
  return { ...(options ?? ({} as T)), store: options?.store ?? new NodeFileStore() };
}

/** {@link openCheckpointBase | openCheckpoint} on local files by default. */
export function openCheckpoint(path: string, options?: OpenCheckpointOptions): Promise<CheckpointReader> {
  return openCheckpointBase(path, local(options));
}

/** `writeCheckpoint` on local files by default. */
export function writeCheckpoint(
  prefix: string,
  tensors: Record<string, TensorValue> | Map<string, TensorValue> | LazyTensor[],
  options?: WriteCheckpointOptions,
): Promise<WriteCheckpointResult> {
  return writeCheckpointBase(prefix, tensors, local(options));
}

/** `get_checkpoint_state` on local files by default. */
export function getCheckpointState(dir: string, latestFilename?: string, options?: CheckpointStateReadOptions): Promise<ResolvedCheckpointState | undefined> {
  return getCheckpointStateBase(dir, latestFilename, local(options));
}

/** `latest_checkpoint` on local files by default. */
export function latestCheckpoint(dir: string, latestFilename?: string, options?: CheckpointStateReadOptions): Promise<string | undefined> {
  return latestCheckpointBase(dir, latestFilename, local(options));
}

/** `update_checkpoint_state` on local files by default; `os.path.relpath` uses `process.cwd()`. */
export function updateCheckpointState(
  saveDir: string,
  modelCheckpointPath: string,
  allModelCheckpointPaths?: string[],
  options?: UpdateCheckpointStateOptions,
): Promise<{ statePath: string; text: string }> {
  return updateCheckpointStateBase(saveDir, modelCheckpointPath, allModelCheckpointPaths, { cwd: process.cwd(), ...local(options) });
}

/** `checkpoint_exists` on local files by default. */
export function checkpointExists(prefix: string, options?: { store?: FileStore }): Promise<boolean> {
  return checkpointExistsBase(prefix, local(options));
}

/** `get_checkpoint_mtimes` on local files by default. */
export function getCheckpointMtimes(prefixes: string[], options?: { store?: FileStore }): Promise<number[]> {
  return getCheckpointMtimesBase(prefixes, local(options));
}

/** `remove_checkpoint` on local files by default. */
export function removeCheckpoint(
  prefix: string,
  options?: { store?: FileStore; format?: CheckpointFormat; metaGraphSuffix?: string },
): Promise<string[]> {
  return removeCheckpointBase(prefix, local(options));
}

/** `tf.train.list_variables` on local files by default. */
export function listVariables(path: string, options?: OpenCheckpointOptions): Promise<[string, number[]][]> {
  return listVariablesBase(path, local(options));
}

/** `tf.train.load_variable` on local files by default. */
export function loadVariable(path: string, name: string, options?: OpenCheckpointOptions): Promise<TensorValue> {
  return loadVariableBase(path, name, local(options));
}

/** Opens a local `.npz` file lazily. */
export async function openNpz(path: string): Promise<NpzReader> {
  return NpzReader.open(await openFile(path), { name: path });
}

/** Opens a local `.safetensors` file lazily. */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  return SafetensorsReader.open(await openFile(path), { name: path });
}
