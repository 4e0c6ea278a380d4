/**
 * Little helpers between {@link TensorValue} data and little-endian bytes, for the npy/safetensors codecs
 * (which, unlike bundles, never hold strings in the raw path). Views instead of copies wherever possible.
 */
import { DataLossError, InvalidArgumentError, UnimplementedError } from '../errors.js';
import { DTYPES, type DType, type TypedArray } from '../tensor/dtype.js';
import type { TensorValue } from '../tensor/tensor-value.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndianHost(): void {
  if (!HOST_LITTLE_ENDIAN) throw new UnimplementedError('big-endian hosts are not supported by the npy/safetensors codecs');
}

/** Product of `shape`, checked: non-negative safe integers, no overflow past 2^53-1. */
export function checkedNumElements(shape: readonly number[], source?: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new DataLossError(`${source ?? 'tensor'}: bad dimension ${String(d)} in shape [${shape.join(',')}]`, source === undefined ? {} : { file: source });
    }
    n *= d;
    if (!Number.isSafeInteger(n)) {
      throw new DataLossError(`${source ?? 'tensor'}: shape [${shape.join(',')}] has too many elements`, source === undefined ? {} : { file: source });
    }
  }
  return n;
}

/** Bytes per element of a POD dtype (throws for string / resource / variant). */
export function podByteWidth(dtype: DType): number {
  const w = DTYPES[dtype].byteWidth;
  if (w === null || !DTYPES[dtype].isPod) throw new InvalidArgumentError(`dtype ${dtype} has no fixed-width byte layout`);
  return w;
}

/**
 * A typed array of `dtype` holding `n` elements decoded from little-endian `bytes` (copied, so the result
 * is aligned and owns its memory).
 */
export function typedFromBytes(dtype: DType, bytes: Uint8Array, n: number): TypedArray {
  requireLittleEndianHost();
  const info = DTYPES[dtype];
  const ctor = info.arrayConstructor;
  if (ctor === null) throw new InvalidArgumentError(`dtype ${dtype} is not a fixed-width type`);
  const width = podByteWidth(dtype);
  if (bytes.length !== n * width) {
    throw new DataLossError(`expected ${n * width} bytes for ${n} ${dtype} elements, got ${bytes.length}`);
  }
  const count = n * info.valuesPerElement;
  const out = new ctor(count);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

/** A little-endian byte view of a POD tensor's data (no copy). Checks the element count. */
export function bytesOfTyped(v: TensorValue, name = 'tensor'): Uint8Array {
  requireLittleEndianHost();
  const info = DTYPES[v.dtype];
  if (info.arrayConstructor === null) throw new InvalidArgumentError(`${name}: dtype ${v.dtype} is not a fixed-width type`);
  const data = v.data as TypedArray;
  const n = checkedNumElements(v.shape);
  if (!ArrayBuffer.isView(data) || data.length !== n * info.valuesPerElement) {
    throw new InvalidArgumentError(
      `${name}: data has ${ArrayBuffer.isView(data) ? data.length : 'no typed'} values, shape [${v.shape.join(',')}] needs ${n * info.valuesPerElement}`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Widens bfloat16 bits (Uint16Array) to float32 exactly. */
export function widenBfloat16(v: TensorValue): TensorValue {
  const bits = v.data as Uint16Array;
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) u[i] = (bits[i] as number) << 16;
  return { dtype: 'float32', shape: [...v.shape], data: out } as TensorValue;
}
