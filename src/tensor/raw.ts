/**
 * The raw little-endian layout of POD tensors: what bundles store in their data files and what
 * `TensorProto.tensor_content` holds. Elements are row-major, each `DTYPES[dtype].byteWidth` bytes
 * (complex: re then im; bool: one byte; float16/bfloat16: the 16-bit pattern; float8/int4/...: one
 * byte per element). Correct on big-endian hosts too (bytes are swapped there).
 *
 * string, variant and resource tensors have no raw layout: the bundle layer encodes them (and
 * `tensor-proto.ts` the `tensor_content` list form).
 */
import { DataLossError, InvalidArgumentError, where } from '../errors.js';
import { type DType, dtypeInfo, type TypedArray } from './dtype.js';
import { allocateTensorData, createTensorValue, formatShape, numElements, type TensorValue } from './tensor-value.js';

/** True when this host stores typed arrays little-endian (all common ones). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Options of {@link decodeRawTensor}. */
export interface DecodeRawOptions {
  /** The file or source name for error messages. */
  source?: string;
  /**
   * Reject bool bytes other than 0 and 1 (TensorFlow's `Tensor::FromProto` does for
   * `tensor_content`; bundle reads do not check). Default false: bytes are kept as stored.
   */
  checkBool?: boolean;
  /**
   * Return a view of `bytes` instead of a copy when possible (little-endian host and `bytes.byteOffset`
   * a multiple of the element width). The value then aliases `bytes`: only use this when the caller
   * owns the buffer and will not reuse it. Default false (always copy).
   */
  view?: boolean;
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let off = 0; off < bytes.length; off += width) {
    for (let i = 0, j = width - 1; i < j; i++, j--) {
      const t = bytes[off + i]!;
      bytes[off + i] = bytes[off + j]!;
      bytes[off + j] = t;
    }
  }
}

/** Bytes per typed-array slot (complex: the width of one component). */
function slotWidth(dtype: DType): number {
  const info = dtypeInfo(dtype);
  return info.byteWidth! / info.valuesPerElement;
}

/**
 * Decodes `bytes` (little-endian, exactly `numElements(shape) × byteWidth` long) into a new
 * `TensorValue`. The bytes are copied (unless `view` is set); the input is not retained.
 *
 * @throws InvalidArgumentError for a non-POD dtype or a bad shape; DataLossError when the length is
 *   not exact (the message names `source`, the expected and the actual byte counts) or, with
 *   `checkBool`, a bool byte is not 0/1.
 */
export function decodeRawTensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  bytes: Uint8Array,
  options: DecodeRawOptions = {},
): TensorValue<D> {
  const { source } = options;
  const info = dtypeInfo(dtype);
  if (!info.isPod) {
    throw new InvalidArgumentError(
      `${dtype} tensors have no raw layout (strings and variants are encoded by the bundle layer)${where(source)}`,
      { file: source },
    );
  }
  const n = numElements(shape, source);
  const expected = n * info.byteWidth!;
  if (bytes.length !== expected) {
    throw new DataLossError(
      `raw ${dtype} tensor of shape ${formatShape(shape)} needs ${expected} bytes, got ${bytes.length}${where(source)}`,
      { file: source },
    );
  }
  const ctor = info.arrayConstructor!;
  if (options.view === true && HOST_LITTLE_ENDIAN && bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0 && options.checkBool !== true) {
    const data = new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n * info.valuesPerElement);
    return { dtype, shape: [...shape], data: data as TensorValue<D>['data'] };
  }
  const data = allocateTensorData(dtype, n) as TypedArray;
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(bytes);
  if (!HOST_LITTLE_ENDIAN) swapInPlace(out, slotWidth(dtype));
  if (options.checkBool === true && dtype === 'bool') {
    for (let i = 0; i < out.length; i++) {
      if (out[i]! > 1) {
        throw new DataLossError(`bool element ${i} has byte value ${out[i]} (not 0 or 1)${where(source)}`, {
          file: source,
          offset: i,
        });
      }
    }
  }
  return { dtype, shape: [...shape], data: data as TensorValue<D>['data'] };
}

/**
 * The raw little-endian bytes of a POD tensor (a new array; `numElements × byteWidth` long).
 *
 * @throws InvalidArgumentError for string/variant/resource tensors or data that does not match the shape.
 */
export function encodeRawTensor(value: TensorValue): Uint8Array {
  const info = dtypeInfo(value.dtype);
  if (!info.isPod) {
    throw new InvalidArgumentError(
      `${value.dtype} tensors have no raw layout (strings and variants are encoded by the bundle layer)`,
    );
  }
  createTensorValue(value.dtype, value.shape, value.data); // validates shape, container and length
  const data = value.data as TypedArray;
  const out = new Uint8Array(data.byteLength);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!HOST_LITTLE_ENDIAN) swapInPlace(out, slotWidth(value.dtype));
  return out;
}
