/**
 * tfpersist, browser-safe entry point: TensorFlow's model persistence formats with no Python and no
 * native TensorFlow. Nothing here imports `node:*`; give readers a `FileStore` (`MemoryFileStore`,
 * `HttpFileStore`, or `NodeFileStore` from the Node entry point `tfpersist`).
 *
 * Layers (docs/architecture.md): errors, util (crc32c), io (byte sources and stores), proto (TensorFlow
 * schemas + codec), table (LevelDB-style tables), tensor (dtypes, TensorValue, TensorProto, lossless
 * JSON), bundle (V2 tensor bundles, V1 reader, merge), checkpoint (CheckpointReader, state file,
 * writeCheckpoint, object graph view, npz / safetensors).
 */
export * from './errors.js';
export { crc32c, maskCrc32c, unmaskCrc32c, CRC_MASK_DELTA } from './util/crc32c.js';
export { toSafeNumber, checkedSize } from './util/int64.js';
export * from './io/index.js';
export * from './proto/index.js';
export * from './table/index.js';
export * from './tensor/index.js';
export * from './bundle/index.js';
export * from './checkpoint/index.js';
// Graphs, the Session runtime and TF1 training (ranks 6-8; these load @tensorflow/tfjs-core on import).
export {
  Graph,
  decodeGraphDef,
  encodeGraphDef,
  graphDefToText,
  importGraphDef,
  parseGraphDefText,
  readGraphDef,
  type ImportGraphDefOptions,
} from './graph/index.js';
export { Session, type Fetch, type FetchResult, type FeedValue, type Feeds, type RunOptions, type SessionOptions, type TensorRef } from './runtime/session.js';
export { getBackend, setBackend, type BackendName } from './runtime/backend.js';
export * from './training/index.js';
