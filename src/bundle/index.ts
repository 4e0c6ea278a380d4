/**
 * V2 checkpoints ("tensor bundles"): reader, writer, slices, shards, merge; and the V1 TensorSlice reader.
 */
export {
  BundleReader,
  type BundleReaderOptions,
  checkBundleVersion,
  copyRegion,
  decodeBundleIndex,
  type DecodedBundleIndex,
  type ReadTensorsOptions,
  scanBundleIndex,
  TENSOR_BUNDLE_VERSION,
} from './bundle-reader.js';
export { BundleWriter, type BundleWriterOptions, encodeBundleHeader, writeBundleIndex } from './bundle-writer.js';
export { decodeTensorData, encodeTensorData, type EncodedTensorData } from './data-codec.js';
export {
  type BundleInput,
  mergeBundles,
  type MergeBundlesOptions,
  writeShardedBundle,
  type WriteShardedBundleOptions,
} from './merge.js';
export {
  dataFilename,
  metaFilename,
  shardedFilename,
  shardedFilespec,
  shardedSaveTempPrefix,
} from './naming.js';
export {
  decodeTensorNameSlice,
  encodeTensorNameSlice,
  formatTensorSlice,
  FULL_EXTENT,
  fullSlice,
  isFullSlice,
  parseShapeAndSlice,
  parseTensorSlice,
  sliceShape,
  type TensorSlice,
  type TensorSliceExtent,
  tensorSliceFromProto,
  tensorSliceToProto,
  validateSlice,
} from './tensor-slice.js';
export { resolveV1Files, TensorSliceReaderV1, type TensorSliceReaderV1Options, type V1TensorInfo } from './v1-reader.js';
