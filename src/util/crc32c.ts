/**
 * CRC-32C (Castagnoli) and TensorFlow's CRC masking.
 *
 * The implementation is chosen by the `#crc32c-impl` package import (see package.json "imports"):
 * native `@node-rs/crc32` under the `node` condition (with a JS fallback), the JS slicing-by-8 tables
 * everywhere else. No runtime platform checks happen here.
 */
import { crc32cImpl, crc32cImplName } from '#crc32c-impl';

/** TensorFlow's mask delta (`kMaskDelta` in `crc32c.h`). */
export const CRC_MASK_DELTA = 0xa282ead8;

/** Which implementation is in use: `'native'` or `'js'`. */
export const crc32cImplementation: string = crc32cImplName;

/**
 * CRC-32C of `data`, *extending* `crc` (0 = a fresh CRC), like TF's `crc32c::Extend` and
 * `@node-rs/crc32`'s `crc32c(input, initialState)`. The result is an unsigned 32-bit number.
 *
 * @example crc32c(utf8Encode('123456789')) === 0xe3069283
 * @example crc32c(b, crc32c(a)) === crc32c(concatBytes([a, b]))
 */
export function crc32c(data: Uint8Array, crc: number = 0): number {
  return crc32cImpl(data, crc >>> 0);
}

/**
 * TensorFlow's `crc32c::Mask`: rotate right by 15 bits and add 0xa282ead8 (mod 2^32). Masked CRCs are
 * what TF stores (table block trailers, `BundleEntryProto.crc32c`, string length checksums).
 */
export function maskCrc32c(crc: number): number {
  const c = crc >>> 0;
  return (((c >>> 15) | (c << 17)) + CRC_MASK_DELTA) >>> 0;
}

/** TensorFlow's `crc32c::Unmask`, the inverse of {@link maskCrc32c}. */
export function unmaskCrc32c(masked: number): number {
  const r = ((masked >>> 0) - CRC_MASK_DELTA) >>> 0;
  return ((r >>> 17) | (r << 15)) >>> 0;
}
