import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTFError } from '../../src/errors.js';
import {
  createTensorValue,
  decodeRawTensor,
  encodeRawTensor,
  numElements,
  stringifyTensorJson,
  tensorValueFromArray,
  tensorValueFromJson,
  tensorValueToArray,
  tensorValueToJson,
  tensorValuesEqual,
  base64Decode,
  base64Encode,
} from '../../src/tensor/index.js';
import { toHex, fromHex } from '../../src/util/bytes.js';

const invalid = (e: unknown): boolean => isTFError(e, 'INVALID_ARGUMENT');

test('numElements checks shapes', () => {
  assert.equal(numElements([]), 1);
  assert.equal(numElements([2, 3]), 6);
  assert.equal(numElements([0, 2 ** 52]), 0);
  assert.throws(() => numElements([-1]), invalid);
  assert.throws(() => numElements([1.5]), invalid);
  assert.throws(() => numElements([2 ** 30, 2 ** 30]), invalid);
  assert.throws(() => numElements(new Array(255).fill(1)), invalid);
  assert.equal(numElements(new Array(254).fill(1)), 1);
});

test('createTensorValue validates container and length', () => {
  const v = createTensorValue('complex64', [2]);
  assert.ok(v.data instanceof Float32Array);
  assert.equal(v.data.length, 4);
  assert.throws(() => createTensorValue('float32', [3], new Float32Array(2)), (e: unknown) => invalid(e) && /3 elements, got 2/.test((e as Error).message));
  assert.throws(() => createTensorValue('float32', [2], new Float64Array(2) as unknown as Float32Array), invalid);
  assert.throws(() => createTensorValue('int64', [1], [1n] as unknown as BigInt64Array), invalid);
  assert.throws(() => createTensorValue('string', [1], ['a'] as unknown as Uint8Array[]), invalid);
  assert.equal(createTensorValue('string', [2]).data.every((b) => b.length === 0), true);
  assert.equal(createTensorValue('resource', [1]).data[0]!.$typeName, 'tensorflow.ResourceHandleProto');
  assert.throws(() => createTensorValue('nope' as 'float32', []), invalid);
});

test('tensorValueFromArray / tensorValueToArray', () => {
  const f = tensorValueFromArray('float32', [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual(tensorValueToArray(f), [[1, 2, 3], [4, 5, 6]]);
  const b = tensorValueFromArray('int64', [1n, '-9223372036854775808', 5]);
  assert.deepEqual(tensorValueToArray(b), [1n, -(2n ** 63n), 5n]);
  assert.throws(() => tensorValueFromArray('int64', [2 ** 60]), invalid);
  assert.throws(() => tensorValueFromArray('uint64', [-1n]), invalid);
  assert.throws(() => tensorValueFromArray('int8', [128]), invalid);
  assert.throws(() => tensorValueFromArray('float32', [[1, 2], [3]]), invalid);
  const c = tensorValueFromArray('complex128', [[1, 2], [3, -4]]);
  assert.deepEqual(c.shape, [2]);
  assert.deepEqual(tensorValueToArray(c), [[1, 2], [3, -4]]);
  const h = tensorValueFromArray('float16', [1.5, 65504, 1e6, -0]);
  assert.deepEqual(Array.from(h.data), [0x3e00, 0x7bff, 0x7c00, 0x8000]);
  assert.deepEqual(tensorValueToArray(h), [1.5, 65504, Infinity, -0]);
  const bf = tensorValueFromArray('bfloat16', 1.5);
  assert.deepEqual(bf.shape, []);
  assert.equal(tensorValueToArray(bf), 1.5);
  const s = tensorValueFromArray('string', ['ab', new Uint8Array([0xff])]);
  assert.deepEqual(tensorValueToArray(s), [new Uint8Array([0x61, 0x62]), new Uint8Array([0xff])]);
  const bc = tensorValueFromArray('int32', 3, [2, 2]);
  assert.deepEqual(tensorValueToArray(bc), [[3, 3], [3, 3]]);
  assert.throws(() => tensorValueFromArray('int32', [1, 2], [3]), invalid);
  assert.deepEqual(tensorValueToArray(tensorValueFromArray('bool', [true, false])), [true, false]);
  assert.deepEqual(tensorValueToArray(tensorValueFromArray('float8_e4m3fn', [448, -0.5])), [448, -0.5]);
  assert.deepEqual(tensorValueFromArray('float32', [], [0, 3]).shape, [0, 3]);
  // Typed arrays count as lists, except Uint8Array elements of string tensors.
  assert.deepEqual(tensorValueToArray(tensorValueFromArray('int32', [new Int32Array([1, 2]), new Int32Array([3, 4])])), [[1, 2], [3, 4]]);
  assert.deepEqual(tensorValueFromArray('string', [new Uint8Array([1, 2])]).shape, [1]);
  assert.deepEqual(tensorValueFromArray('int64', new BigInt64Array([5n])).shape, [1]);
});

test('tensorValuesEqual compares bits', () => {
  const a = tensorValueFromArray('float32', [NaN, 0]);
  const b = tensorValueFromArray('float32', [NaN, 0]);
  assert.ok(tensorValuesEqual(a, b));
  assert.ok(!tensorValuesEqual(a, tensorValueFromArray('float32', [NaN, -0])));
  assert.ok(!tensorValuesEqual(a, tensorValueFromArray('float32', [[NaN, 0]])));
  assert.ok(!tensorValuesEqual(a, tensorValueFromArray('float64', [NaN, 0])));
  const s1 = tensorValueFromArray('string', ['a', '']);
  assert.ok(tensorValuesEqual(s1, tensorValueFromArray('string', ['a', ''])));
  assert.ok(!tensorValuesEqual(s1, tensorValueFromArray('string', ['a', 'b'])));
});

test('raw codec: little-endian layout, exact sizes, copies', () => {
  const v = tensorValueFromArray('int32', [1, -2]);
  assert.equal(toHex(encodeRawTensor(v)), '01000000feffffff');
  const bytes = fromHex('0000c03f00000040');
  const f = decodeRawTensor('float32', [2], bytes.subarray(0), { source: 'w.data' });
  assert.deepEqual(Array.from(f.data), [1.5, 2]);
  bytes[0] = 1; // the decoded value does not alias the input
  assert.equal((f.data as Float32Array)[0], 1.5);
  // Unaligned input works.
  const un = new Uint8Array(9);
  un.set(fromHex('0000c03f00000040'), 1);
  assert.deepEqual(Array.from(decodeRawTensor('float32', [2], un.subarray(1)).data), [1.5, 2]);
  assert.equal(toHex(encodeRawTensor(tensorValueFromArray('complex64', [[1, 2]]))), '0000803f00000040');
  assert.equal(toHex(encodeRawTensor(tensorValueFromArray('bfloat16', [1.5]))), 'c03f');
  assert.equal(toHex(encodeRawTensor(tensorValueFromArray('uint64', [2n ** 64n - 1n]))), 'ffffffffffffffff');
  assert.throws(
    () => decodeRawTensor('float32', [3], new Uint8Array(8), { source: 'model.data-00000-of-00001' }),
    (e: unknown) => isTFError(e, 'DATA_LOSS') && /needs 12 bytes, got 8 in model\.data-00000-of-00001/.test((e as Error).message),
  );
  assert.throws(() => decodeRawTensor('string', [1], new Uint8Array(1)), invalid);
  assert.throws(() => encodeRawTensor(tensorValueFromArray('string', ['a'])), invalid);
  assert.throws(() => decodeRawTensor('bool', [1], new Uint8Array([2]), { checkBool: true }), (e: unknown) => isTFError(e, 'DATA_LOSS'));
  assert.equal(decodeRawTensor('bool', [1], new Uint8Array([2])).data[0], 2);
  assert.equal(decodeRawTensor('float32', [0, 5], new Uint8Array(0)).data.length, 0);
  // view: aliases the input when aligned, copies otherwise.
  const buf = fromHex('0000c03f00000040');
  const viewed = decodeRawTensor('float32', [2], buf, { view: true });
  buf.set([0, 0, 0x80, 0x3f]);
  assert.equal((viewed.data as Float32Array)[0], 1);
  const notAligned = decodeRawTensor('float32', [2], un.subarray(1), { view: true });
  un[1] = 9;
  assert.equal((notAligned.data as Float32Array)[0], 1.5);
});

test('lossless JSON both ways', () => {
  const cases: [Parameters<typeof tensorValueFromArray>[0], unknown, unknown][] = [
    ['float32', [1.5, NaN, -Infinity], [1.5, 'NaN', '-Infinity']],
    ['int64', [-(2n ** 63n), 2n ** 63n - 1n], ['-9223372036854775808', '9223372036854775807']],
    ['uint64', [2n ** 64n - 1n], ['18446744073709551615']],
    ['string', ['h\u00e9', new Uint8Array([0xff, 0x00])], ['h\u00e9', { b64: '/wA=' }]],
    ['complex64', [[1, NaN]], [[1, 'NaN']]],
    ['bool', [true, false], [true, false]],
    ['float16', [0.1], [0.0999755859375]],
    ['bfloat16', [Infinity], ['Infinity']],
    ['uint8', [255], [255]],
  ];
  for (const [dtype, arr, json] of cases) {
    const v = tensorValueFromArray(dtype, arr);
    assert.deepEqual(tensorValueToJson(v), json, dtype);
    assert.ok(tensorValuesEqual(tensorValueFromJson(dtype, v.shape, json), v), dtype);
  }
  assert.equal(tensorValueToJson(tensorValueFromArray('int32', 7)), 7);
  assert.deepEqual(tensorValueToJson(tensorValueFromArray('float32', [], [2, 0])), [[], []]);
  assert.throws(() => tensorValueFromJson('float32', [2], [1]), invalid);
  assert.throws(() => tensorValueFromJson('int64', [1], [1]), invalid);
  assert.throws(() => tensorValueFromJson('float32', [1], ['nan']), invalid);
  assert.equal(stringifyTensorJson([-0, 1.5, 'NaN', { b64: 'AA==' }]), '[-0.0, 1.5, "NaN", {"b64": "AA=="}]');
  assert.ok(Object.is((tensorValueFromJson('float32', [1], JSON.parse('[-0.0]')).data as Float32Array)[0], -0));
  for (let n = 0; n < 10; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 3) & 0xff);
    assert.deepEqual(base64Decode(base64Encode(b)), b);
  }
  assert.equal(base64Encode(new Uint8Array([0xff, 0xfe, 0x00])), '//4A');
  assert.throws(() => base64Decode('a*b='), invalid);
  assert.throws(() => tensorValueFromJson('resource', [], { nope: 1 }), invalid);
  assert.throws(() => tensorValueFromJson('variant', [], 'x'), invalid);
});
