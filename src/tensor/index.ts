/**
 * The tensor layer: the dtype table, `TensorValue`, raw little-endian layouts, the `TensorProto`
 * codec, half/bfloat16/float8 conversions and the lossless JSON form.
 */
export * from './dtype.js';
export * from './half.js';
export * from './float8.js';
export * from './tensor-value.js';
export * from './raw.js';
export * from './tensor-proto.js';
export * from './json.js';
