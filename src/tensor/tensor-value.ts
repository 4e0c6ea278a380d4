/**
 * `TensorValue`: decoded host data of one tensor, `{dtype, shape, data}`.
 *
 * `data` holds the elements in row-major order, one typed array of TensorFlow's exact width:
 *
 * | dtype | data |
 * |---|---|
 * | float32 / float64 | Float32Array / Float64Array |
 * | int8 / int16 / int32 / int64 | Int8Array / Int16Array / Int32Array / BigInt64Array |
 * | uint8 / uint16 / uint32 / uint64 | Uint8Array / Uint16Array / Uint32Array / BigUint64Array |
 * | bool | Uint8Array of 0 / 1 |
 * | float16, bfloat16 | Uint16Array of bit patterns (see `half.ts`) |
 * | complex64 / complex128 | Float32Array / Float64Array, interleaved re, im (length 2 × elements) |
 * | qint8 / quint8 / qint16 / quint16 / qint32 | Int8Array / Uint8Array / Int16Array / Uint16Array / Int32Array (the raw integers) |
 * | float8_* / float4_e2m1fn | Uint8Array of raw bit patterns, one element per byte (see `float8.ts`) |
 * | int4 / int2 | Int8Array, one element per byte, as TensorFlow keeps them in memory |
 * | uint4 / uint2 | Uint8Array, one element per byte |
 * | string | `Uint8Array[]`, the bytes of each element (not necessarily UTF-8) |
 * | variant | `Uint8Array[]`, each a serialized `VariantTensorDataProto` (empty = an empty Variant) |
 * | resource | `ResourceHandleProto[]` |
 *
 * The layout is also in `DTYPES[dtype].layout`.
 */
import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, ResourceExhaustedError, where } from '../errors.js';
import { ResourceHandleProtoSchema, type ResourceHandleProto } from '../proto/index.js';
import { type DType, DTYPES, dtypeInfo, type DTypeInfo, type TypedArray } from './dtype.js';
import {
  bfloat16BitsToFloat,
  floatToBfloat16Bits,
  floatToHalfBits,
  halfBitsToFloat,
} from './half.js';
import { utf8Encode } from '../util/bytes.js';
import { isMiniFloatDType, miniFloatToNumber, numberToMiniFloat } from './float8.js';

/** The `data` type for each dtype. */
export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  int16: Int16Array;
  int8: Int8Array;
  string: Uint8Array[];
  complex64: Float32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
  qint8: Int8Array;
  quint8: Uint8Array;
  qint32: Int32Array;
  bfloat16: Uint16Array;
  qint16: Int16Array;
  quint16: Uint16Array;
  uint16: Uint16Array;
  complex128: Float64Array;
  float16: Uint16Array;
  resource: ResourceHandleProto[];
  variant: Uint8Array[];
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float8_e5m2: Uint8Array;
  float8_e4m3fn: Uint8Array;
  float8_e4m3fnuz: Uint8Array;
  float8_e4m3b11fnuz: Uint8Array;
  float8_e5m2fnuz: Uint8Array;
  int4: Int8Array;
  uint4: Uint8Array;
  int2: Int8Array;
  uint2: Uint8Array;
  float4_e2m1fn: Uint8Array;
}

/** Element storage of a tensor of dtype `D` (all dtypes: a union of typed arrays and arrays). */
export type TensorData<D extends DType = DType> = TensorDataMap[D];

/** Decoded host data of one tensor. */
export interface TensorValue<D extends DType = DType> {
  /** The element type. */
  dtype: D;
  /** Dimension sizes (non-negative integers); `[]` for a scalar. */
  shape: number[];
  /** The elements, row-major, in the layout of `DTYPES[dtype].layout` (see the module doc). */
  data: TensorData<D>;
}

/** TensorFlow's `TensorShape::MaxDimensions()`. */
export const MAX_RANK = 254;

/**
 * The number of elements of a shape (1 for a scalar), checking every dimension is a non-negative
 * safe integer, the rank is at most 254 and the product stays exactly representable.
 *
 * @throws InvalidArgumentError otherwise (`source` names the file in the message).
 */
export function numElements(shape: readonly number[], source?: string): number {
  if (!Array.isArray(shape)) {
    throw new InvalidArgumentError(`shape must be an array of dimension sizes${where(source)}`, { file: source });
  }
  if (shape.length > MAX_RANK) {
    throw new InvalidArgumentError(`shape has rank ${shape.length} > ${MAX_RANK}${where(source)}`, { file: source });
  }
  let n = 1;
  let overflow = false;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `shape [${shape.join(', ')}] has an invalid dimension ${String(d)}${where(source)}`,
        { file: source },
      );
    }
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) overflow = true;
  }
  if (shape.includes(0)) return 0;
  if (overflow) {
    throw new InvalidArgumentError(
      `shape [${shape.join(', ')}] has more than 2^53-1 elements${where(source)}`,
      { file: source },
    );
  }
  return n;
}

/** Formats a shape as TensorFlow does: `[2,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

const TAG = (x: unknown): string => Object.prototype.toString.call(x).slice(8, -1);

/** True when `data` has the container type `info.layout` requires (ignoring its length). */
function hasLayout(info: DTypeInfo, data: unknown): boolean {
  switch (info.layout) {
    case 'bytes[]':
      return Array.isArray(data) && data.every((e) => TAG(e) === 'Uint8Array');
    case 'resource[]':
      return (
        Array.isArray(data) &&
        data.every((e) => typeof e === 'object' && e !== null && (e as { $typeName?: unknown }).$typeName === 'tensorflow.ResourceHandleProto')
      );
    default:
      return TAG(data) === info.layout;
  }
}

/** Allocates zero-valued storage for `n` elements (empty strings / variants, default resource handles). */
export function allocateTensorData<D extends DType>(dtype: D, n: number): TensorData<D> {
  const info = dtypeInfo(dtype);
  if (info.arrayConstructor === null && n > 0xffffffff) {
    throw new ResourceExhaustedError(`cannot allocate ${n} elements of ${dtype} (more than a JS array holds)`);
  }
  if (info.layout === 'bytes[]') {
    const out: Uint8Array[] = new Array<Uint8Array>(n);
    const empty = new Uint8Array(0);
    for (let i = 0; i < n; i++) out[i] = empty;
    return out as TensorData<D>;
  }
  if (info.layout === 'resource[]') {
    const out: ResourceHandleProto[] = new Array<ResourceHandleProto>(n);
    for (let i = 0; i < n; i++) out[i] = create(ResourceHandleProtoSchema);
    return out as TensorData<D>;
  }
  const len = n * info.valuesPerElement;
  try {
    return new info.arrayConstructor!(len) as TensorData<D>;
  } catch (e) {
    throw new ResourceExhaustedError(
      `cannot allocate ${len} ${info.layout} slots (${n} elements of ${dtype})`,
      { cause: e },
    );
  }
}

/**
 * Makes a `TensorValue`, checking the shape and that `data` has the right container type and
 * exactly `numElements(shape)` elements (× 2 for complex). Without `data`, the elements are zero
 * (empty strings, empty variants, default resource handles). `data` is used as is, not copied.
 *
 * @throws InvalidArgumentError for a bad dtype, shape, data type or length.
 */
export function createTensorValue<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data?: TensorData<D>,
): TensorValue<D> {
  const info = dtypeInfo(dtype);
  const n = numElements(shape);
  if (data === undefined) return { dtype, shape: [...shape], data: allocateTensorData(dtype, n) };
  if (!hasLayout(info, data)) {
    throw new InvalidArgumentError(
      `data for a ${dtype} tensor must be ${info.layout === 'bytes[]' ? 'an array of Uint8Array' : info.layout === 'resource[]' ? 'an array of ResourceHandleProto' : `a ${info.layout}`}, got ${TAG(data)}`,
    );
  }
  const expected = n * info.valuesPerElement;
  const actual = (data as { length: number }).length;
  if (actual !== expected) {
    throw new InvalidArgumentError(
      `data for a ${dtype} tensor of shape ${formatShape(shape)} must have ${expected} ${info.valuesPerElement === 2 ? 'values (re, im per element)' : 'elements'}, got ${actual}`,
    );
  }
  return { dtype, shape: [...shape], data };
}

/** A nested JS array (or a scalar) of element values, as taken and returned by the array helpers. */
export type NestedArray = unknown;

/** A JS array, or a numeric typed array when the dtype does not take Uint8Array elements. */
function isList(x: unknown, bytesElements: boolean): x is ArrayLike<unknown> {
  if (Array.isArray(x)) return true;
  return !bytesElements && ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function inferShape(x: unknown, isLeaf: (v: unknown) => boolean, bytesElements: boolean): number[] {
  const shape: number[] = [];
  let cur = x;
  while (isList(cur, bytesElements) && !isLeaf(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(
  x: unknown,
  shape: number[],
  depth: number,
  isLeaf: (v: unknown) => boolean,
  bytesElements: boolean,
  out: unknown[],
): void {
  if (depth === shape.length) {
    if (isList(x, bytesElements) && !isLeaf(x)) {
      throw new InvalidArgumentError(`nested array is deeper than its first element suggests`);
    }
    out.push(x);
    return;
  }
  if (!isList(x, bytesElements) || isLeaf(x) || x.length !== shape[depth]) {
    throw new InvalidArgumentError(
      `nested array is not rectangular: expected ${shape[depth]} items at depth ${depth}`,
    );
  }
  for (let i = 0; i < x.length; i++) flatten(x[i], shape, depth + 1, isLeaf, bytesElements, out);
}

function toNumber(v: unknown, dtype: DType): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && (v === 'NaN' || v === 'Infinity' || v === '-Infinity')) return Number(v);
  throw new InvalidArgumentError(`cannot use ${String(v)} as a ${dtype} element`);
}

function toInteger(v: unknown, dtype: DType, min: number, max: number): number {
  const x = toNumber(v, dtype);
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new InvalidArgumentError(`${String(v)} is not a valid ${dtype} value (integer in [${min}, ${max}])`);
  }
  return x;
}

function toBig(v: unknown, dtype: DType, min: bigint, max: bigint): bigint {
  let x: bigint;
  if (typeof v === 'bigint') x = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) x = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) x = BigInt(v);
  else throw new InvalidArgumentError(`cannot use ${String(v)} as a ${dtype} element (use a bigint or a decimal string)`);
  if (x < min || x > max) throw new InvalidArgumentError(`${x} does not fit ${dtype}`);
  return x;
}

const INT_RANGES: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  qint8: [-128, 127],
  uint8: [0, 255],
  quint8: [0, 255],
  int16: [-32768, 32767],
  qint16: [-32768, 32767],
  uint16: [0, 65535],
  quint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  qint32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int4: [-8, 7],
  uint4: [0, 15],
  int2: [-2, 1],
  uint2: [0, 3],
};

const STORAGE_RANGES: Partial<Record<DType, [number, number]>> = {
  int4: [-128, 127],
  int2: [-128, 127],
  uint4: [0, 255],
  uint2: [0, 255],
};

function isComplexPair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' || typeof x === 'string');
}

/** Options of {@link tensorValueFromArray}. */
export interface FromArrayOptions {
  /**
   * Accept any byte for int4/int2 (-128..127) and uint4/uint2 (0..255), as TensorFlow may hold them
   * (`int_val: 20` on an int4 tensor is stored as the byte 20). Default false: the type's range.
   */
  storageRange?: boolean;
}

/**
 * Builds a `TensorValue` from nested JS arrays (numeric typed arrays count as arrays, except for
 * string/variant where a `Uint8Array` is one element), or a scalar. Elements: numbers for float and int
 * dtypes (float16/bfloat16/float8 values are rounded to nearest even, see `half.ts`/`float8.ts`),
 * `"NaN"`/`"Infinity"`/`"-Infinity"` also accepted for floats; bigint (or safe-integer numbers, or
 * decimal strings) for int64/uint64; booleans (or 0/1) for bool; `[re, im]` for complex; strings
 * (encoded as UTF-8) or `Uint8Array` for string; `Uint8Array` (serialized `VariantTensorDataProto`)
 * for variant; `ResourceHandleProto` for resource.
 *
 * With `shape`, the values must fill it exactly, or be a single value that is repeated (as
 * `tf.constant(3, shape=[2, 2])` does). Integers must be in range: nothing is wrapped silently.
 *
 * @throws InvalidArgumentError for ragged arrays, out-of-range or mistyped elements, or a shape mismatch.
 */
export function tensorValueFromArray<D extends DType>(
  dtype: D,
  values: NestedArray,
  shape?: readonly number[],
  options: FromArrayOptions = {},
): TensorValue<D> {
  const info = dtypeInfo(dtype);
  const isLeaf =
    info.kind === 'complex'
      ? isComplexPair
      : (): boolean => false;
  const bytesElements = info.layout === 'bytes[]';
  const inferred = inferShape(values, isLeaf, bytesElements);
  const flat: unknown[] = [];
  flatten(values, inferred, 0, isLeaf, bytesElements, flat);
  let targetShape = inferred;
  if (shape !== undefined) {
    const n = numElements(shape);
    if (flat.length !== n) {
      if (flat.length !== 1) {
        throw new InvalidArgumentError(
          `${flat.length} values do not fill shape ${formatShape(shape)} (${n} elements)`,
        );
      }
      if (n > 0) {
        const one = flat[0];
        flat.length = 0;
        for (let i = 0; i < n; i++) flat.push(one);
      } else flat.length = 0;
    }
    targetShape = [...shape];
  }
  const n = flat.length;
  const value = createTensorValue(dtype, targetShape);
  const data = value.data as unknown;
  const d = dtype as DType;
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    switch (d) {
      case 'float32':
      case 'float64':
        (data as Float64Array)[i] = toNumber(v, d);
        break;
      case 'float16':
        (data as Uint16Array)[i] = floatToHalfBits(toNumber(v, d));
        break;
      case 'bfloat16':
        (data as Uint16Array)[i] = floatToBfloat16Bits(toNumber(v, d));
        break;
      case 'complex64':
      case 'complex128': {
        if (!isComplexPair(v)) throw new InvalidArgumentError(`a ${d} element must be [re, im], got ${String(v)}`);
        const [re, im] = v as unknown[];
        (data as Float64Array)[2 * i] = toNumber(re, d);
        (data as Float64Array)[2 * i + 1] = toNumber(im, d);
        break;
      }
      case 'int64':
        (data as BigInt64Array)[i] = toBig(v, d, -(1n << 63n), (1n << 63n) - 1n);
        break;
      case 'uint64':
        (data as BigUint64Array)[i] = toBig(v, d, 0n, (1n << 64n) - 1n);
        break;
      case 'bool':
        if (v === true || v === 1) (data as Uint8Array)[i] = 1;
        else if (v === false || v === 0) (data as Uint8Array)[i] = 0;
        else throw new InvalidArgumentError(`a bool element must be true/false, got ${String(v)}`);
        break;
      case 'string':
        if (typeof v === 'string') (data as Uint8Array[])[i] = utf8Encode(v);
        else if (TAG(v) === 'Uint8Array') (data as Uint8Array[])[i] = v as Uint8Array;
        else throw new InvalidArgumentError(`a string element must be a string or Uint8Array, got ${TAG(v)}`);
        break;
      case 'variant':
        if (TAG(v) !== 'Uint8Array') throw new InvalidArgumentError(`a variant element must be a serialized VariantTensorDataProto (Uint8Array)`);
        (data as Uint8Array[])[i] = v as Uint8Array;
        break;
      case 'resource':
        if (typeof v !== 'object' || v === null || (v as { $typeName?: unknown }).$typeName !== 'tensorflow.ResourceHandleProto') {
          throw new InvalidArgumentError(`a resource element must be a ResourceHandleProto`);
        }
        (data as ResourceHandleProto[])[i] = v as ResourceHandleProto;
        break;
      default:
        if (isMiniFloatDType(d)) {
          (data as Uint8Array)[i] = numberToMiniFloat(d, toNumber(v, d));
        } else {
          const range = options.storageRange === true && STORAGE_RANGES[d] !== undefined ? STORAGE_RANGES[d] : INT_RANGES[d];
          if (range === undefined) throw new InvalidArgumentError(`unsupported dtype ${d}`);
          const x = toInteger(v, d, range[0], range[1]);
          // int4/int2/uint4/uint2 are stored as TensorFlow stores them: the bare low bits (-1 -> 0x0f);
          // with storageRange the caller gives the storage byte itself.
          (data as Int32Array)[i] = options.storageRange !== true && NARROW_MASKS[d] !== undefined ? x & NARROW_MASKS[d]! : x;
        }
    }
  }
  return value;
}

const NARROW_MASKS: Partial<Record<DType, number>> = { int4: 0xf, uint4: 0xf, int2: 0x3, uint2: 0x3 };

/** One element of a tensor as a plain JS value (see {@link tensorValueToArray}). */
export function elementToJs(value: TensorValue, i: number): unknown {
  const d = value.dtype;
  const data = value.data as unknown;
  switch (d) {
    case 'float16':
      return halfBitsToFloat((data as Uint16Array)[i]!);
    case 'bfloat16':
      return bfloat16BitsToFloat((data as Uint16Array)[i]!);
    case 'complex64':
    case 'complex128':
      return [(data as Float64Array)[2 * i]!, (data as Float64Array)[2 * i + 1]!];
    case 'bool':
      return (data as Uint8Array)[i] !== 0;
    case 'string':
    case 'variant':
    case 'resource':
      return (data as unknown[])[i];
    case 'int4':
    case 'int2':
    case 'uint4':
    case 'uint2':
      return narrowIntValue(d, (data as Int8Array | Uint8Array)[i]!);
    default:
      if (isMiniFloatDType(d)) return miniFloatToNumber(d, (data as Uint8Array)[i]!);
      return (data as TypedArray)[i];
  }
}

/**
 * The value of an int4/int2/uint4/uint2 storage byte, as ml_dtypes (and so TensorFlow) reads it: the
 * low 4 (or 2) bits, sign-extended for the signed types. TensorFlow's canonical storage is the bare
 * nibble (int4 -1 is the byte 0x0f in a checkpoint), but a byte with higher bits set (e.g. from
 * `int_val: 20` in a TensorProto) reads as its low bits too (20 -> 4), exactly like `ml_dtypes.int4`.
 */
export function narrowIntValue(dtype: 'int4' | 'int2' | 'uint4' | 'uint2', byte: number): number {
  switch (dtype) {
    case 'int4':
      return ((byte & 0xf) ^ 0x8) - 0x8;
    case 'int2':
      return ((byte & 0x3) ^ 0x2) - 0x2;
    case 'uint4':
      return byte & 0xf;
    case 'uint2':
      return byte & 0x3;
  }
}

/**
 * The elements as nested JS arrays following the shape (a bare element for a scalar): numbers for
 * float/int dtypes up to 32 bits (float16/bfloat16/float8 as their exact values), `bigint` for
 * int64/uint64, booleans for bool, `[re, im]` for complex, `Uint8Array` for string/variant,
 * `ResourceHandleProto` for resource.
 */
export function tensorValueToArray(value: TensorValue): unknown {
  const n = numElements(value.shape);
  const flat: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) flat[i] = elementToJs(value, i);
  return nest(flat, value.shape);
}

/** Nests a flat row-major list into arrays following `shape` (a bare element for a scalar). */
export function nest<T>(flat: readonly T[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  let pos = 0;
  const build = (depth: number): unknown[] => {
    const size = shape[depth]!;
    const out: unknown[] = new Array(size);
    if (depth === shape.length - 1) {
      for (let i = 0; i < size; i++) out[i] = flat[pos++];
    } else {
      for (let i = 0; i < size; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}

function bytesView(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when two tensor values have the same dtype, shape and element bits: floats are compared by
 * bit pattern (NaN equals the same NaN; -0 and 0 differ), strings/variants bytewise, resource
 * handles field by field.
 */
export function tensorValuesEqual(a: TensorValue, b: TensorValue): boolean {
  if (a.dtype !== b.dtype) return false;
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const info = DTYPES[a.dtype];
  if (info.layout === 'bytes[]') {
    const x = a.data as Uint8Array[];
    const y = b.data as Uint8Array[];
    return x.length === y.length && x.every((e, i) => sameBytes(e, y[i]!));
  }
  if (info.layout === 'resource[]') {
    const x = a.data as ResourceHandleProto[];
    const y = b.data as ResourceHandleProto[];
    return x.length === y.length && x.every((e, i) => resourceHandlesEqual(e, y[i]!));
  }
  return sameBytes(bytesView(a.data as TypedArray), bytesView(b.data as TypedArray));
}

function resourceHandlesEqual(a: ResourceHandleProto, b: ResourceHandleProto): boolean {
  if (a.device !== b.device || a.container !== b.container || a.name !== b.name) return false;
  if (a.hashCode !== b.hashCode || a.maybeTypeName !== b.maybeTypeName) return false;
  if (a.dtypesAndShapes.length !== b.dtypesAndShapes.length) return false;
  return a.dtypesAndShapes.every((x, i) => {
    const y = b.dtypesAndShapes[i]!;
    if (x.dtype !== y.dtype) return false;
    const xs = x.shape;
    const ys = y.shape;
    if (xs === undefined || ys === undefined) return xs === ys;
    return (
      xs.unknownRank === ys.unknownRank &&
      xs.dim.length === ys.dim.length &&
      xs.dim.every((d, j) => d.size === ys.dim[j]!.size && d.name === ys.dim[j]!.name)
    );
  });
}
