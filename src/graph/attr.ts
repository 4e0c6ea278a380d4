/**
 * Building and reading `AttrValue`s (TensorFlow's `attr` map entries) without spelling out the
 * protobuf-es oneof each time, plus TF's attr-value equality and debug strings.
 */
import { create, equals } from '@bufbuild/protobuf';
import {
  AttrValueSchema,
  AttrValue_ListValueSchema,
  NameAttrListSchema,
  type AttrValue,
  type DataType,
  type TensorProto,
  type TensorShapeProto,
} from '../proto/index.js';
import { InvalidArgumentError } from '../errors.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';
import { shapeFromProto, shapeToProto, type Shape } from './shape.js';
import { dataTypeString } from './dtypes.js';

/** `AttrValue{s}` (a string attr; UTF-8 encoded). */
export function attrS(v: string | Uint8Array): AttrValue {
  return create(AttrValueSchema, { value: { case: 's', value: typeof v === 'string' ? utf8Encode(v) : v } });
}
/** `AttrValue{i}`. */
export function attrI(v: number | bigint): AttrValue {
  return create(AttrValueSchema, { value: { case: 'i', value: BigInt(v) } });
}
/** `AttrValue{f}`. */
export function attrF(v: number): AttrValue {
  return create(AttrValueSchema, { value: { case: 'f', value: Math.fround(v) } });
}
/** `AttrValue{b}`. */
export function attrB(v: boolean): AttrValue {
  return create(AttrValueSchema, { value: { case: 'b', value: v } });
}
/** `AttrValue{type}`. */
export function attrType(v: DataType): AttrValue {
  return create(AttrValueSchema, { value: { case: 'type', value: v } });
}
/** `AttrValue{shape}` from a static shape or a proto. */
export function attrShape(v: Shape | TensorShapeProto): AttrValue {
  const proto = v !== null && !Array.isArray(v) ? (v as TensorShapeProto) : shapeToProto(v as Shape);
  return create(AttrValueSchema, { value: { case: 'shape', value: proto } });
}
/** `AttrValue{tensor}`. */
export function attrTensor(v: TensorProto): AttrValue {
  return create(AttrValueSchema, { value: { case: 'tensor', value: v } });
}
/** `AttrValue{func}`. */
export function attrFunc(name: string, attr: Record<string, AttrValue> = {}): AttrValue {
  return create(AttrValueSchema, { value: { case: 'func', value: create(NameAttrListSchema, { name, attr }) } });
}
/** `AttrValue{list}` with the given list fields (an empty object gives TF's explicit `list {}`). */
export function attrList(init: {
  s?: (string | Uint8Array)[];
  i?: (number | bigint)[];
  f?: number[];
  b?: boolean[];
  type?: DataType[];
  shape?: (Shape | TensorShapeProto)[];
  tensor?: TensorProto[];
}): AttrValue {
  const list = create(AttrValue_ListValueSchema, {
    s: (init.s ?? []).map((x) => (typeof x === 'string' ? utf8Encode(x) : x)),
    i: (init.i ?? []).map((x) => BigInt(x)),
    f: (init.f ?? []).map((x) => Math.fround(x)),
    b: init.b ?? [],
    type: init.type ?? [],
    shape: (init.shape ?? []).map((x) =>
      x !== null && !Array.isArray(x) ? (x as TensorShapeProto) : shapeToProto(x as Shape),
    ),
    tensor: init.tensor ?? [],
  });
  return create(AttrValueSchema, { value: { case: 'list', value: list } });
}

/** Typed readers: return `undefined` when the attr is absent, throw when it has another kind. */
function kindError(name: string, want: string, got: AttrValue): InvalidArgumentError {
  return new InvalidArgumentError(`Attr '${name}' has value ${attrValueString(got)} that is not a ${want}`);
}

/** The `type` of attr `name`, or `undefined` when absent. */
export function getAttrType(attrs: Record<string, AttrValue>, name: string): DataType | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'type') throw kindError(name, 'type', a);
  return a.value.value;
}
/** The `i` of attr `name` as a number, or `undefined` when absent. */
export function getAttrInt(attrs: Record<string, AttrValue>, name: string): number | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'i') throw kindError(name, 'int', a);
  return Number(a.value.value);
}
/** The `b` of attr `name`, or `undefined` when absent. */
export function getAttrBool(attrs: Record<string, AttrValue>, name: string): boolean | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'b') throw kindError(name, 'bool', a);
  return a.value.value;
}
/** The `f` of attr `name`, or `undefined` when absent. */
export function getAttrFloat(attrs: Record<string, AttrValue>, name: string): number | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'f') throw kindError(name, 'float', a);
  return a.value.value;
}
/** The `s` of attr `name` decoded as UTF-8, or `undefined` when absent. */
export function getAttrString(attrs: Record<string, AttrValue>, name: string): string | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 's') throw kindError(name, 'string', a);
  return utf8Decode(a.value.value);
}
/** The `shape` of attr `name` as a {@link Shape}, or `undefined` when absent. */
export function getAttrShape(attrs: Record<string, AttrValue>, name: string): Shape | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'shape') throw kindError(name, 'shape', a);
  return shapeFromProto(a.value.value);
}
/** The `tensor` of attr `name`, or `undefined` when absent. */
export function getAttrTensor(attrs: Record<string, AttrValue>, name: string): TensorProto | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'tensor') throw kindError(name, 'tensor', a);
  return a.value.value;
}
/** The `list.type` of attr `name`, or `undefined` when absent. */
export function getAttrTypeList(attrs: Record<string, AttrValue>, name: string): DataType[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'list') throw kindError(name, 'list(type)', a);
  return [...a.value.value.type];
}
/** The `list.i` of attr `name` as numbers, or `undefined` when absent. */
export function getAttrIntList(attrs: Record<string, AttrValue>, name: string): number[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'list') throw kindError(name, 'list(int)', a);
  return a.value.value.i.map((x) => Number(x));
}
/** The `list.s` of attr `name` decoded as UTF-8, or `undefined` when absent. */
export function getAttrStringList(attrs: Record<string, AttrValue>, name: string): string[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'list') throw kindError(name, 'list(string)', a);
  return a.value.value.s.map((x) => utf8Decode(x));
}
/** The `list.shape` of attr `name`, or `undefined` when absent. */
export function getAttrShapeList(attrs: Record<string, AttrValue>, name: string): Shape[] | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.value.case !== 'list') throw kindError(name, 'list(shape)', a);
  return a.value.value.shape.map((x) => shapeFromProto(x));
}

/** Structural equality of two AttrValues (TF's `AreAttrValuesEqual` for the cases we produce). */
export function attrValuesEqual(a: AttrValue, b: AttrValue): boolean {
  return equals(AttrValueSchema, a, b);
}

/** The kind of an AttrValue as an OpDef attr type (`'type'`, `'list(int)'`, ...); `list {}` -> `'list'`. */
export function attrValueKind(a: AttrValue): string {
  switch (a.value.case) {
    case 's': return 'string';
    case 'i': return 'int';
    case 'f': return 'float';
    case 'b': return 'bool';
    case 'type': return 'type';
    case 'shape': return 'shape';
    case 'tensor': return 'tensor';
    case 'func': return 'func';
    case 'placeholder': return 'placeholder';
    case 'list': {
      const l = a.value.value;
      if (l.s.length) return 'list(string)';
      if (l.i.length) return 'list(int)';
      if (l.f.length) return 'list(float)';
      if (l.b.length) return 'list(bool)';
      if (l.type.length) return 'list(type)';
      if (l.shape.length) return 'list(shape)';
      if (l.tensor.length) return 'list(tensor)';
      if (l.func.length) return 'list(func)';
      return 'list';
    }
    default: return 'none';
  }
}

/** A short debug rendering in the style of TF's `SummarizeAttrValue` (`DT_FLOAT`, `[1, 2]`, `"x"`). */
export function attrValueString(a: AttrValue): string {
  const v = a.value;
  switch (v.case) {
    case 's': return `"${utf8Decode(v.value)}"`;
    case 'i': return String(v.value);
    case 'f': return String(v.value);
    case 'b': return v.value ? 'true' : 'false';
    case 'type': return `DT_${dataTypeString(v.value).toUpperCase()}`;
    case 'shape': {
      const s = shapeFromProto(v.value);
      return s === null ? '<unknown>' : `[${s.map((d) => (d === null ? '?' : d)).join(',')}]`;
    }
    case 'tensor': return '<Tensor>';
    case 'func': return v.value.name;
    case 'placeholder': return `$${v.value}`;
    case 'list': {
      const l = v.value;
      const parts: string[] = [
        ...l.s.map((x) => `"${utf8Decode(x)}"`),
        ...l.i.map(String),
        ...l.f.map(String),
        ...l.b.map((x) => (x ? 'true' : 'false')),
        ...l.type.map((t) => `DT_${dataTypeString(t).toUpperCase()}`),
        ...l.shape.map((s) => attrValueString(attrShape(s))),
        ...l.func.map((f) => f.name),
      ];
      return `[${parts.join(', ')}]`;
    }
    default: return '<Unknown AttrValue type>';
  }
}
