/**
 * Exact IEEE binary16 ("half", `float16`) and bfloat16 conversions, bit-compatible with TensorFlow's
 * CPU `tf.cast` (TF 2.21, checked on a table of edge values in `test/tensor/half.test.ts`):
 *
 * - float32 -> float16: round to nearest, ties to even; overflow -> ±inf; float32 values below half
 *   the smallest subnormal -> ±0; NaN -> quiet NaN keeping the sign and the top 9 payload bits
 *   (`sign | 0x7e00 | mantissa >> 13`).
 * - float16 -> float32: exact; NaN is quieted (`sign | 0x7fc00000 | mantissa << 13`).
 * - float32 -> bfloat16: round to nearest, ties to even on the bit pattern (subnormals included);
 *   every NaN -> `0x7fc0` (TensorFlow drops the sign of NaN; ml_dtypes would keep it).
 * - bfloat16 -> float32: exact (`bits << 16`, NaN payload kept).
 *
 * JS numbers are doubles: functions taking a `number` first round it to float32 (`Math.fround`), as
 * Eigen's `half(double)` / `bfloat16(double)` constructors do.
 */

const scratch = new DataView(new ArrayBuffer(4));

/** The bit pattern of `Math.fround(x)` as an unsigned 32-bit integer. */
export function float32Bits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

/** The float32 value of a 32-bit pattern (as a JS number; a NaN payload may not survive). */
export function float32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** float32 bit pattern -> float16 bit pattern (TensorFlow's rounding, see the module doc). */
export function float32BitsToHalfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    return sign | 0x7e00 | (mant >>> 13);
  }
  // Unbiased exponent; half normals have exponent -14..15.
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal half: keep 10 mantissa bits, round the 13 dropped bits to nearest even.
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // may carry into inf: correct
    return sign | h;
  }
  // Subnormal half (or zero): value = m * 2^-24 with m = full significand >> shift.
  if (exp === 0 || e < -25) return sign; // float32 subnormals and tiny values round to zero
  const full = mant | 0x800000; // 24-bit significand, value = full * 2^(e-23)
  const shift = -e - 1; // result m = full * 2^(e-23+24) = full >> (-1 - e)
  let m = full >>> shift;
  const dropped = full - (m << shift);
  const halfway = 1 << (shift - 1);
  if (dropped > halfway || (dropped === halfway && (m & 1) === 1)) m += 1;
  return sign | m;
}

/** float16 bit pattern -> float32 bit pattern (exact; NaN quieted as TensorFlow does). */
export function halfBitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) {
    if (mant === 0) return (sign | 0x7f800000) >>> 0;
    return (sign | 0x7fc00000 | (mant << 13)) >>> 0;
  }
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise.
  let e = -14;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e -= 1;
  }
  return (sign | ((e + 127) << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** float32 bit pattern -> bfloat16 bit pattern (round to nearest even; NaN -> 0x7fc0). */
export function float32BitsToBfloat16Bits(f: number): number {
  f >>>= 0;
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff) !== 0) return 0x7fc0;
  const lsb = (f >>> 16) & 1;
  return ((f + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** bfloat16 bit pattern -> float32 bit pattern (exact). */
export function bfloat16BitsToFloat32Bits(b: number): number {
  return ((b & 0xffff) << 16) >>> 0;
}

/** A number (rounded to float32 first) -> float16 bits. */
export function floatToHalfBits(x: number): number {
  return float32BitsToHalfBits(float32Bits(x));
}

/** float16 bits -> the exact value as a number. */
export function halfBitsToFloat(h: number): number {
  return float32FromBits(halfBitsToFloat32Bits(h & 0xffff));
}

/** A number (rounded to float32 first) -> bfloat16 bits. */
export function floatToBfloat16Bits(x: number): number {
  return float32BitsToBfloat16Bits(float32Bits(x));
}

/** bfloat16 bits -> the exact value as a number. */
export function bfloat16BitsToFloat(b: number): number {
  return float32FromBits(bfloat16BitsToFloat32Bits(b));
}

function bitsView(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Bulk float16 bits -> Float32Array (NaN payloads kept bit-exactly through the Uint32 view). */
export function halfToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = bitsView(out);
  for (let i = 0; i < bits.length; i++) u[i] = halfBitsToFloat32Bits(bits[i]!);
  return out;
}

/** Bulk Float32Array -> float16 bits. */
export function float32ArrayToHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const u = bitsView(values);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToHalfBits(u[i]!);
  return out;
}

/** Bulk bfloat16 bits -> Float32Array. */
export function bfloat16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = bitsView(out);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i]! << 16;
  return out;
}

/** Bulk Float32Array -> bfloat16 bits. */
export function float32ArrayToBfloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const u = bitsView(values);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToBfloat16Bits(u[i]!);
  return out;
}
