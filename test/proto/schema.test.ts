/**
 * Schema fidelity: our generated descriptors equal TensorFlow 2.21's own, message by message.
 *
 * `test/fixtures/protos/tf-descriptors.json` is dumped from TensorFlow's installed Python descriptors by
 * `tools/protos/dump-tf-descriptors.py`. This test normalizes every `file_...` descriptor exported by
 * `src/proto/index.ts` the same way and compares: files (syntax, package, imports), every message
 * (fields with name, number, type, label, type name, oneof, presence, effective packing, packed option,
 * deprecated, jstype, map key/value types; oneofs; reserved ranges and names) and every enum (values,
 * reserved). Coverage runs both ways: nothing of TensorFlow's missing, nothing extra.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isFieldSet, ScalarType, type DescEnum, type DescField, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldOptions_JSType,
  FieldOptionsSchema,
} from '@bufbuild/protobuf/wkt';
import * as proto from '../../src/proto/index.js';
import { fixture, repoRoot } from '../helpers/paths.js';

interface FieldDump {
  name: string;
  number: number;
  type: string;
  label: string;
  type_name: string | null;
  oneof: string | null;
  proto3_optional: boolean;
  presence: boolean;
  packed: boolean;
  packed_option: boolean | null;
  deprecated: boolean;
  jstype: string | null;
  map: { key: string; value: string; value_type_name: string | null } | null;
}
interface MessageDump {
  file: string;
  fields: FieldDump[];
  oneofs: string[];
  reserved_ranges: [number, number][];
  reserved_names: string[];
}
interface EnumDump {
  file: string;
  values: [string, number][];
  reserved_ranges: [number, number][];
  reserved_names: string[];
}
interface FileDump {
  syntax: string;
  package: string;
  dependencies: string[];
}
interface Dump {
  tf_version: string;
  files: Record<string, FileDump>;
  messages: Record<string, MessageDump>;
  enums: Record<string, EnumDump>;
}

/**
 * Deliberate, documented deviations from TensorFlow's schemas (see proto/README.md):
 * full field name -> the property, TensorFlow's value, and ours.
 */
const DEVIATIONS: Record<string, { property: keyof FieldDump; tf: unknown; ours: unknown }> = {
  // TF marks Int64List.value jstype=JS_STRING; we keep int64 as bigint (same wire format).
  'tensorflow.Int64List.value': { property: 'jstype', tf: 'JS_STRING', ours: null },
};

const dump = JSON.parse(readFileSync(fixture('protos', 'tf-descriptors.json'), 'utf8')) as Dump;

const ourFiles: DescFile[] = Object.entries(proto)
  .filter(([name]) => name.startsWith('file_'))
  .map(([, value]) => value as DescFile);

const PRESENCE_IMPLICIT = 2;

const lower = (s: string | undefined): string => {
  assert.ok(s !== undefined, 'unknown enum number');
  return s.toLowerCase();
};

function typeNameOf(field: DescField): string | null {
  const t = field.proto.typeName;
  return t === '' ? null : t.replace(/^\./, '');
}

function normalizeField(field: DescField): FieldDump {
  const opts = field.proto.options;
  const has = (name: 'packed' | 'deprecated' | 'jstype'): boolean =>
    opts !== undefined && isFieldSet(opts, FieldOptionsSchema.field[name]);
  let map: FieldDump['map'] = null;
  if (field.fieldKind === 'map') {
    map = {
      key: lower(ScalarType[field.mapKey]),
      value: field.mapKind === 'message' ? 'message' : field.mapKind === 'enum' ? 'enum' : lower(ScalarType[field.scalar]),
      value_type_name: field.mapKind === 'message' ? field.message.typeName : field.mapKind === 'enum' ? field.enum.typeName : null,
    };
  }
  const singular = field.fieldKind !== 'list' && field.fieldKind !== 'map';
  return {
    name: field.name,
    number: field.number,
    type: lower(FieldDescriptorProto_Type[field.proto.type]),
    label: lower(FieldDescriptorProto_Label[field.proto.label]),
    type_name: typeNameOf(field),
    oneof: field.oneof?.name ?? null,
    proto3_optional: field.proto.proto3Optional,
    presence: singular && (field.fieldKind === 'message' || field.oneof !== undefined || field.presence !== PRESENCE_IMPLICIT),
    packed: field.fieldKind === 'list' && field.listKind !== 'message' ? field.packed : false,
    packed_option: has('packed') ? opts!.packed : null,
    deprecated: has('deprecated') ? opts!.deprecated : false,
    jstype: has('jstype') ? (FieldOptions_JSType[opts!.jstype] ?? null) : null,
    map,
  };
}

function collect(): { messages: Map<string, DescMessage>; enums: Map<string, DescEnum> } {
  const messages = new Map<string, DescMessage>();
  const enums = new Map<string, DescEnum>();
  const walk = (m: DescMessage): void => {
    if (m.proto.options?.mapEntry === true) return;
    messages.set(m.typeName, m);
    for (const e of m.nestedEnums) enums.set(e.typeName, e);
    for (const n of m.nestedMessages) walk(n);
  };
  for (const f of ourFiles) {
    for (const e of f.enums) enums.set(e.typeName, e);
    for (const m of f.messages) walk(m);
  }
  return { messages, enums };
}

const ours = collect();

test('the dump comes from TensorFlow 2.21', () => {
  assert.match(dump.tf_version, /^2\.21\./);
});

test('files: same set, syntax, package and imports', () => {
  const mine = new Map(ourFiles.map((f) => [f.proto.name, f]));
  assert.deepEqual([...mine.keys()].sort(), Object.keys(dump.files).sort());
  for (const [name, tf] of Object.entries(dump.files)) {
    const f = mine.get(name)!;
    assert.deepEqual(
      { syntax: f.proto.syntax === '' ? 'proto2' : f.proto.syntax, package: f.proto.package, dependencies: f.proto.dependency },
      tf,
      name,
    );
  }
});

test('messages: every TensorFlow message is defined, and nothing else', () => {
  assert.deepEqual([...ours.messages.keys()].sort(), Object.keys(dump.messages).sort());
});

test('enums: every TensorFlow enum is defined, and nothing else', () => {
  assert.deepEqual([...ours.enums.keys()].sort(), Object.keys(dump.enums).sort());
});

test('every message equals TensorFlow\'s (fields, oneofs, reserved)', () => {
  for (const [name, tf] of Object.entries(dump.messages)) {
    const m = ours.messages.get(name);
    assert.ok(m !== undefined, name);
    const expected: MessageDump = structuredClone(tf);
    for (const f of expected.fields) {
      const dev = DEVIATIONS[`${name}.${f.name}`];
      if (dev !== undefined) {
        assert.deepEqual(f[dev.property], dev.tf, `deviation ${name}.${f.name} no longer matches TensorFlow`);
        (f as unknown as Record<string, unknown>)[dev.property] = dev.ours;
      }
    }
    const actual: MessageDump = {
      file: m.file.proto.name,
      fields: m.fields.map(normalizeField),
      oneofs: m.oneofs.map((o) => o.name),
      reserved_ranges: m.proto.reservedRange.map((r) => [r.start, r.end]),
      reserved_names: m.proto.reservedName,
    };
    assert.deepEqual(actual, expected, name);
  }
});

test('every enum equals TensorFlow\'s (names, numbers, reserved)', () => {
  for (const [name, tf] of Object.entries(dump.enums)) {
    const e = ours.enums.get(name);
    assert.ok(e !== undefined, name);
    const actual: EnumDump = {
      file: e.file.proto.name,
      values: e.values.map((v) => [v.name, v.number]),
      reserved_ranges: e.proto.reservedRange.map((r) => [r.start, r.end]),
      reserved_names: e.proto.reservedName,
    };
    assert.deepEqual(actual, tf, name);
  }
});

test('every deviation is used', () => {
  for (const key of Object.keys(DEVIATIONS)) {
    const at = key.lastIndexOf('.');
    const msg = dump.messages[key.slice(0, at)];
    assert.ok(msg?.fields.some((f) => f.name === key.slice(at + 1)), key);
  }
});

test('src/proto/index.ts re-exports every generated file', () => {
  const genDir = join(repoRoot, 'src', 'proto', 'gen');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('_pb.ts') ? [join(dir, e.name)] : []);
  const genFiles = walk(genDir).map((p) => relative(genDir, p).split(sep).join('/').replace(/_pb\.ts$/, '.proto')).sort();
  assert.deepEqual(ourFiles.map((f) => f.proto.name).sort(), genFiles);
  // And every proto source has generated code.
  const protoDir = join(repoRoot, 'proto');
  const walkProto = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walkProto(join(dir, e.name)) : e.name.endsWith('.proto') ? [join(dir, e.name)] : []);
  assert.deepEqual(walkProto(protoDir).map((p) => relative(protoDir, p).split(sep).join('/')).sort(), genFiles);
});

test('tfRegistry() knows every message and enum we define', () => {
  const reg = proto.tfRegistry();
  for (const name of ours.messages.keys()) assert.ok(reg.getMessage(name) !== undefined, name);
  for (const name of ours.enums.keys()) assert.ok(reg.getEnum(name) !== undefined, name);
});
