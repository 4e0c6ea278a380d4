import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { create, toBinary } from '@bufbuild/protobuf';
import { fixture } from '../helpers/paths.js';
import { isTFError } from '../../src/errors.js';
import { TensorProtoSchema, type TensorProto } from '../../src/proto/index.js';
import {
  ALL_DTYPES,
  DTYPES,
  createTensorValue,
  decodeTensorProto,
  decodeTensorProtoBytes,
  encodeRawTensor,
  encodeTensorProto,
  encodeTensorProtoBytes,
  stringList,
  tensorValueFromJson,
  tensorValueToJson,
  tensorValuesEqual,
  tensorShapeToProto,
  type DType,
  type TensorValue,
} from '../../src/tensor/index.js';
import { toHex } from '../../src/util/bytes.js';

interface GoodCase {
  dtype: DType;
  shape: number[];
  value: unknown;
  hex?: string;
  origin: string;
  encoding: string;
  reencode: boolean;
}
interface BadCase {
  dtype_enum: number;
  error: string;
  note: string;
}
const golden = JSON.parse(readFileSync(fixture('tensor-protos', 'golden.json'), 'utf8')) as {
  tf_version: string;
  cases: Record<string, GoodCase | BadCase>;
};
const pb = (name: string): Uint8Array => new Uint8Array(readFileSync(fixture('tensor-protos', `${name}.pb`)));
const hasNaN = (v: unknown): boolean => (Array.isArray(v) ? v.some(hasNaN) : v === 'NaN');

test('golden fixtures cover every dtype', () => {
  assert.equal(golden.tf_version, '2.21.0');
  const seen = new Set(Object.values(golden.cases).filter((c): c is GoodCase => 'dtype' in c).map((c) => c.dtype));
  for (const d of ALL_DTYPES) assert.ok(seen.has(d), `no fixture for ${d}`);
});

for (const [name, c] of Object.entries(golden.cases)) {
  if ('error' in c) {
    test(`fixture ${name}: rejected like TensorFlow (${c.note})`, () => {
      assert.throws(
        () => decodeTensorProtoBytes(pb(name), { source: `${name}.pb` }),
        (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && (e as Error).message.includes(`${name}.pb`),
      );
    });
    continue;
  }
  test(`fixture ${name}: decodes to what TF's Tensor::FromProto materializes`, () => {
    const bytes = pb(name);
    const v = decodeTensorProtoBytes(bytes, { source: `${name}.pb` });
    assert.equal(v.dtype, c.dtype);
    assert.deepEqual(v.shape, c.shape);
    if (c.hex !== undefined) assert.equal(toHex(encodeRawTensor(v)), c.hex);
    assert.deepEqual(tensorValueToJson(v), c.value);
    // JSON -> value: bit-identical unless a NaN payload was involved.
    const back = tensorValueFromJson(c.dtype, c.shape, c.value);
    // NaN payloads, and int4/int2/uint4/uint2 storage bytes with high bits set (JSON gives the value; it comes
    // back in TF's canonical low-bits storage), round-trip by value only.
    if (hasNaN(c.value) || ['int4', 'int2', 'uint4', 'uint2'].includes(c.dtype)) assert.deepEqual(tensorValueToJson(back), c.value);
    else assert.ok(tensorValuesEqual(back, v), 'JSON round trip');
    if (c.reencode) {
      assert.equal(toHex(encodeTensorProtoBytes(v)), toHex(bytes), 're-encoding gives make_tensor_proto bytes');
      assert.equal(toHex(toBinary(TensorProtoSchema, encodeTensorProto(v))), toHex(bytes), 'toBinary agrees');
    }
    for (const useTensorContent of [undefined, true, false]) {
      const again = decodeTensorProto(encodeTensorProto(v, { useTensorContent }));
      assert.ok(tensorValuesEqual(again, v), `round trip useTensorContent=${useTensorContent}`);
    }
  });
}

function proto(init: Record<string, unknown>, shape?: number[]): TensorProto {
  const p = create(TensorProtoSchema, init);
  if (shape !== undefined) p.tensorShape = tensorShapeToProto(shape);
  return p;
}

test('byte examples from tf-formats.md §5.2', () => {
  const hex = (v: TensorValue): string => toHex(encodeTensorProtoBytes(v));
  assert.equal(hex(createTensorValue('float32', [], new Float32Array([1.5]))), '080112002a040000c03f');
  assert.equal(hex(createTensorValue('float32', [2], new Float32Array([1.5, 2]))), '080112041202080222080000c03f00000040');
  assert.equal(hex(createTensorValue('float16', [], new Uint16Array([0x3e00]))), '081312006a02807c');
  assert.equal(hex(createTensorValue('bfloat16', [], new Uint16Array([0x3fc0]))), '080e12006a02c07f');
  assert.equal(hex(createTensorValue('bool', [2], new Uint8Array([1, 0]))), '080a1204120208025a020100');
  assert.equal(hex(createTensorValue('int16', [], new Int16Array([-2]))), '080512003a0afeffffffffffffffff01');
  assert.equal(hex(createTensorValue('uint32', [], new Uint32Array([7]))), '0816120082010107');
  assert.equal(hex(createTensorValue('complex64', [], new Float32Array([1, 2]))), '080812004a080000803f00000040');
  const s = createTensorValue('string', [2], [new Uint8Array([0x61, 0x62]), new Uint8Array([0x63])]);
  assert.equal(hex(s), '080712041202080242026162420163');
});

test('every dtype round-trips through typed fields and tensor_content', () => {
  for (const d of ALL_DTYPES) {
    for (const shape of [[], [1], [2, 3], [0, 4]]) {
      const v = createTensorValue(d, shape);
      const info = DTYPES[d];
      if (info.arrayConstructor !== null) {
        const data = v.data as Uint8Array;
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
        if (d === 'bool') for (let i = 0; i < bytes.length; i++) bytes[i] = i & 1;
        if (info.layout === 'Float32Array' || info.layout === 'Float64Array') {
          // keep NaN payloads out: JS numbers may quiet signalling NaNs in typed fields
          const f = v.data as Float32Array;
          for (let i = 0; i < f.length; i++) f[i] = (i - 2.25) * 1.5;
        }
      } else if (d === 'string') {
        (v.data as Uint8Array[]).forEach((_, i, a) => (a[i] = new Uint8Array([i, 0xff, 0])));
      }
      for (const useTensorContent of [undefined, true, false]) {
        const p = encodeTensorProto(v, { useTensorContent });
        const back = decodeTensorProtoBytes(toBinary(TensorProtoSchema, p));
        assert.ok(tensorValuesEqual(back, v), `${d} ${JSON.stringify(shape)} ${useTensorContent}`);
      }
    }
  }
});

test('make_tensor_proto field choice', () => {
  const f = encodeTensorProto(createTensorValue('float32', [2]));
  assert.equal(f.tensorContent.length, 8);
  assert.equal(encodeTensorProto(createTensorValue('float32', [1])).floatVal.length, 1);
  assert.equal(encodeTensorProto(createTensorValue('bool', [3])).boolVal.length, 3);
  assert.equal(encodeTensorProto(createTensorValue('complex64', [3])).scomplexVal.length, 6);
  assert.equal(encodeTensorProto(createTensorValue('uint16', [3])).intVal.length, 3);
  assert.equal(encodeTensorProto(createTensorValue('int4', [3])).intVal.length, 3);
  assert.equal(encodeTensorProto(createTensorValue('bfloat16', [3])).tensorContent.length, 6);
  assert.equal(encodeTensorProto(createTensorValue('float8_e5m2', [1])).float8Val.length, 1);
  assert.equal(encodeTensorProto(createTensorValue('float32', [1]), { useTensorContent: true }).tensorContent.length, 4);
  assert.equal(encodeTensorProto(createTensorValue('string', [2]), { useTensorContent: true }).stringVal.length, 2);
  const empty = encodeTensorProto(createTensorValue('float32', [0]));
  // Python: make_tensor_proto(np.zeros([0], np.float32)) -> 08 01 12 02 12 00 (one empty Dim message)
  assert.equal(toHex(toBinary(TensorProtoSchema, empty)), '080112021200');
});

test('padding beyond maxBroadcastBytes is refused before allocating', () => {
  const p = proto({ dtype: 1, floatVal: [1] }, [1_000_000, 1_000_000]);
  assert.throws(
    () => decodeTensorProto(p, { source: 'big.pb' }),
    (e: unknown) => isTFError(e, 'RESOURCE_EXHAUSTED') && /big\.pb/.test((e as Error).message) && /1000000000000/.test((e as Error).message),
  );
  const small = proto({ dtype: 1, floatVal: [1] }, [100]);
  assert.throws(() => decodeTensorProto(small, { maxBroadcastBytes: 399 }), (e: unknown) => isTFError(e, 'RESOURCE_EXHAUSTED'));
  assert.equal((decodeTensorProto(small, { maxBroadcastBytes: 400 }).data as Float32Array)[99], 1);
  // Data that really backs the shape is not limited.
  const backed = proto({ dtype: 1, floatVal: new Array(100).fill(2) }, [100]);
  assert.equal(decodeTensorProto(backed, { maxBroadcastBytes: 0 }).data.length, 100);
  // Strings: a huge element count with a tiny tensor_content fails on the size check.
  const strs = proto({ dtype: 7, tensorContent: new Uint8Array([1, 0x61]) }, [1_000_000_000_000]);
  assert.throws(() => decodeTensorProto(strs), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  const content = proto({ dtype: 1, tensorContent: new Uint8Array(4) }, [1_000_000, 1_000_000]);
  assert.throws(() => decodeTensorProto(content, { source: 'c.pb' }), /4000000000000.*c\.pb|c\.pb/);
});

test('malformed protos give typed errors naming the source', () => {
  const unknownRank = proto({ dtype: 1, floatVal: [1], tensorShape: { unknownRank: true } });
  assert.throws(() => decodeTensorProto(unknownRank, { source: 'u.pb' }), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /unknown rank.*u\.pb/.test((e as Error).message));
  const hugeDim = proto({ dtype: 1, tensorShape: { dim: [{ size: 1n << 60n }] } });
  assert.throws(() => decodeTensorProto(hugeDim), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => decodeTensorProtoBytes(new Uint8Array([0x0a, 0xff]), { source: 'g.pb' }), (e: unknown) => isTFError(e, 'DATA_LOSS') && /g\.pb/.test((e as Error).message));
  const badVariant = proto({ dtype: 21, tensorContent: new Uint8Array([2, 0xff, 0xff]) }, [1]);
  assert.throws(() => decodeTensorProto(badVariant), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT'));
  const content = proto({ dtype: 9, tensorContent: new Uint8Array(12) }, [2]);
  assert.throws(() => decodeTensorProto(content, { source: 'i64.pb' }), /12 bytes, expected 16 in i64\.pb/);
});

test('string list helper', () => {
  const items = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array(200).fill(7)];
  const enc = stringList.encode(items);
  assert.equal(enc.length, 1 + 1 + 2 + 2 + 200);
  assert.deepEqual(stringList.decode(enc, 3), items);
  assert.throws(() => stringList.decode(enc, 2));
  assert.throws(() => stringList.decode(enc.subarray(0, enc.length - 1), 3));
});
