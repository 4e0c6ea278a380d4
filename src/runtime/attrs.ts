/**
 * Typed access to a node's attributes (`NodeDef.attr`), as kernels see them through
 * `KernelContext.attrs`. Every getter names the node and the attribute in its error.
 */
import { InvalidArgumentError } from '../errors.js';
import type { AttrValue, NameAttrList, TensorProto, TensorShapeProto } from '../proto/index.js';
import { baseDtype, type DType } from '../tensor/dtype.js';
import { utf8Decode } from '../util/bytes.js';

/** A function reference attr (`func {name, attr}`). */
export interface FuncAttr {
  readonly name: string;
  readonly attr: { readonly [key: string]: AttrValue };
}

function shapeFromProto(s: TensorShapeProto): number[] | null {
  if (s.unknownRank) return null;
  return s.dim.map((d) => Number(d.size));
}

/** Read-only, typed view of a node's attrs. */
export class Attrs {
  constructor(
    /** The raw attr map. */
    readonly raw: { readonly [key: string]: AttrValue },
    /** The node these attrs belong to (for messages). */
    readonly nodeName: string,
    /** The op type (for messages). */
    readonly op: string,
  ) {}

  private get(name: string, kind: string): AttrValue['value'] {
    const v = this.raw[name];
    if (v === undefined || v.value.case === undefined) {
      throw new InvalidArgumentError(`NodeDef missing attr '${name}' from Op<name=${this.op}>; NodeDef: {{node ${this.nodeName}}}`);
    }
    if (v.value.case !== kind) {
      throw new InvalidArgumentError(`Attr '${name}' of node ${this.nodeName} has type ${v.value.case}, expected ${kind}`);
    }
    return v.value;
  }

  /** True when the attr is present (set to something). */
  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v.value.case !== undefined;
  }

  /** A `type` attr as a dtype (ref types map to their base type). */
  type(name: string): DType {
    return baseDtype((this.get(name, 'type') as { value: number }).value);
  }

  /** True when a `type` attr is a `*_REF` type. */
  isRefType(name: string): boolean {
    return (this.get(name, 'type') as { value: number }).value > 100;
  }

  /** An `int` attr (checked to be a safe integer). */
  int(name: string, dflt?: number): number {
    if (dflt !== undefined && !this.has(name)) return dflt;
    const v = (this.get(name, 'i') as { value: bigint }).value;
    return Number(v);
  }

  /** An `int` attr as bigint (seeds). */
  bigint(name: string, dflt?: bigint): bigint {
    if (dflt !== undefined && !this.has(name)) return dflt;
    return (this.get(name, 'i') as { value: bigint }).value;
  }

  /** A `float` attr. */
  float(name: string, dflt?: number): number {
    if (dflt !== undefined && !this.has(name)) return dflt;
    return (this.get(name, 'f') as { value: number }).value;
  }

  /** A `bool` attr. */
  bool(name: string, dflt?: boolean): boolean {
    if (dflt !== undefined && !this.has(name)) return dflt;
    return (this.get(name, 'b') as { value: boolean }).value;
  }

  /** A `string` attr, UTF-8 decoded. */
  string(name: string, dflt?: string): string {
    if (dflt !== undefined && !this.has(name)) return dflt;
    return utf8Decode((this.get(name, 's') as { value: Uint8Array }).value);
  }

  /** A `string` attr as bytes. */
  bytes(name: string): Uint8Array {
    return (this.get(name, 's') as { value: Uint8Array }).value;
  }

  /** A `shape` attr: dims (-1 unknown) or null for unknown rank. */
  shape(name: string): number[] | null {
    return shapeFromProto((this.get(name, 'shape') as { value: TensorShapeProto }).value);
  }

  /** A `tensor` attr (the raw TensorProto; decode with `decodeTensorProto`). */
  tensor(name: string): TensorProto {
    return (this.get(name, 'tensor') as { value: TensorProto }).value;
  }

  /** A `func` attr. */
  func(name: string): FuncAttr {
    const f = (this.get(name, 'func') as { value: NameAttrList }).value;
    return { name: f.name, attr: f.attr };
  }

  private list(name: string): NonNullable<Extract<AttrValue['value'], { case: 'list' }>['value']> | undefined {
    const v = this.raw[name];
    if (v === undefined || v.value.case === undefined) return undefined;
    if (v.value.case !== 'list') throw new InvalidArgumentError(`Attr '${name}' of node ${this.nodeName} is not a list`);
    return v.value.value;
  }

  /** A `list(int)` attr (empty when unset and `dflt` given). */
  ints(name: string, dflt?: number[]): number[] {
    const l = this.list(name);
    if (l === undefined) {
      if (dflt !== undefined) return dflt;
      this.get(name, 'list');
      return [];
    }
    return l.i.map((x) => Number(x));
  }

  /** A `list(float)` attr. */
  floats(name: string, dflt?: number[]): number[] {
    const l = this.list(name);
    if (l === undefined) return dflt ?? [];
    return l.f.slice();
  }

  /** A `list(type)` attr. */
  types(name: string): DType[] {
    const l = this.list(name);
    return l === undefined ? [] : l.type.map((t) => baseDtype(t));
  }

  /** A `list(string)` attr. */
  strings(name: string): string[] {
    const l = this.list(name);
    return l === undefined ? [] : l.s.map((b) => utf8Decode(b));
  }

  /** A `list(shape)` attr. */
  shapes(name: string): (number[] | null)[] {
    const l = this.list(name);
    return l === undefined ? [] : l.shape.map(shapeFromProto);
  }

  /** A `list(func)` attr. */
  funcs(name: string): FuncAttr[] {
    const l = this.list(name);
    return l === undefined ? [] : l.func.map((f) => ({ name: f.name, attr: f.attr }));
  }
}
