/**
 * `TensorProto` <-> {@link TensorValue}, mirroring TensorFlow 2.21:
 *
 * Decoding follows C++ `Tensor::FromProto` (checked against `tf.io.parse_tensor`, see
 * `tools/fixtures/make_tensor_protos.py`):
 * - the shape must be valid: rank <= 254, every dimension >= 0 (TensorFlow ignores an
 *   `unknown_rank` flag; we reject it as malformed), at most 2^53-1 elements;
 * - a tensor with 0 elements ignores all values (even a wrong-sized `tensor_content`);
 * - a non-empty `tensor_content` wins over the typed fields and must be exactly
 *   `elements × byteWidth` bytes; bool bytes must be 0/1; for string / variant / resource it is
 *   TensorFlow's string list (varint32 lengths, then the bytes; the total must match exactly);
 * - otherwise the dtype's typed field is used (`float_val`, `half_val` for float16 AND bfloat16,
 *   `int_val` for int8/16/32, uint8/16, quantized and int4/uint4/int2/uint2, `float8_val` bytes for
 *   the float8/float4 types, ...): values are narrowed like C++ does (`int_val` 300 for int8 -> 44,
 *   `half_val` keeps the low 16 bits); surplus values are ignored; a shorter list is padded with its
 *   LAST value; an empty list means zeros. variant and resource are padded with empty values
 *   instead (TensorFlow does not repeat those). complex lists count pairs (an odd last float is
 *   ignored). Values in another dtype's field are ignored (`int_val` on bfloat16 gives zeros).
 *
 * Padding allocates memory the proto does not back (`float_val: 0` with shape [10^6, 10^6]). TensorFlow
 * would try to allocate it; we refuse beyond `maxBroadcastBytes` (default 1 GiB, counting 8 bytes per
 * string/variant element and 128 per resource handle) with a ResourceExhaustedError, before allocating anything.
 *
 * Encoding follows Python's `make_tensor_proto` by default: `tensor_content` iff the dtype is one of
 * Python's tensor-content dtypes and the tensor has more than one element; typed fields otherwise
 * (so bool, complex, string, uint16, int4/uint4/int2/uint2 always use typed fields). The shape is
 * always written (`12 00` for a scalar). Re-encoding a decoded `make_tensor_proto` output gives the
 * same bytes, except where Python itself broadcast a short list (the decoded value is expanded).
 */
import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, ResourceExhaustedError, where } from '../errors.js';
import {
  decodeProto,
  encodeProto,
  ResourceHandleProtoSchema,
  TensorProtoSchema,
  TensorShapeProtoSchema,
  VariantTensorDataProtoSchema,
  type ResourceHandleProto,
  type TensorProto,
  type TensorShapeProto,
  type VariantTensorDataProto,
} from '../proto/index.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { type DType, dtypeFromEnum, dtypeInfo, type TypedArray } from './dtype.js';
import { decodeRawTensor, encodeRawTensor } from './raw.js';
import {
  allocateTensorData,
  createTensorValue,
  formatShape,
  MAX_RANK,
  numElements,
  type TensorValue,
} from './tensor-value.js';

/** Default limit for memory that a short typed list would be padded to: 1 GiB. */
export const DEFAULT_MAX_BROADCAST_BYTES = 2 ** 30;

/** Options of {@link decodeTensorProto}. */
export interface DecodeTensorProtoOptions {
  /** The file or source name for error messages. */
  source?: string;
  /**
   * Largest decoded size (bytes; 8 per string/variant element, 128 per resource handle) allowed when the proto holds
   * fewer values than the shape needs (padding with the last value / zeros). Default 1 GiB.
   */
  maxBroadcastBytes?: number;
}

/** Options of {@link encodeTensorProto}. */
export interface EncodeTensorProtoOptions {
  /**
   * `undefined` (default): Python `make_tensor_proto`'s choice. `true`: `tensor_content` for every
   * POD dtype with at least one element (like C++ `AsProtoTensorContent`); string, variant and
   * resource still use their typed fields. `false`: typed fields always (like C++ `AsProtoField`).
   */
  useTensorContent?: boolean;
}

/**
 * A shape from a `TensorShapeProto` (missing = scalar).
 *
 * @throws InvalidArgumentError for unknown rank, negative or > 2^53-1 dimensions, or rank > 254.
 */
export function tensorShapeFromProto(shape: TensorShapeProto | undefined, source?: string): number[] {
  if (shape === undefined) return [];
  if (shape.unknownRank) {
    throw new InvalidArgumentError(`tensor shape has unknown rank; a tensor needs a fully defined shape${where(source)}`, {
      file: source,
    });
  }
  if (shape.dim.length > MAX_RANK) {
    throw new InvalidArgumentError(`tensor shape has rank ${shape.dim.length} > ${MAX_RANK}${where(source)}`, {
      file: source,
    });
  }
  const dims = shape.dim.map((d) => d.size);
  const out: number[] = [];
  for (const size of dims) {
    const s = BigInt(size);
    if (s < 0n || s > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InvalidArgumentError(
        `tensor shape [${dims.join(',')}] has an invalid dimension ${s} (must be in [0, 2^53-1])${where(source)}`,
        { file: source },
      );
    }
    out.push(Number(s));
  }
  numElements(out, source); // product check
  return out;
}

/** A `TensorShapeProto` for a fully defined shape (an empty message for a scalar). */
export function tensorShapeToProto(shape: readonly number[]): TensorShapeProto {
  numElements(shape);
  return create(TensorShapeProtoSchema, { dim: shape.map((s) => ({ size: BigInt(s) })) });
}

/** Decodes TensorFlow's string-list encoding (`tensor_content` of string/variant/resource tensors). */
function decodeStringList(content: Uint8Array, n: number, source?: string): Uint8Array[] {
  const sizeErr = (): never => {
    throw new InvalidArgumentError(
      `tensor_content string list does not hold ${n} elements (${content.length} bytes)${where(source)}`,
      { file: source },
    );
  };
  // Each element needs at least one length byte: bounds n before allocating.
  if (n > content.length) sizeErr();
  const reader = new ByteReader(content, { source });
  const sizes: number[] = new Array<number>(n);
  let total = 0;
  try {
    for (let i = 0; i < n; i++) {
      sizes[i] = reader.varint32();
      total += sizes[i]!;
    }
  } catch {
    sizeErr();
  }
  if (total !== reader.remaining) sizeErr();
  const out: Uint8Array[] = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) out[i] = reader.bytes(sizes[i]!);
  return out;
}

function encodeStringList(items: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const b of items) w.varint32(b.length);
  for (const b of items) w.bytes(b);
  return w.finish();
}

function parseVariant(bytes: Uint8Array, i: number, source?: string): Uint8Array {
  try {
    decodeProto(VariantTensorDataProtoSchema, bytes, { source });
  } catch (e) {
    throw new InvalidArgumentError(`variant element ${i} is not a valid VariantTensorDataProto${where(source)}`, {
      file: source,
      cause: e,
    });
  }
  return bytes;
}

function parseResource(bytes: Uint8Array, i: number, source?: string): ResourceHandleProto {
  try {
    return decodeProto(ResourceHandleProtoSchema, bytes, { source });
  } catch (e) {
    throw new InvalidArgumentError(`resource element ${i} is not a valid ResourceHandleProto${where(source)}`, {
      file: source,
      cause: e,
    });
  }
}

/** Number of elements a typed field carries for a dtype. */
function typedCount(proto: TensorProto, dtype: DType): number {
  const info = dtypeInfo(dtype);
  const field = proto[info.protoField] as { length: number };
  return info.valuesPerElement === 2 ? Math.floor(field.length / 2) : field.length;
}

/**
 * Decodes a `TensorProto` message into a {@link TensorValue} (see the module doc for the rules).
 *
 * @throws InvalidArgumentError for a bad dtype, shape or `tensor_content`; ResourceExhaustedError when
 *   padding would exceed `maxBroadcastBytes`. Messages name `source`.
 */
export function decodeTensorProto(proto: TensorProto, options: DecodeTensorProtoOptions = {}): TensorValue {
  const { source } = options;
  const maxBroadcastBytes = options.maxBroadcastBytes ?? DEFAULT_MAX_BROADCAST_BYTES;
  let dtype: DType;
  try {
    dtype = dtypeFromEnum(proto.dtype, source);
  } catch (e) {
    throw new InvalidArgumentError(`TensorProto: ${(e as Error).message}`, { file: source, cause: e });
  }
  const info = dtypeInfo(dtype);
  const shape = tensorShapeFromProto(proto.tensorShape, source);
  const n = numElements(shape, source);
  if (n === 0) return createTensorValue(dtype, shape);

  const content = proto.tensorContent;
  if (content.length > 0) {
    if (info.isPod) {
      const expected = n * info.byteWidth!;
      if (content.length !== expected) {
        throw new InvalidArgumentError(
          `TensorProto ${dtype} ${formatShape(shape)}: tensor_content has ${content.length} bytes, expected ${expected}${where(source)}`,
          { file: source },
        );
      }
      const value = decodeRawTensor(dtype, shape, content, { source });
      if (dtype === 'bool') {
        const b = value.data as Uint8Array;
        for (let i = 0; i < b.length; i++) {
          if (b[i]! > 1) {
            throw new InvalidArgumentError(
              `TensorProto bool ${formatShape(shape)}: tensor_content byte ${i} is ${b[i]}, not 0 or 1${where(source)}`,
              { file: source },
            );
          }
        }
      }
      return value;
    }
    const items = decodeStringList(content, n, source);
    if (dtype === 'string') return createTensorValue('string', shape, items);
    if (dtype === 'variant') return createTensorValue('variant', shape, items.map((b, i) => parseVariant(b, i, source)));
    return createTensorValue('resource', shape, items.map((b, i) => parseResource(b, i, source)));
  }

  const inN = typedCount(proto, dtype);
  if (inN < n) {
    const bytes = n * (info.byteWidth ?? (info.layout === 'resource[]' ? 128 : 8));
    if (bytes > maxBroadcastBytes) {
      throw new ResourceExhaustedError(
        `TensorProto ${dtype} ${formatShape(shape)} holds ${inN} values but its shape needs ${n}; padding would take ${bytes} bytes > maxBroadcastBytes ${maxBroadcastBytes}${where(source)}`,
        { file: source },
      );
    }
  }
  const copyN = Math.min(n, inN);
  const data = allocateTensorData(dtype, n);
  switch (info.layout) {
    case 'bytes[]': {
      const out = data as Uint8Array[];
      if (dtype === 'string') {
        const src = proto.stringVal;
        for (let i = 0; i < copyN; i++) out[i] = src[i]!;
        if (inN > 0) for (let i = copyN; i < n; i++) out[i] = src[inN - 1]!;
      } else {
        const src = proto.variantVal;
        for (let i = 0; i < copyN; i++) out[i] = encodeProto(VariantTensorDataProtoSchema, src[i]!);
        // Remaining elements stay empty Variants (allocateTensorData), as TensorFlow does.
      }
      break;
    }
    case 'resource[]': {
      const out = data as ResourceHandleProto[];
      for (let i = 0; i < copyN; i++) out[i] = proto.resourceHandleVal[i]!;
      break;
    }
    default: {
      const out = data as TypedArray;
      if (info.protoField === 'float8Val') {
        (out as Uint8Array).set(proto.float8Val.subarray(0, copyN));
      } else if (info.protoField === 'boolVal') {
        const src = proto.boolVal;
        for (let i = 0; i < copyN; i++) out[i] = src[i] ? 1 : 0;
      } else if (info.valuesPerElement === 2) {
        const src = info.protoField === 'scomplexVal' ? proto.scomplexVal : proto.dcomplexVal;
        const f = out as Float64Array;
        for (let i = 0; i < 2 * copyN; i++) f[i] = src[i]!;
        if (inN > 0 && copyN < n) {
          const re = f[2 * inN - 2]!;
          const im = f[2 * inN - 1]!;
          for (let i = copyN; i < n; i++) {
            f[2 * i] = re;
            f[2 * i + 1] = im;
          }
        }
        break;
      } else {
        // Typed arrays narrow like C++'s static_cast (modular for ints, low 16 bits for half_val).
        const src = proto[info.protoField] as ArrayLike<number | bigint>;
        for (let i = 0; i < copyN; i++) (out as Float64Array)[i] = src[i] as number;
      }
      if (inN > 0 && copyN < n) (out as Float64Array).fill(out[inN - 1] as number, inN);
    }
  }
  return createTensorValue(dtype, shape, data);
}

/**
 * Parses serialized `TensorProto` bytes and decodes them.
 *
 * @throws DataLossError when the bytes are not a valid `TensorProto`; otherwise as {@link decodeTensorProto}.
 */
export function decodeTensorProtoBytes(bytes: Uint8Array, options: DecodeTensorProtoOptions = {}): TensorValue {
  const proto = decodeProto(TensorProtoSchema, bytes, { source: options.source });
  return decodeTensorProto(proto, options);
}

const MAX_CONTENT = 2 ** 31;

/**
 * Encodes a {@link TensorValue} as a `TensorProto` message (see the module doc for the field choice).
 *
 * @throws InvalidArgumentError for inconsistent values, or content of 2 GB or more (which a protobuf
 *   message cannot hold; Python raises "Cannot create a tensor proto whose content is larger than 2GB.").
 */
export function encodeTensorProto(value: TensorValue, options: EncodeTensorProtoOptions = {}): TensorProto {
  const checked = createTensorValue(value.dtype, value.shape, value.data);
  const dtype = checked.dtype;
  const info = dtypeInfo(dtype);
  const n = numElements(checked.shape);
  const proto = create(TensorProtoSchema, {
    dtype: info.enumValue,
    tensorShape: tensorShapeToProto(checked.shape),
  });
  if (n === 0) return proto;
  const useContent =
    info.isPod && (options.useTensorContent ?? (info.pythonTensorContent && n > 1));
  if (useContent) {
    if (n * info.byteWidth! >= MAX_CONTENT) {
      throw new InvalidArgumentError('Cannot create a tensor proto whose content is larger than 2GB.');
    }
    proto.tensorContent = encodeRawTensor(checked);
    return proto;
  }
  const data = checked.data as unknown;
  switch (info.protoField) {
    case 'stringVal':
      proto.stringVal = [...(data as Uint8Array[])];
      break;
    case 'variantVal':
      proto.variantVal = (data as Uint8Array[]).map(
        (b, i): VariantTensorDataProto => {
          try {
            return decodeProto(VariantTensorDataProtoSchema, b);
          } catch (e) {
            throw new InvalidArgumentError(`variant element ${i} is not a serialized VariantTensorDataProto`, { cause: e });
          }
        },
      );
      break;
    case 'resourceHandleVal':
      proto.resourceHandleVal = [...(data as ResourceHandleProto[])];
      break;
    case 'boolVal':
      proto.boolVal = Array.from(data as Uint8Array, (b) => b !== 0);
      break;
    case 'float8Val':
      proto.float8Val = Uint8Array.from(data as Uint8Array);
      break;
    case 'int64Val':
      proto.int64Val = Array.from(data as BigInt64Array);
      break;
    case 'uint64Val':
      proto.uint64Val = Array.from(data as BigUint64Array);
      break;
    case 'floatVal':
    case 'doubleVal':
    case 'intVal':
    case 'halfVal':
    case 'uint32Val':
    case 'scomplexVal':
    case 'dcomplexVal':
      proto[info.protoField] = Array.from(data as Float64Array);
      break;
  }
  return proto;
}

/** {@link encodeTensorProto}, serialized. */
export function encodeTensorProtoBytes(value: TensorValue, options: EncodeTensorProtoOptions = {}): Uint8Array {
  return encodeProto(TensorProtoSchema, encodeTensorProto(value, options));
}

/** TensorFlow's string-list layout (varint32 lengths, then the bytes), as used in `tensor_content`. */
export const stringList = { encode: encodeStringList, decode: decodeStringList };
