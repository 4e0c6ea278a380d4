/**
 * DataType helpers for the graph layer: TensorFlow's `DataType` enum (including the `*_REF` types
 * that ref variables produce) and the Python-style names (`'float32'`, `'float32_ref'`).
 *
 * The graph layer stores dtypes as the proto enum (`DataType.DT_FLOAT`), because ref types have no
 * place in `TensorValue`'s `DType`; builders accept either form ({@link DTypeLike}).
 */
import { DataType } from '../proto/index.js';
import { InvalidArgumentError } from '../errors.js';

/** A dtype as the enum (`DataType.DT_FLOAT`), a Python name (`'float32'`) or a TF name (`'DT_FLOAT'`). */
export type DTypeLike = DataType | string;

const REF_OFFSET = 100;

/** Python names (as `tf.DType.name`) of the non-ref types, by enum value. */
const NAMES: ReadonlyMap<DataType, string> = new Map<DataType, string>([
  [DataType.DT_FLOAT, 'float32'],
  [DataType.DT_DOUBLE, 'float64'],
  [DataType.DT_INT32, 'int32'],
  [DataType.DT_UINT8, 'uint8'],
  [DataType.DT_INT16, 'int16'],
  [DataType.DT_INT8, 'int8'],
  [DataType.DT_STRING, 'string'],
  [DataType.DT_COMPLEX64, 'complex64'],
  [DataType.DT_INT64, 'int64'],
  [DataType.DT_BOOL, 'bool'],
  [DataType.DT_QINT8, 'qint8'],
  [DataType.DT_QUINT8, 'quint8'],
  [DataType.DT_QINT32, 'qint32'],
  [DataType.DT_BFLOAT16, 'bfloat16'],
  [DataType.DT_QINT16, 'qint16'],
  [DataType.DT_QUINT16, 'quint16'],
  [DataType.DT_UINT16, 'uint16'],
  [DataType.DT_COMPLEX128, 'complex128'],
  [DataType.DT_HALF, 'float16'],
  [DataType.DT_RESOURCE, 'resource'],
  [DataType.DT_VARIANT, 'variant'],
  [DataType.DT_UINT32, 'uint32'],
  [DataType.DT_UINT64, 'uint64'],
  [DataType.DT_FLOAT8_E5M2, 'float8_e5m2'],
  [DataType.DT_FLOAT8_E4M3FN, 'float8_e4m3fn'],
  [DataType.DT_FLOAT8_E4M3FNUZ, 'float8_e4m3fnuz'],
  [DataType.DT_FLOAT8_E4M3B11FNUZ, 'float8_e4m3b11fnuz'],
  [DataType.DT_FLOAT8_E5M2FNUZ, 'float8_e5m2fnuz'],
  [DataType.DT_INT4, 'int4'],
  [DataType.DT_UINT4, 'uint4'],
  [DataType.DT_INT2, 'int2'],
  [DataType.DT_UINT2, 'uint2'],
  [DataType.DT_FLOAT4_E2M1FN, 'float4_e2m1fn'],
]);

const BY_NAME = new Map<string, DataType>();
for (const [dt, name] of NAMES) {
  BY_NAME.set(name, dt);
  BY_NAME.set(`${name}_ref`, (dt + REF_OFFSET) as DataType);
  const enumName = DataType[dt];
  if (enumName !== undefined) {
    BY_NAME.set(enumName, dt);
    BY_NAME.set(`${enumName}_REF`, (dt + REF_OFFSET) as DataType);
  }
}
BY_NAME.set('half', DataType.DT_HALF);
BY_NAME.set('float', DataType.DT_FLOAT);
BY_NAME.set('double', DataType.DT_DOUBLE);

/** Resolves a {@link DTypeLike} to the enum; throws `InvalidArgumentError` for unknown names. */
export function toDataType(d: DTypeLike): DataType {
  if (typeof d === 'number') {
    if (DataType[d] === undefined) throw new InvalidArgumentError(`Unknown DataType enum value ${d}`);
    return d;
  }
  const dt = BY_NAME.get(d);
  if (dt === undefined) throw new InvalidArgumentError(`Cannot convert value '${d}' to a TensorFlow DType.`);
  return dt;
}

/** True for the `*_REF` types (outputs of ref variables). */
export function isRefType(dt: DataType): boolean {
  return dt > REF_OFFSET;
}

/** The non-ref type (`DT_FLOAT_REF` -> `DT_FLOAT`). */
export function baseType(dt: DataType): DataType {
  return (dt > REF_OFFSET ? dt - REF_OFFSET : dt) as DataType;
}

/** The ref type (`DT_FLOAT` -> `DT_FLOAT_REF`). */
export function refType(dt: DataType): DataType {
  return (dt > REF_OFFSET ? dt : dt + REF_OFFSET) as DataType;
}

/** Python's name for a dtype: `'float32'`, `'float32_ref'`, `'resource'`. */
export function dtypeName(dt: DataType): string {
  const base = NAMES.get(baseType(dt));
  if (base === undefined) return `<invalid dtype ${dt}>`;
  return isRefType(dt) ? `${base}_ref` : base;
}

/** TensorFlow's C++ name for a dtype as used in error messages (`float`, `int32`, `float_ref`). */
export function dataTypeString(dt: DataType): string {
  const b = baseType(dt);
  let s: string;
  switch (b) {
    case DataType.DT_FLOAT: s = 'float'; break;
    case DataType.DT_DOUBLE: s = 'double'; break;
    case DataType.DT_HALF: s = 'half'; break;
    case DataType.DT_STRING: s = 'string'; break;
    default: s = NAMES.get(b) ?? `unknown dtype enum (${dt})`;
  }
  return isRefType(dt) ? `${s}_ref` : s;
}

/** Floating-point dtypes (TF's `is_floating`). */
export function isFloating(dt: DataType): boolean {
  switch (baseType(dt)) {
    case DataType.DT_FLOAT: case DataType.DT_DOUBLE: case DataType.DT_HALF: case DataType.DT_BFLOAT16:
      return true;
    default:
      return false;
  }
}

/** Integer dtypes (TF's `is_integer`, excluding quantized types). */
export function isInteger(dt: DataType): boolean {
  switch (baseType(dt)) {
    case DataType.DT_INT8: case DataType.DT_INT16: case DataType.DT_INT32: case DataType.DT_INT64:
    case DataType.DT_UINT8: case DataType.DT_UINT16: case DataType.DT_UINT32: case DataType.DT_UINT64:
      return true;
    default:
      return false;
  }
}
