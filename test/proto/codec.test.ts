/**
 * decodeProto / encodeProto / findUnknownFields: wire details checked against bytes TensorFlow's
 * Python wrote (test/fixtures/protos/samples/map-order, made by tools/protos/make-samples.py) and
 * against literal bytes printed by TF 2.21's Python, plus typed errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { create, createFileRegistry, createRegistry, fromBinary, toBinary, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import * as proto from '../../src/proto/index.js';
import {
  AttrValueSchema,
  decodeProto,
  encodeProto,
  findUnknownFields,
  FunctionDefSchema,
  NodeDefSchema,
  SaverDefSchema,
  TensorProtoSchema,
  VersionDefSchema,
} from '../../src/proto/index.js';
import { isTFError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

const ours = createRegistry(
  ...Object.entries(proto).filter(([k]) => k.startsWith('file_')).map(([, v]) => v as DescFile),
);
const mapDir = fixture('protos', 'samples', 'map-order');
const cases = JSON.parse(readFileSync(`${mapDir}/cases.json`, 'utf8')) as {
  schema: string;
  cases: { file: string; type: string }[];
};
const testTypes = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(`${mapDir}/${cases.schema}`)));

function schemaOf(typeName: string): DescMessage {
  const s = ours.getMessage(typeName) ?? testTypes.getMessage(typeName);
  assert.ok(s !== undefined, typeName);
  return s;
}

for (const c of cases.cases) {
  test(`map order: ${c.file} (${c.type}) re-encodes exactly as TensorFlow's Python wrote it`, () => {
    const bytes = new Uint8Array(readFileSync(`${mapDir}/${c.file}`));
    const schema = schemaOf(c.type);
    const msg = decodeProto(schema, bytes, { source: c.file });
    assert.deepEqual(findUnknownFields(schema, msg), []);
    assert.equal(hex(encodeProto(schema, msg)), hex(bytes));
    assert.equal(hex(encodeProto(schema, msg, { mapOrder: 'python' })), hex(bytes));
  });
}

/** Keys of the map entries of top-level field `fieldNo`, in wire order. */
function mapKeysOnWire(bytes: Uint8Array, fieldNo: number): string[] {
  const out: string[] = [];
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== fieldNo || wt !== WireType.LengthDelimited) {
      r.skip(wt);
      continue;
    }
    const e = new BinaryReader(r.bytes());
    const [, kwt] = e.tag();
    out.push(kwt === WireType.LengthDelimited ? e.string() : kwt === WireType.Bit64 ? String(e.fixed64()) : String(e.uint64()));
  }
  return out;
}

test("map order: 'python' (default) vs 'cpp' vs 'insertion' (= toBinary)", () => {
  const n = create(NodeDefSchema, { name: 'n' });
  for (const k of ['b', 'T', '', 'Tidx', 'a', '10', '2']) n.attr[k] = create(AttrValueSchema, { value: { case: 'b', value: true } });
  assert.deepEqual(mapKeysOnWire(encodeProto(NodeDefSchema, n), 5), ['10', '2', 'Tidx', 'T', 'a', 'b', '']);
  assert.deepEqual(mapKeysOnWire(encodeProto(NodeDefSchema, n, { mapOrder: 'cpp' }), 5), ['', '10', '2', 'T', 'Tidx', 'a', 'b']);
  // JS objects list integer-like keys first.
  assert.deepEqual(mapKeysOnWire(encodeProto(NodeDefSchema, n, { mapOrder: 'insertion' }), 5), ['2', '10', 'b', 'T', '', 'Tidx', 'a']);
  assert.equal(hex(encodeProto(NodeDefSchema, n, { mapOrder: 'insertion' })), hex(toBinary(NodeDefSchema, n)));

  const f = decodeProto(FunctionDefSchema, new Uint8Array(readFileSync(`${mapDir}/function_def.binpb`)));
  const big = ['4294967295', '4000000000', '2147483648', '300', '5', '2', '1', '0'];
  assert.deepEqual(mapKeysOnWire(encodeProto(FunctionDefSchema, f), 7), big);
  assert.deepEqual(mapKeysOnWire(encodeProto(FunctionDefSchema, f, { mapOrder: 'cpp' }), 7), big.slice().reverse());
});

test('scalars as TF writes them: -0.0 kept, negative int32 as 10-byte varints, packed repeated', () => {
  // Bytes printed by TF 2.21's Python (protobuf 7.36 upb) for the same messages.
  assert.equal(hex(encodeProto(SaverDefSchema, create(SaverDefSchema, { keepCheckpointEveryNHours: -0 }))), '3500000080');
  assert.equal(
    hex(encodeProto(VersionDefSchema, create(VersionDefSchema, { producer: -1, badConsumers: [-2, 3] }))),
    '08ffffffffffffffffff011a0bfeffffffffffffffff0103',
  );
  assert.equal(hex(encodeProto(AttrValueSchema, create(AttrValueSchema, { value: { case: 'f', value: -0 } }))), '2500000080');
  assert.equal(hex(encodeProto(AttrValueSchema, create(AttrValueSchema, { value: { case: 'i', value: 0n } }))), '1800');
  assert.equal(
    hex(encodeProto(AttrValueSchema, create(AttrValueSchema, { value: { case: 'list', value: create(proto.AttrValue_ListValueSchema) } }))),
    '0a00',
  );
});

test('unpacked repeated scalars are accepted and written back packed', () => {
  // float_val (5) 1.0 and 2.0 unpacked: 2d 0000803f 2d 00000040; dtype DT_FLOAT.
  const t = decodeProto(TensorProtoSchema, unhex('08012d0000803f2d00000040'));
  assert.deepEqual(t.floatVal, [1, 2]);
  assert.equal(hex(encodeProto(TensorProtoSchema, t)), '08012a080000803f00000040');
});

test('unknown fields are kept, reported with their path, and written back last', () => {
  // NodeDef{name:"n", attr{"T": AttrValue{type: DT_FLOAT, #99: varint 7}}, #50: "zz"}.
  const inner = '3001' + '9806' + '07';
  const entry = '0a0154' + '12' + (inner.length / 2).toString(16).padStart(2, '0') + inner;
  const bytes = unhex('0a016e' + '2a' + (entry.length / 2).toString(16).padStart(2, '0') + entry + '920302' + '7a7a');
  const n = decodeProto(NodeDefSchema, bytes);
  assert.deepEqual(findUnknownFields(NodeDefSchema, n), ['<root>: #50 (wire type 2)', 'attr["T"]: #99 (wire type 0)']);
  assert.equal(hex(encodeProto(NodeDefSchema, n)), hex(bytes));
  const known = create(NodeDefSchema, { name: 'n', attr: { T: create(AttrValueSchema, { value: { case: 'type', value: 1 } }) } });
  assert.equal(hex(encodeProto(NodeDefSchema, n, { writeUnknownFields: false })), hex(encodeProto(NodeDefSchema, known)));
});

test('findUnknownFields looks inside Any payloads when given a registry', () => {
  // CollectionDef.any_list with an Any holding a VariableDef that has an unknown field #40.
  const variableDef = unhex('0a0177' + 'c002' + '01'); // variable_name "w", #40 varint 1
  const typeUrl = Buffer.from('type.googleapis.com/tensorflow.VariableDef');
  const any = Buffer.concat([Buffer.from([0x0a, typeUrl.length]), typeUrl, Buffer.from([0x12, variableDef.length]), variableDef]);
  const anyList = Buffer.concat([Buffer.from([0x0a, any.length]), any]);
  const collection = Buffer.concat([Buffer.from([0x2a, anyList.length]), anyList]);
  const c = decodeProto(proto.CollectionDefSchema, new Uint8Array(collection));
  assert.deepEqual(findUnknownFields(proto.CollectionDefSchema, c), []);
  assert.deepEqual(findUnknownFields(proto.CollectionDefSchema, c, { registry: ours }), [
    'any_list.value[0].value <as tensorflow.VariableDef>: #40 (wire type 0)',
  ]);
});

function assertTFError(fn: () => unknown, code: 'DATA_LOSS' | 'INVALID_ARGUMENT', ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTFError(e, code), `expected ${code}, got ${String(e)}`);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok((e as Error).message.includes(p), `"${(e as Error).message}" lacks "${p}"`);
      else assert.match((e as Error).message, p);
    }
    return true;
  });
}

test('decodeProto: truncated bytes -> DataLossError naming the source and the type', () => {
  const bytes = new Uint8Array(readFileSync(fixture('protos', 'samples', 'graphs', 'constants.pb')));
  assertTFError(() => decodeProto(proto.GraphDefSchema, bytes.subarray(0, bytes.length - 3), { source: 'constants.pb' }),
    'DATA_LOSS', 'constants.pb', 'tensorflow.GraphDef');
  assertTFError(() => decodeProto(proto.GraphDefSchema, bytes.subarray(0, 7), { source: 'x.pb', what: 'graph' }),
    'DATA_LOSS', 'x.pb', 'graph (tensorflow.GraphDef)');
});

test('decodeProto: garbage -> DataLossError', () => {
  // Wire types 6 and 7 do not exist; a length running past the end; varints longer than 10 bytes;
  // an unknown field's length running past the end.
  for (const g of ['0f', '0e01', '12ff01', '08ffffffffffffffffffff01', 'ffffffffffffffffffffff', 'fa0105']) {
    assertTFError(() => decodeProto(proto.SavedModelSchema, unhex(g), { source: 'garbage.pb' }),
      'DATA_LOSS', 'garbage.pb', 'tensorflow.SavedModel');
  }
});

test('decodeProto: a known field with the wrong wire type -> DataLossError (not a silent misread)', () => {
  // SavedModel.saved_model_schema_version (#1, int64) sent length-delimited; meta_graphs (#2) as a varint.
  assertTFError(() => decodeProto(proto.SavedModelSchema, unhex('0a0101'), { source: 'w.pb' }),
    'DATA_LOSS', 'w.pb', 'saved_model_schema_version', 'length-delimited', 'expected varint');
  assertTFError(() => decodeProto(proto.SavedModelSchema, unhex('1005'), { source: 'w.pb' }),
    'DATA_LOSS', 'meta_graphs', 'expected length-delimited');
  // Nested: GraphDef.node[0].name (#1, string) as a fixed32.
  assertTFError(() => decodeProto(proto.GraphDefSchema, unhex('0a050d01020304'), { source: 'g.pb' }),
    'DATA_LOSS', 'g.pb at offset 2', 'tensorflow.NodeDef.name');
  assert.throws(() => decodeProto(proto.GraphDefSchema, unhex('0a050d01020304')), (e: unknown) => (e as { offset?: number }).offset === 2);
  // Map entry value of NodeDef.attr with the wrong wire type.
  assertTFError(() => decodeProto(NodeDefSchema, unhex('2a050a01541001'), { source: 'm.pb' }),
    'DATA_LOSS', 'm.pb at offset 5', 'tensorflow.NodeDef.attr', 'value');
  // Packed and unpacked repeated numbers are both fine.
  assert.deepEqual(decodeProto(VersionDefSchema, unhex('1801' + '1a0102')).badConsumers, [1, 2]);
});

test('decodeProto: invalid UTF-8 in a proto3 string field -> DataLossError', () => {
  assertTFError(() => decodeProto(NodeDefSchema, unhex('0a02c328'), { source: 'bad-utf8.pb' }),
    'DATA_LOSS', 'bad-utf8.pb', 'tensorflow.NodeDef');
});

/** AttrValue{func: NameAttrList{attr{"a": AttrValue{func: ...}}}} nested `depth` times. */
function nestedAttr(depth: number): Uint8Array {
  let cur = new Uint8Array(0); // innermost AttrValue: empty
  const lenBytes = (n: number): number[] => {
    const out: number[] = [];
    while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
    out.push(n);
    return out;
  };
  for (let i = 0; i < depth; i++) {
    // entry {key "a", value cur}
    const entry = new Uint8Array([0x0a, 0x01, 0x61, 0x12, ...lenBytes(cur.length), ...cur]);
    const nameAttrList = new Uint8Array([0x12, ...lenBytes(entry.length), ...entry]);
    cur = new Uint8Array([0x52, ...lenBytes(nameAttrList.length), ...nameAttrList]); // AttrValue.func = 10
  }
  return cur;
}

test('decodeProto: nesting beyond the recursion limit -> DataLossError; within it decodes', () => {
  const deep = nestedAttr(60); // 3 messages per level: 180 levels > 100
  assertTFError(() => decodeProto(AttrValueSchema, deep, { source: 'deep.pb' }), 'DATA_LOSS', 'deep.pb', 'tensorflow.AttrValue');
  const ok = nestedAttr(20);
  assert.equal(hex(encodeProto(AttrValueSchema, decodeProto(AttrValueSchema, ok))), hex(ok));
  assertTFError(() => decodeProto(AttrValueSchema, ok, { recursionLimit: 10 }), 'DATA_LOSS', 'tensorflow.AttrValue');
});

test('encodeProto: invalid values -> InvalidArgumentError naming the field', () => {
  const v = create(VersionDefSchema, { producer: 2 ** 40 });
  assertTFError(() => encodeProto(VersionDefSchema, v), 'INVALID_ARGUMENT', 'tensorflow.VersionDef', 'producer');
  const f = create(FunctionDefSchema);
  f.argAttr['x' as unknown as number] = create(proto.FunctionDef_ArgAttrsSchema);
  f.argAttr[1] = create(proto.FunctionDef_ArgAttrsSchema);
  assertTFError(() => encodeProto(FunctionDefSchema, f), 'INVALID_ARGUMENT', 'tensorflow.FunctionDef');
  assertTFError(() => encodeProto(VersionDefSchema, create(NodeDefSchema) as never), 'INVALID_ARGUMENT', 'tensorflow.NodeDef');
});
