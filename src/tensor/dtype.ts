/**
 * TensorFlow's `DataType` enum (`tensorflow/core/framework/types.proto`, TF 2.21), one row per
 * `DT_*` value, with everything the other layers need to know about a dtype: its names, the
 * element width in TensorFlow's memory layout, the typed array that holds a decoded
 * {@link TensorValue}'s `data`, and the `TensorProto` field that carries its values.
 *
 * Naming: our {@link DType} is TensorFlow's Python name (`tf.float32.name`): `'float32'`,
 * `'float16'`, `'bfloat16'`, `'string'`, ... The `*_REF` variants (enum + 100) only occur in
 * graph-level type attributes of reference-variable ops; they are never a tensor's dtype. Use
 * {@link isRefDtype} / {@link baseDtype} for them.
 */
import { InvalidArgumentError, where } from '../errors.js';

/** Every tensor dtype, spelled like TensorFlow's Python `tf.DType.name`. */
export type DType =
  | 'float32'
  | 'float64'
  | 'int32'
  | 'uint8'
  | 'int16'
  | 'int8'
  | 'string'
  | 'complex64'
  | 'int64'
  | 'bool'
  | 'qint8'
  | 'quint8'
  | 'qint32'
  | 'bfloat16'
  | 'qint16'
  | 'quint16'
  | 'uint16'
  | 'complex128'
  | 'float16'
  | 'resource'
  | 'variant'
  | 'uint32'
  | 'uint64'
  | 'float8_e5m2'
  | 'float8_e4m3fn'
  | 'float8_e4m3fnuz'
  | 'float8_e4m3b11fnuz'
  | 'float8_e5m2fnuz'
  | 'int4'
  | 'uint4'
  | 'int2'
  | 'uint2'
  | 'float4_e2m1fn';

/** Names of the typed-array classes used for `TensorValue.data`. */
export type TypedArrayName =
  | 'Float32Array'
  | 'Float64Array'
  | 'Int8Array'
  | 'Int16Array'
  | 'Int32Array'
  | 'Uint8Array'
  | 'Uint16Array'
  | 'Uint32Array'
  | 'BigInt64Array'
  | 'BigUint64Array';

/** Every typed array that can hold a POD tensor's data. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A typed-array constructor (`Float32Array`, `BigInt64Array`, ...). */
export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/**
 * How a dtype's elements live in `TensorValue.data`:
 * a typed array (POD dtypes), `'bytes[]'` (`Uint8Array[]`: string elements, or serialized
 * `VariantTensorDataProto`s for variant) or `'resource[]'` (`ResourceHandleProto[]`).
 */
export type DataLayout = TypedArrayName | 'bytes[]' | 'resource[]';

/** The typed value field of `TensorProto` (protobuf-es camelCase name) that carries a dtype's values. */
export type TensorProtoValueField =
  | 'floatVal'
  | 'doubleVal'
  | 'intVal'
  | 'stringVal'
  | 'scomplexVal'
  | 'int64Val'
  | 'boolVal'
  | 'dcomplexVal'
  | 'halfVal'
  | 'resourceHandleVal'
  | 'variantVal'
  | 'uint32Val'
  | 'uint64Val'
  | 'float8Val';

/** Broad category of a dtype. */
export type DTypeKind =
  | 'float'
  | 'int'
  | 'uint'
  | 'complex'
  | 'bool'
  | 'string'
  | 'quantized'
  | 'resource'
  | 'variant';

/** One row of the dtype table. */
export interface DTypeInfo {
  /** Our name = TensorFlow's Python `tf.DType.name` (checked against TF 2.21). */
  readonly name: DType;
  /** The `types.proto` enum name, e.g. `'DT_FLOAT'`. */
  readonly enumName: string;
  /** The `types.proto` enum value, e.g. 1. */
  readonly enumValue: number;
  /** TensorFlow's Python name (`tf.float32.name`); identical to {@link name}. */
  readonly pythonName: string;
  /** TensorFlow's C++ `DataTypeString` name (`'float'`, `'double'`, `'half'`, ...), used in TF's error messages. */
  readonly cppName: string;
  /** Bytes per element in TensorFlow's memory / bundle layout, or null (string, resource, variant). */
  readonly byteWidth: number | null;
  /** How `TensorValue.data` holds the elements. */
  readonly layout: DataLayout;
  /** The typed-array constructor of `data` (null for `'bytes[]'` / `'resource[]'`). */
  readonly arrayConstructor: TypedArrayConstructor | null;
  /** Typed-array slots per element: 2 for complex (re, im interleaved), else 1. */
  readonly valuesPerElement: 1 | 2;
  /** The `TensorProto` typed field (camelCase) that carries values when `tensor_content` is not used. */
  readonly protoField: TensorProtoValueField;
  /** The same field as spelled in `tensor.proto` (`'float_val'`, `'half_val'`, ...). */
  readonly protoFieldName: string;
  /** True when TensorFlow can `memcpy` the elements (`DataTypeCanUseMemcpy`): all but string, resource, variant. */
  readonly isPod: boolean;
  /**
   * True when Python's `make_tensor_proto` writes `tensor_content` for this dtype (when the value fills
   * the shape and has more than one element). False for bool, complex, string, uint16, int4/uint4/int2/uint2,
   * resource and variant.
   */
  readonly pythonTensorContent: boolean;
  /** Broad category. */
  readonly kind: DTypeKind;
}

type Row = [
  name: DType,
  enumName: string,
  enumValue: number,
  cppName: string,
  byteWidth: number | null,
  layout: DataLayout,
  protoField: TensorProtoValueField,
  pythonTensorContent: boolean,
  kind: DTypeKind,
];

// Source: types.proto / types.cc (DataTypeString) / tensor_util.py (_TENSOR_CONTENT_TYPES), TF 2.21.
const ROWS: Row[] = [
  ['float32', 'DT_FLOAT', 1, 'float', 4, 'Float32Array', 'floatVal', true, 'float'],
  ['float64', 'DT_DOUBLE', 2, 'double', 8, 'Float64Array', 'doubleVal', true, 'float'],
  ['int32', 'DT_INT32', 3, 'int32', 4, 'Int32Array', 'intVal', true, 'int'],
  ['uint8', 'DT_UINT8', 4, 'uint8', 1, 'Uint8Array', 'intVal', true, 'uint'],
  ['int16', 'DT_INT16', 5, 'int16', 2, 'Int16Array', 'intVal', true, 'int'],
  ['int8', 'DT_INT8', 6, 'int8', 1, 'Int8Array', 'intVal', true, 'int'],
  ['string', 'DT_STRING', 7, 'string', null, 'bytes[]', 'stringVal', false, 'string'],
  ['complex64', 'DT_COMPLEX64', 8, 'complex64', 8, 'Float32Array', 'scomplexVal', false, 'complex'],
  ['int64', 'DT_INT64', 9, 'int64', 8, 'BigInt64Array', 'int64Val', true, 'int'],
  ['bool', 'DT_BOOL', 10, 'bool', 1, 'Uint8Array', 'boolVal', false, 'bool'],
  ['qint8', 'DT_QINT8', 11, 'qint8', 1, 'Int8Array', 'intVal', true, 'quantized'],
  ['quint8', 'DT_QUINT8', 12, 'quint8', 1, 'Uint8Array', 'intVal', true, 'quantized'],
  ['qint32', 'DT_QINT32', 13, 'qint32', 4, 'Int32Array', 'intVal', true, 'quantized'],
  ['bfloat16', 'DT_BFLOAT16', 14, 'bfloat16', 2, 'Uint16Array', 'halfVal', true, 'float'],
  ['qint16', 'DT_QINT16', 15, 'qint16', 2, 'Int16Array', 'intVal', true, 'quantized'],
  ['quint16', 'DT_QUINT16', 16, 'quint16', 2, 'Uint16Array', 'intVal', true, 'quantized'],
  ['uint16', 'DT_UINT16', 17, 'uint16', 2, 'Uint16Array', 'intVal', false, 'uint'],
  ['complex128', 'DT_COMPLEX128', 18, 'complex128', 16, 'Float64Array', 'dcomplexVal', false, 'complex'],
  ['float16', 'DT_HALF', 19, 'half', 2, 'Uint16Array', 'halfVal', true, 'float'],
  ['resource', 'DT_RESOURCE', 20, 'resource', null, 'resource[]', 'resourceHandleVal', false, 'resource'],
  ['variant', 'DT_VARIANT', 21, 'variant', null, 'bytes[]', 'variantVal', false, 'variant'],
  ['uint32', 'DT_UINT32', 22, 'uint32', 4, 'Uint32Array', 'uint32Val', true, 'uint'],
  ['uint64', 'DT_UINT64', 23, 'uint64', 8, 'BigUint64Array', 'uint64Val', true, 'uint'],
  ['float8_e5m2', 'DT_FLOAT8_E5M2', 24, 'float8_e5m2', 1, 'Uint8Array', 'float8Val', true, 'float'],
  ['float8_e4m3fn', 'DT_FLOAT8_E4M3FN', 25, 'float8_e4m3fn', 1, 'Uint8Array', 'float8Val', true, 'float'],
  ['float8_e4m3fnuz', 'DT_FLOAT8_E4M3FNUZ', 26, 'float8_e4m3fnuz', 1, 'Uint8Array', 'float8Val', true, 'float'],
  ['float8_e4m3b11fnuz', 'DT_FLOAT8_E4M3B11FNUZ', 27, 'float8_e4m3b11fnuz', 1, 'Uint8Array', 'float8Val', true, 'float'],
  ['float8_e5m2fnuz', 'DT_FLOAT8_E5M2FNUZ', 28, 'float8_e5m2fnuz', 1, 'Uint8Array', 'float8Val', true, 'float'],
  ['int4', 'DT_INT4', 29, 'int4', 1, 'Int8Array', 'intVal', false, 'int'],
  ['uint4', 'DT_UINT4', 30, 'uint4', 1, 'Uint8Array', 'intVal', false, 'uint'],
  ['int2', 'DT_INT2', 31, 'int2', 1, 'Int8Array', 'intVal', false, 'int'],
  ['uint2', 'DT_UINT2', 32, 'uint2', 1, 'Uint8Array', 'intVal', false, 'uint'],
  ['float4_e2m1fn', 'DT_FLOAT4_E2M1FN', 33, 'float4_e2m1fn', 1, 'Uint8Array', 'float8Val', true, 'float'],
];

const CONSTRUCTORS: Record<TypedArrayName, TypedArrayConstructor> = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
};

const FIELD_NAMES: Record<TensorProtoValueField, string> = {
  floatVal: 'float_val',
  doubleVal: 'double_val',
  intVal: 'int_val',
  stringVal: 'string_val',
  scomplexVal: 'scomplex_val',
  int64Val: 'int64_val',
  boolVal: 'bool_val',
  dcomplexVal: 'dcomplex_val',
  halfVal: 'half_val',
  resourceHandleVal: 'resource_handle_val',
  variantVal: 'variant_val',
  uint32Val: 'uint32_val',
  uint64Val: 'uint64_val',
  float8Val: 'float8_val',
};

function buildTable(): Record<DType, DTypeInfo> {
  const table = {} as Record<DType, DTypeInfo>;
  for (const [name, enumName, enumValue, cppName, byteWidth, layout, protoField, pyContent, kind] of ROWS) {
    table[name] = Object.freeze({
      name,
      enumName,
      enumValue,
      pythonName: name,
      cppName,
      byteWidth,
      layout,
      arrayConstructor: layout === 'bytes[]' || layout === 'resource[]' ? null : CONSTRUCTORS[layout],
      valuesPerElement: kind === 'complex' ? 2 : 1,
      protoField,
      protoFieldName: FIELD_NAMES[protoField],
      isPod: byteWidth !== null,
      pythonTensorContent: pyContent,
      kind,
    });
  }
  return Object.freeze(table);
}

/** The dtype table: one frozen {@link DTypeInfo} per {@link DType}. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = buildTable();

/** All dtypes in enum order (`float32` = 1 ... `float4_e2m1fn` = 33). */
export const ALL_DTYPES: readonly DType[] = Object.freeze(ROWS.map((r) => r[0]));

/** `DT_INVALID` (0): "not set". Never a valid tensor dtype. */
export const DT_INVALID = 0;
/** Offset of the `*_REF` enum values (`DT_FLOAT_REF` = 101). */
export const REF_OFFSET = 100;

const BY_ENUM = new Map<number, DTypeInfo>();
const BY_NAME = new Map<string, DType>();
for (const info of Object.values(DTYPES)) {
  BY_ENUM.set(info.enumValue, info);
  BY_NAME.set(info.name, info.name);
  BY_NAME.set(info.enumName, info.name);
  BY_NAME.set(info.cppName, info.name);
}
// Python's extra aliases (dtypes._STRING_TO_TF): 'float', 'half', 'double' are already the C++ names.

function describe(n: number): string {
  const name = dataTypeEnumName(n);
  return name === undefined ? `${n}` : `${name} (${n})`;
}

/**
 * The `types.proto` name of an enum value, including `'DT_INVALID'` and the `*_REF` names
 * (`'DT_FLOAT_REF'`), or undefined for a value TensorFlow 2.21 does not define.
 */
export function dataTypeEnumName(n: number): string | undefined {
  if (n === DT_INVALID) return 'DT_INVALID';
  const info = BY_ENUM.get(n);
  if (info !== undefined) return info.enumName;
  const base = BY_ENUM.get(n - REF_OFFSET);
  if (base !== undefined) return `${base.enumName}_REF`;
  return undefined;
}

/**
 * The dtype of a (non-reference) `DataType` enum value.
 *
 * @throws InvalidArgumentError for `DT_INVALID`, a `*_REF` value (use {@link baseDtype}) or an unknown
 *   value; `source` names the file in the message.
 */
export function dtypeFromEnum(n: number, source?: string): DType {
  const info = BY_ENUM.get(n);
  if (info !== undefined) return info.name;
  if (n === DT_INVALID) {
    throw new InvalidArgumentError(`dtype is DT_INVALID (0): not set${where(source)}`, { file: source });
  }
  if (BY_ENUM.has(n - REF_OFFSET)) {
    throw new InvalidArgumentError(
      `dtype ${describe(n)} is a reference type; use baseDtype() for graph type attributes${where(source)}`,
      { file: source },
    );
  }
  throw new InvalidArgumentError(`unknown DataType enum value ${n}${where(source)}`, { file: source });
}

/** The `types.proto` enum value of a dtype (`'float32'` -> 1). */
export function dtypeToEnum(d: DType): number {
  const info = DTYPES[d];
  if (info === undefined) throw new InvalidArgumentError(`unknown dtype ${JSON.stringify(d)}`);
  return info.enumValue;
}

/** The `*_REF` enum value of a dtype (`'float32'` -> 101). */
export function dtypeToRefEnum(d: DType): number {
  return dtypeToEnum(d) + REF_OFFSET;
}

/** True when `x` is a dtype name we know (`'float32'`, not `'DT_FLOAT'`). */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, x);
}

/**
 * Parses a dtype name: our/Python names (`'float32'`, `'bfloat16'`, `'string'`), enum names
 * (`'DT_FLOAT'`), and TensorFlow's C++ / Python aliases (`'float'`, `'double'`, `'half'`).
 * Reference names (`'float32_ref'`, `'DT_FLOAT_REF'`) are rejected: use {@link baseDtype}.
 *
 * @throws InvalidArgumentError for anything else.
 */
export function dtypeFromName(name: string): DType {
  const d = BY_NAME.get(name);
  if (d !== undefined) return d;
  if (refBaseName(name) !== undefined) {
    throw new InvalidArgumentError(`dtype ${JSON.stringify(name)} is a reference type; use baseDtype()`);
  }
  throw new InvalidArgumentError(`unknown dtype name ${JSON.stringify(name)}`);
}

function refBaseName(name: string): DType | undefined {
  if (name.endsWith('_ref')) return BY_NAME.get(name.slice(0, -4));
  if (name.endsWith('_REF')) return BY_NAME.get(name.slice(0, -4));
  return undefined;
}

/**
 * True when `x` is a reference dtype: an enum value in 101..133 or a name like `'float32_ref'` /
 * `'DT_FLOAT_REF'`.
 */
export function isRefDtype(x: number | string): boolean {
  if (typeof x === 'number') return BY_ENUM.has(x - REF_OFFSET);
  return refBaseName(x) !== undefined;
}

/**
 * The base dtype of a dtype given as enum value or name, stripping a reference (`DT_FLOAT_REF`
 * (101) -> `'float32'`, `'float32_ref'` -> `'float32'`, `'float32'` -> `'float32'`).
 *
 * @throws InvalidArgumentError for `DT_INVALID` or unknown values/names.
 */
export function baseDtype(x: number | string): DType {
  if (typeof x === 'number') {
    const base = BY_ENUM.get(x - REF_OFFSET);
    return base !== undefined ? base.name : dtypeFromEnum(x);
  }
  return refBaseName(x) ?? dtypeFromName(x);
}

/** The {@link DTypeInfo} row of a dtype. @throws InvalidArgumentError for an unknown name. */
export function dtypeInfo(d: DType): DTypeInfo {
  const info = isDType(d) ? DTYPES[d] : undefined;
  if (info === undefined) throw new InvalidArgumentError(`unknown dtype ${JSON.stringify(d)}`);
  return info;
}
