/**
 * tfpersist/formats, browser-safe: TensorFlow's model persistence formats (ranks 0-5) with no Python, no
 * native TensorFlow and no tensor library: nothing here loads @tensorflow/tfjs-core (the architecture test
 * checks it), so `inspect` on a 10 GB checkpoint loads no kernels. Nothing here imports `node:*`; give readers a `FileStore` (`MemoryFileStore`,
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
