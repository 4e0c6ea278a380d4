import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import {
  bfloat16BitsToFloat32Bits,
  bfloat16ToFloat32Array,
  float32ArrayToBfloat16,
  float32ArrayToHalf,
  float32BitsToBfloat16Bits,
  float32BitsToHalfBits,
  floatToBfloat16Bits,
  floatToHalfBits,
  halfBitsToFloat,
  halfBitsToFloat32Bits,
  halfToFloat32Array,
  miniFloatToNumber,
  numberToMiniFloat,
  float32FromBits,
  type MiniFloatDType,
} from '../../src/tensor/index.js';

interface Conversions {
  f32_to_half: [number, number][];
  f32_to_bfloat16: [number, number][];
  half_to_f32: [number, number][];
  bfloat16_to_f32: [number, number][];
  minifloat: Record<MiniFloatDType, { decode_f32_bits: number[]; encode: [number, number][] }>;
}
// Written by tools/fixtures/make_tensor_protos.py from TF 2.21's tf.cast (CPU) and ml_dtypes.
const conv = JSON.parse(readFileSync(fixture('tensor-protos', 'conversions.json'), 'utf8')) as Conversions;
const hex = (n: number): string => n.toString(16);

test('float32 -> float16 bits match tf.cast on every table entry', () => {
  assert.ok(conv.f32_to_half.length > 900);
  for (const [f, h] of conv.f32_to_half) assert.equal(hex(float32BitsToHalfBits(f)), hex(h), `f32 ${hex(f)}`);
  const f = new Float32Array(new Uint32Array(conv.f32_to_half.map(([a]) => a)).buffer);
  assert.deepEqual(Array.from(float32ArrayToHalf(f)), conv.f32_to_half.map(([, b]) => b));
});

test('float32 -> bfloat16 bits match tf.cast (RNE, NaN -> 0x7fc0)', () => {
  for (const [f, b] of conv.f32_to_bfloat16) assert.equal(hex(float32BitsToBfloat16Bits(f)), hex(b), `f32 ${hex(f)}`);
  const f = new Float32Array(new Uint32Array(conv.f32_to_bfloat16.map(([a]) => a)).buffer);
  assert.deepEqual(Array.from(float32ArrayToBfloat16(f)), conv.f32_to_bfloat16.map(([, b]) => b));
});

test('float16 / bfloat16 -> float32 bits match tf.cast (NaN payloads included)', () => {
  for (const [h, f] of conv.half_to_f32) assert.equal(hex(halfBitsToFloat32Bits(h)), hex(f), `half ${hex(h)}`);
  for (const [b, f] of conv.bfloat16_to_f32) assert.equal(hex(bfloat16BitsToFloat32Bits(b)), hex(f), `bf16 ${hex(b)}`);
  const hb = new Uint16Array(conv.half_to_f32.map(([a]) => a));
  assert.deepEqual(Array.from(new Uint32Array(halfToFloat32Array(hb).buffer)), conv.half_to_f32.map(([, b]) => b));
  const bb = new Uint16Array(conv.bfloat16_to_f32.map(([a]) => a));
  assert.deepEqual(Array.from(new Uint32Array(bfloat16ToFloat32Array(bb).buffer)), conv.bfloat16_to_f32.map(([, b]) => b));
});

test('every finite half survives number round trips; scalar helpers', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = halfBitsToFloat(h);
    if (Number.isNaN(x)) continue;
    assert.equal(floatToHalfBits(x), h);
  }
  assert.equal(floatToHalfBits(1.5), 0x3e00);
  assert.equal(floatToBfloat16Bits(1.5), 0x3fc0);
  assert.equal(floatToHalfBits(NaN), 0x7e00);
  assert.equal(floatToBfloat16Bits(-NaN), 0x7fc0);
  // A double is rounded to float32 first (Eigen's half(double)).
  // 1 + 2^-11 + 2^-40 becomes the float32 1 + 2^-11, an exact tie, so it rounds to even (1.0).
  assert.equal(floatToHalfBits(1 + 2 ** -11 + 2 ** -40), 0x3c00);
});

test('float8 / float4 decode all patterns like ml_dtypes', () => {
  for (const [name, t] of Object.entries(conv.minifloat) as [MiniFloatDType, Conversions['minifloat'][MiniFloatDType]][]) {
    t.decode_f32_bits.forEach((f, p) => {
      const want = float32FromBits(f);
      const got = miniFloatToNumber(name, p);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${name} ${hex(p)}`);
      else assert.ok(Object.is(got, want), `${name} ${hex(p)}: ${got} vs ${want}`);
    });
  }
});

test('float8 / float4 encode like ml_dtypes (RNE, overflow, NaN)', () => {
  for (const [name, t] of Object.entries(conv.minifloat) as [MiniFloatDType, Conversions['minifloat'][MiniFloatDType]][]) {
    for (const [f, want] of t.encode) {
      const x = float32FromBits(f);
      // A JS NaN has no reliable sign: NaN inputs are checked for their positive encoding only.
      if (Number.isNaN(x) && f >>> 31 === 1) continue;
      assert.equal(hex(numberToMiniFloat(name, x)), hex(want), `${name} from ${x} (${hex(f)})`);
    }
  }
});
