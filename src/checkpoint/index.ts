/**
 * The checkpoint layer (rank 5, browser-safe): `openCheckpoint` / `CheckpointReader`, the `checkpoint`
 * state file, `writeCheckpoint`, the TF2 object-graph view, and the `.npz` / `.safetensors` codecs.
 */
export {
  CHECKPOINT_STATE_FILENAME,
  type CheckpointFormat,
  type CheckpointStateFields,
  type CheckpointStateReadOptions,
  checkpointExists,
  checkpointFormat,
  checkpointStatePath,
  escapeTextProtoString,
  formatCheckpointState,
  generateCheckpointState,
  getCheckpointMtimes,
  getCheckpointState,
  latestCheckpoint,
  metaGraphFilename,
  parseCheckpointState,
  removeCheckpoint,
  type ResolvedCheckpointState,
  updateCheckpointState,
  type UpdateCheckpointStateOptions,
} from './checkpoint-state.js';
export {
  type CheckpointEntryInfo,
  type CheckpointObjectPath,
  CheckpointReader,
  MISSING_SUFFIX_HINT,
  openCheckpoint,
  type OpenCheckpointOptions,
  resolveCheckpointPath,
  type ResolvedCheckpointPath,
} from './checkpoint-reader.js';
export { listVariables, loadVariable } from './variables.js';
export { writeCheckpoint, type WriteCheckpointOptions, type WriteCheckpointResult } from './write-checkpoint.js';
export {
  escapeLocalName,
  nodePaths,
  OBJECT_ATTRIBUTES_NAME,
  OBJECT_GRAPH_PROTO_KEY,
  objectPathsOf,
  type ObjectPathEntry,
  OPTIMIZER_SLOT_NAME,
  parseObjectKey,
  unescapeLocalName,
  VARIABLE_VALUE_KEY,
} from './object-graph.js';
export { formatPythonFloat } from './python-float.js';
export {
  decodeNpy,
  decodeNpyData,
  decodeNpyHeader,
  dtypeFromNpyDescr,
  encodeNpy,
  encodeNpyHeader,
  type NpyDecodeOptions,
  type NpyEncodeOptions,
  type NpyHeader,
} from './npy.js';
export { type NpzEntryInfo, NpzReader, writeNpz, type WriteNpzOptions } from './npz.js';
export {
  type LazyTensor,
  SAFETENSORS_MAX_HEADER_SIZE,
  safetensorsDtypeOf,
  type SafetensorsEntry,
  SafetensorsReader,
  writeSafetensors,
  type WriteSafetensorsOptions,
} from './safetensors.js';
export { crc32, type ZipEntry, ZipReader, ZipWriter } from './zip.js';
