/**
 * Value conversions for TensorFlow's 8-bit and 4-bit float dtypes (the ml_dtypes formats), used by
 * {@link tensorValueToArray} / {@link tensorValueFromArray} and the lossless JSON form. Tensor data
 * of these dtypes stays raw bytes (`Uint8Array`, one byte per element as in TensorFlow's memory);
 * these helpers only translate single elements to and from numbers.
 *
 * | dtype | exp/mant bits | bias | inf | NaN | -0 |
 * |---|---|---|---|---|---|
 * | float8_e5m2 | 5/2 | 15 | 0x7c | 0x7d-0x7f (±) | yes |
 * | float8_e4m3fn | 4/3 | 7 | none | 0x7f (±) | yes |
 * | float8_e4m3fnuz | 4/3 | 8 | none | 0x80 only | no |
 * | float8_e4m3b11fnuz | 4/3 | 11 | none | 0x80 only | no |
 * | float8_e5m2fnuz | 5/2 | 16 | none | 0x80 only | no |
 * | float4_e2m1fn | 2/1 (low nibble) | 1 | none | none | yes |
 *
 * Encoding from a number rounds to nearest, ties to even (directly from the double), like ml_dtypes:
 * past the largest finite value it gives ±inf (e5m2), ±NaN (e4m3fn), NaN (fnuz formats), or saturates
 * (float4_e2m1fn). NaN encodes as 0x7e (e5m2), 0x7f (e4m3fn), 0x80 (fnuz) and 0x08 (float4, as
 * ml_dtypes does). Checked against ml_dtypes 0.6 in `test/tensor/float8.test.ts`.
 */
import { InvalidArgumentError } from '../errors.js';
import type { DType } from './dtype.js';

/** The dtypes handled here. */
export type MiniFloatDType =
  | 'float8_e5m2'
  | 'float8_e4m3fn'
  | 'float8_e4m3fnuz'
  | 'float8_e4m3b11fnuz'
  | 'float8_e5m2fnuz'
  | 'float4_e2m1fn';

type Kind = 'ieee' | 'fn' | 'fnuz' | 'none';

interface Format {
  totalBits: number;
  expBits: number;
  mantBits: number;
  bias: number;
  kind: Kind;
  /** Positive finite values by bit pattern 0..maxPattern (monotonic). */
  values: Float64Array;
  maxPattern: number;
  nanPattern: number;
}

const SPECS: Record<MiniFloatDType, [number, number, number, number, Kind]> = {
  float8_e5m2: [8, 5, 2, 15, 'ieee'],
  float8_e4m3fn: [8, 4, 3, 7, 'fn'],
  float8_e4m3fnuz: [8, 4, 3, 8, 'fnuz'],
  float8_e4m3b11fnuz: [8, 4, 3, 11, 'fnuz'],
  float8_e5m2fnuz: [8, 5, 2, 16, 'fnuz'],
  float4_e2m1fn: [4, 2, 1, 1, 'none'],
};

const formats = new Map<MiniFloatDType, Format>();

function positiveValue(p: number, expBits: number, mantBits: number, bias: number): number {
  const e = (p >>> mantBits) & ((1 << expBits) - 1);
  const f = p & ((1 << mantBits) - 1);
  if (e === 0) return f * 2 ** (1 - bias - mantBits);
  return (1 + f / 2 ** mantBits) * 2 ** (e - bias);
}

function format(d: MiniFloatDType): Format {
  let fmt = formats.get(d);
  if (fmt !== undefined) return fmt;
  const spec = SPECS[d];
  if (spec === undefined) throw new InvalidArgumentError(`${d} is not a float8/float4 dtype`);
  const [totalBits, expBits, mantBits, bias, kind] = spec;
  const signBit = 1 << (totalBits - 1);
  const allOnes = signBit - 1;
  let maxPattern: number;
  let nanPattern: number;
  switch (kind) {
    case 'ieee':
      maxPattern = allOnes - (1 << mantBits); // exponent all ones is inf/NaN
      nanPattern = maxPattern + 3; // 0x7e for e5m2
      break;
    case 'fn':
      maxPattern = allOnes - 1; // only all-ones is NaN
      nanPattern = allOnes;
      break;
    case 'fnuz':
      maxPattern = allOnes;
      nanPattern = signBit;
      break;
    default:
      maxPattern = allOnes;
      nanPattern = signBit;
      break;
  }
  const values = new Float64Array(maxPattern + 1);
  for (let p = 0; p <= maxPattern; p++) values[p] = positiveValue(p, expBits, mantBits, bias);
  fmt = { totalBits, expBits, mantBits, bias, kind, values, maxPattern, nanPattern };
  formats.set(d, fmt);
  return fmt;
}

/** True for the float8 / float4 dtypes. */
export function isMiniFloatDType(d: DType): d is MiniFloatDType {
  return Object.prototype.hasOwnProperty.call(SPECS, d);
}

/**
 * The exact value of one element's bits. For float4_e2m1fn only the low 4 bits count (TensorFlow
 * keeps one element per byte).
 */
export function miniFloatToNumber(d: MiniFloatDType, bits: number): number {
  const f = format(d);
  const signBit = 1 << (f.totalBits - 1);
  const b = bits & ((1 << f.totalBits) - 1);
  const negative = (b & signBit) !== 0;
  const p = b & (signBit - 1);
  switch (f.kind) {
    case 'ieee':
      if (p > f.maxPattern) {
        if (p === f.maxPattern + 1) return negative ? -Infinity : Infinity;
        return NaN;
      }
      break;
    case 'fn':
      if (p > f.maxPattern) return NaN;
      break;
    case 'fnuz':
      if (b === signBit) return NaN;
      break;
    default:
      break;
  }
  const v = f.values[p]!;
  return negative ? -v : v;
}

/** A number -> the element's bits (round to nearest even; see the module doc for overflow and NaN). */
export function numberToMiniFloat(d: MiniFloatDType, x: number): number {
  const f = format(d);
  const signBit = 1 << (f.totalBits - 1);
  if (Number.isNaN(x)) return f.kind === 'none' ? 0x08 : f.nanPattern;
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const vals = f.values;
  // Largest pattern p with vals[p] <= a.
  let lo = 0;
  let hi = f.maxPattern;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (vals[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  let r = lo;
  const v = vals[lo]!;
  if (v !== a) {
    const next = lo < f.maxPattern ? vals[lo + 1]! : v + (v - vals[lo - 1]!);
    const dLo = a - v;
    const dHi = next - a;
    if (dHi < dLo || (dHi === dLo && (lo & 1) === 1)) r = lo + 1;
  }
  if (r > f.maxPattern) {
    if (f.kind === 'ieee') r = f.maxPattern + 1; // inf
    else if (f.kind === 'none') r = f.maxPattern; // saturate
    else return f.kind === 'fn' && negative ? f.nanPattern | signBit : f.nanPattern;
  }
  if (negative) {
    if (f.kind === 'fnuz' && r === 0) return 0;
    r |= signBit;
  }
  return r;
}
