/**
 * Checked conversions for 64-bit integers. 64-bit values stay `bigint` until one of these narrows
 * them; nothing here ever rounds or wraps silently.
 */
import { InvalidArgumentError, OutOfRangeError, where } from '../errors.js';

/** 2^53 - 1 as a bigint. */
export const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
/** -(2^53 - 1) as a bigint. */
export const MIN_SAFE_BIGINT = -MAX_SAFE_BIGINT;
/** Largest int64 (2^63 - 1). */
export const INT64_MAX = (1n << 63n) - 1n;
/** Smallest int64 (-2^63). */
export const INT64_MIN = -(1n << 63n);
/** Largest uint64 (2^64 - 1). */
export const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Converts `v` to a number, throwing `OutOfRangeError` when `|v| > 2^53 - 1` (it could not be
 * represented exactly). `what` names the value in the message (e.g. `'tensor offset'`), `source`
 * the file it came from.
 */
export function toSafeNumber(v: bigint, what: string, source?: string): number {
  if (v > MAX_SAFE_BIGINT || v < MIN_SAFE_BIGINT) {
    throw new OutOfRangeError(
      `${what} ${v} is outside the exactly representable range ±${Number.MAX_SAFE_INTEGER}${where(source)}`,
      { file: source },
    );
  }
  return Number(v);
}

/**
 * Checks that `v` is a size/offset/count: an integer with `0 <= v <= max` (and `max` itself at most
 * 2^53 - 1). Returns it as a number. Throws `OutOfRangeError` naming `what`, the value, the limit and
 * `source` otherwise (also for negative values and non-integer numbers).
 */
export function checkedSize(v: bigint | number, max: number, what: string, source?: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new OutOfRangeError(`${what} ${v} is not an integer in [0, ${max}]${where(source)}`, {
        file: source,
      });
    }
    return v;
  }
  if (v < 0n || v > BigInt(Math.min(max, Number.MAX_SAFE_INTEGER))) {
    throw new OutOfRangeError(`${what} ${v} is not in [0, ${max}]${where(source)}`, { file: source });
  }
  return Number(v);
}

/** Converts a number or bigint to a bigint; a number must be a (safe) integer. */
export function toBigInt(v: bigint | number, what = 'value'): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) {
    throw new InvalidArgumentError(`${what} ${v} is not a safe integer; pass a bigint`);
  }
  return BigInt(v);
}

/** Checks that `v` fits int64 (`-2^63 .. 2^63-1`); throws `OutOfRangeError` otherwise. */
export function checkInt64(v: bigint, what = 'value', source?: string): bigint {
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new OutOfRangeError(`${what} ${v} does not fit int64${where(source)}`, { file: source });
  }
  return v;
}

/** Checks that `v` fits uint64 (`0 .. 2^64-1`); throws `OutOfRangeError` otherwise. */
export function checkUint64(v: bigint, what = 'value', source?: string): bigint {
  if (v < 0n || v > UINT64_MAX) {
    throw new OutOfRangeError(`${what} ${v} does not fit uint64${where(source)}`, { file: source });
  }
  return v;
}
