/**
 * `applyOp`: Python's `op_def_library._apply_op_helper` — creates an op of a registered type from
 * named inputs and loosely typed attrs: infers type / number / type-list attrs from the inputs,
 * converts plain JS values to `Const` nodes named after the input arg inside the op's name scope
 * (`Reshape/shape`, `AddV2/y`), reads variables (`MatMul/ReadVariableOp`), converts attrs by the OpDef's
 * attr types, checks allowed values with TF's texts, and names the op under the current scope.
 */
import {
  DataType,
  type AttrValue,
  type OpDef_ArgDef,
  type OpDef_AttrDef,
  type TensorProto,
} from '../../proto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { encodeTensorProto } from '../../tensor/tensor-proto.js';
import { tensorValueFromArray, type TensorValue } from '../../tensor/tensor-value.js';
import { dtypeFromEnum, dtypeToEnum, type DType } from '../../tensor/dtype.js';
import { attrB, attrF, attrFunc, attrI, attrList, attrS, attrShape, attrTensor, attrType } from '../attr.js';
import { baseType, dtypeName, isFloating, isInteger, isRefType, toDataType, type DTypeLike } from '../dtypes.js';
import type { Graph } from '../graph.js';
import { requireOpDef } from '../op-registry.js';
import type { Operation } from '../operation.js';
import { Output } from '../output.js';
import { shapeToProto, type Shape } from '../shape.js';
import { Variable } from '../variable.js';

/** A JS value that can become a constant: numbers, booleans, strings, bigints, nested arrays, or a TensorValue. */
export type ConstantValue = number | boolean | string | bigint | Uint8Array | TensorValue | readonly unknown[];

/** Anything an op input accepts: an Output, a Variable (read), or a constant value. */
export type TensorLike = Output | Variable | ConstantValue;

/** An attr value, converted according to the OpDef attr type; an `AttrValue` is taken as is. */
export type AttrLike =
  | AttrValue
  | number
  | bigint
  | boolean
  | string
  | Shape
  | TensorProto
  | readonly (number | bigint | boolean | string | Shape | DataType)[]
  | { func: string; attr?: Record<string, AttrValue> };

function isAttrValue(x: unknown): x is AttrValue {
  return typeof x === 'object' && x !== null && (x as { $typeName?: string }).$typeName === 'tensorflow.AttrValue';
}
function isTensorProto(x: unknown): x is TensorProto {
  return typeof x === 'object' && x !== null && (x as { $typeName?: string }).$typeName === 'tensorflow.TensorProto';
}
/** True for a decoded TensorValue (`{dtype, shape, data}`). */
export function isTensorValue(x: unknown): x is TensorValue {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'dtype' in x && 'shape' in x && 'data' in x;
}

/** Converts a loosely typed attr to an `AttrValue` of the OpDef attr type `type`. */
export function toAttrValue(type: string, v: AttrLike, attrName = ''): AttrValue {
  if (isAttrValue(v)) return v;
  const bad = (): InvalidArgumentError =>
    new InvalidArgumentError(`Expected ${type} for argument '${attrName}' not ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}.`);
  switch (type) {
    case 'string': if (typeof v === 'string' || v instanceof Uint8Array) return attrS(v as string); throw bad();
    case 'int': if (typeof v === 'number' || typeof v === 'bigint') return attrI(v); throw bad();
    case 'float': if (typeof v === 'number') return attrF(v); throw bad();
    case 'bool': if (typeof v === 'boolean') return attrB(v); throw bad();
    case 'type': if (typeof v === 'number' || typeof v === 'string') return attrType(toDataType(v as DTypeLike)); throw bad();
    case 'shape': if (v === null || Array.isArray(v)) return attrShape(v as Shape); throw bad();
    case 'tensor': if (isTensorProto(v)) return attrTensor(v); throw bad();
    case 'func':
      if (typeof v === 'string') return attrFunc(v);
      if (typeof v === 'object' && v !== null && 'func' in v) return attrFunc(v.func, v.attr ?? {});
      throw bad();
    case 'list(string)': if (Array.isArray(v)) return attrList({ s: v as unknown as string[] }); throw bad();
    case 'list(int)': if (Array.isArray(v)) return attrList({ i: v as number[] }); throw bad();
    case 'list(float)': if (Array.isArray(v)) return attrList({ f: v as number[] }); throw bad();
    case 'list(bool)': if (Array.isArray(v)) return attrList({ b: v as unknown as boolean[] }); throw bad();
    case 'list(type)': if (Array.isArray(v)) return attrList({ type: (v as DTypeLike[]).map(toDataType) }); throw bad();
    case 'list(shape)': if (Array.isArray(v)) return attrList({ shape: v as Shape[] }); throw bad();
    default: throw new InvalidArgumentError(`Cannot convert a value to attr type ${type} (attr '${attrName}')`);
  }
}

/** The default dtype Python gives a JS value: float32 for non-integer numbers, int32 for integers, bool, string, int64 for bigint. */
export function inferDType(value: ConstantValue): DataType {
  if (isTensorValue(value)) return dtypeToEnum(value.dtype) as DataType;
  let sawFloat = false;
  let kind: 'num' | 'bool' | 'str' | 'big' | undefined;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) { x.forEach(visit); return; }
    if (typeof x === 'number') { kind ??= 'num'; if (!Number.isInteger(x)) sawFloat = true; }
    else if (typeof x === 'boolean') kind ??= 'bool';
    else if (typeof x === 'string' || x instanceof Uint8Array) kind ??= 'str';
    else if (typeof x === 'bigint') kind ??= 'big';
  };
  visit(value);
  switch (kind) {
    case 'bool': return DataType.DT_BOOL;
    case 'str': return DataType.DT_STRING;
    case 'big': return DataType.DT_INT64;
    case 'num': return sawFloat ? DataType.DT_FLOAT : DataType.DT_INT32;
    default: return DataType.DT_FLOAT; // [] -> float32, like numpy
  }
}

/**
 * Python's `make_tensor_proto(value, dtype, shape)`: with a `shape` and a single value the proto
 * stores that one value (TF broadcasts it on read), like `tf.zeros` / `tf.constant(0., shape=[3])`.
 */
export function makeTensorProto(value: ConstantValue, dtype?: DTypeLike, shape?: readonly number[]): TensorProto {
  const dt = dtype === undefined ? inferDType(value) : baseType(toDataType(dtype));
  const name: DType = dtypeFromEnum(dt);
  let tv: TensorValue;
  if (isTensorValue(value)) {
    tv = value.dtype === name ? value : tensorValueFromArray(name, tensorToNested(value), value.shape);
  } else {
    tv = tensorValueFromArray(name, value as unknown);
  }
  if (shape !== undefined) {
    const n = shape.reduce((a, b) => a * b, 1);
    const have = tv.shape.reduce((a, b) => a * b, 1);
    if (have === n) {
      tv = { ...tv, shape: [...shape] };
    } else if (have === 1) {
      const proto = encodeTensorProto(tv);
      proto.tensorShape = shapeToProto([...shape]);
      return proto;
    } else {
      throw new InvalidArgumentError(
        `Expected Tensor's shape: [${shape.join(', ')}], but got [${tv.shape.join(', ')}].`,
      );
    }
  }
  return encodeTensorProto(tv);
}

function tensorToNested(v: TensorValue): unknown[] {
  return Array.from(v.data as ArrayLike<unknown>);
}

/** Options of {@link applyOp}. */
export interface ApplyOpOptions {
  /** Op name (made unique in the current scope); default the op type. */
  name?: string;
  /** Extra control inputs. */
  controlInputs?: Operation[];
}

function typeListString(l: readonly DataType[]): string {
  return l.map((t) => dtypeName(t)).join(', ');
}

function allowedTypes(a: OpDef_AttrDef | undefined): DataType[] | undefined {
  const av = a?.allowedValues;
  if (av === undefined || av.value.case !== 'list') return undefined;
  return av.value.value.type.length ? [...av.value.value.type] : undefined;
}

/**
 * Creates a `Const` op from a JS value (`tf.constant` without its name scope handling): attrs `value`
 * and `dtype` only, like Python.
 */
export function constantOp(g: Graph, value: ConstantValue, options: { dtype?: DTypeLike; shape?: readonly number[]; name?: string } = {}): Output {
  const proto = makeTensorProto(value, options.dtype, options.shape);
  return g.createOp('Const', [], {
    name: options.name ?? 'Const',
    attrs: { value: attrTensor(proto), dtype: attrType(proto.dtype) },
  }).output(0);
}

/** Reads a Variable the way Python converts it to a tensor: the ref snapshot... see {@link convertToOutput}. */
export function readVariableValue(g: Graph, v: Variable, name = 'ReadVariableOp'): Output {
  if (!v.isResource) return v.snapshot;
  return g.createOp('ReadVariableOp', [v.handle], { name, attrs: { dtype: attrType(v.dtype) } }).output(0);
}

/**
 * Python's `ops.convert_to_tensor(value, dtype, name)`: Outputs pass through (dtype checked),
 * Variables are read (ref: the `read` snapshot; resource: a new `ReadVariableOp` in the current
 * scope), JS values become `Const` nodes named `name`.
 */
export function convertToOutput(g: Graph, value: TensorLike, options: { dtype?: DTypeLike; name?: string; asRef?: boolean } = {}): Output {
  if (value instanceof Output) {
    if (options.dtype !== undefined) {
      const want = baseType(toDataType(options.dtype));
      if (baseType(value.dtype) !== want) {
        throw new InvalidArgumentError(
          `Tensor conversion requested dtype ${dtypeName(want)} for Tensor with dtype ${dtypeName(baseType(value.dtype))}: ${value.toString()}`,
        );
      }
    }
    return value;
  }
  if (value instanceof Variable) {
    if (options.asRef) return value.handle;
    return readVariableValue(g, value);
  }
  return constantOp(g, value, { dtype: options.dtype, name: options.name ?? 'Const' });
}

/**
 * Creates an op of `type` from named inputs (`{x, y}`; list args take arrays) and attrs, Python
 * `op_def_library` style. Returns the Operation.
 */
export function applyOp(
  g: Graph,
  type: string,
  inputs: Record<string, TensorLike | readonly TensorLike[] | undefined>,
  attrs: Record<string, AttrLike | undefined> = {},
  options: ApplyOpOptions = {},
): Operation {
  const opDef = requireOpDef(type);
  const attrDefs = new Map(opDef.attr.map((a) => [a.name, a]));
  for (const k of Object.keys(inputs)) {
    if (!opDef.inputArg.some((a) => a.name === k)) {
      throw new InvalidArgumentError(`${type} got an unexpected keyword argument '${k}'`);
    }
  }
  return g.nameScope(options.name ?? type, (scope) => {
    const values: Record<string, AttrValue> = {};
    const inferred = new Map<string, DataType>();
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      const def = attrDefs.get(k);
      if (def === undefined) {
        if (k.startsWith('_') && isAttrValue(v)) { values[k] = v; continue; }
        throw new InvalidArgumentError(`${type} got an unexpected keyword argument '${k}'`);
      }
      values[k] = toAttrValue(def.type, v, k);
      if (def.type === 'type') inferred.set(k, (values[k] as AttrValue).value.value as DataType);
    }
    const flat: Output[] = [];
    for (const arg of opDef.inputArg) {
      const given = inputs[arg.name];
      if (given === undefined) throw new InvalidArgumentError(`${type} missing required argument '${arg.name}'`);
      const isList = !!(arg.numberAttr || arg.typeListAttr);
      if (isList) {
        if (!Array.isArray(given)) {
          throw new InvalidArgumentError(`Expected list for '${arg.name}' argument to '${type}' Op, not ${String(given)}.`);
        }
        const outs = (given as TensorLike[]).map((x) => convertInput(g, arg, x, inferred, attrDefs, `${arg.name}`));
        if (arg.numberAttr) {
          const n = outs.length;
          const prev = values[arg.numberAttr];
          if (prev !== undefined && prev.value.case === 'i' && Number(prev.value.value) !== n) {
            throw new InvalidArgumentError(`List argument '${arg.name}' to '${type}' Op with length ${n} must match length ${prev.value.value} of argument.`);
          }
          values[arg.numberAttr] = attrI(n);
          if (arg.typeAttr && outs.length) {
            const t0 = baseType((outs[0] as Output).dtype);
            for (const o of outs) {
              if (baseType(o.dtype) !== t0) {
                throw new InvalidArgumentError(`Tensors in list passed to '${arg.name}' of '${type}' Op have types [${outs.map((x) => dtypeName(baseType(x.dtype))).join(', ')}] that don't all match.`);
              }
            }
            setTypeAttr(arg.typeAttr, t0, arg.name);
          }
        } else {
          values[arg.typeListAttr] = attrList({ type: outs.map((o) => baseType(o.dtype)) });
        }
        flat.push(...outs);
      } else {
        if (Array.isArray(given) && (given as unknown[]).some((x) => x instanceof Output)) {
          throw new InvalidArgumentError(`Expected a single tensor for '${arg.name}' argument to '${type}' Op.`);
        }
        const o = convertInput(g, arg, given as TensorLike, inferred, attrDefs, arg.name);
        if (arg.isRef && !isRefType(o.dtype)) {
          throw new InvalidArgumentError(`'${type}' Op requires that input '${arg.name}' be a mutable tensor (e.g.: a tf.Variable)`);
        }
        if (arg.typeAttr) setTypeAttr(arg.typeAttr, baseType(o.dtype), arg.name);
        else if (baseType(o.dtype) !== arg.type) {
          throw new InvalidArgumentError(
            `Input '${arg.name}' of '${type}' Op has type ${dtypeName(baseType(o.dtype))} that does not match expected type of ${dtypeName(arg.type)}.`,
          );
        }
        flat.push(o);
      }
    }

    function setTypeAttr(attr: string, t: DataType, argName: string): void {
      const prev = inferred.get(attr);
      if (prev !== undefined && prev !== t) {
        const first = opDef.inputArg.find((a) => a.typeAttr === attr)?.name ?? attr;
        throw new InvalidArgumentError(
          `Input '${argName}' of '${type}' Op has type ${dtypeName(t)} that does not match type ${dtypeName(prev)} of argument '${first}'.`,
        );
      }
      const allowed = allowedTypes(attrDefs.get(attr));
      if (allowed !== undefined && !allowed.includes(t)) {
        throw new InvalidArgumentError(
          `Value passed to parameter '${argName}' has DataType ${dtypeName(t)} not in list of allowed values: ${typeListString(allowed)}`,
        );
      }
      inferred.set(attr, t);
      values[attr] = attrType(t);
    }

    for (const a of opDef.attr) {
      if (values[a.name] === undefined && a.defaultValue === undefined) {
        throw new InvalidArgumentError(`${type} missing required attr '${a.name}'`);
      }
    }
    // Python's _MaybeColocateWith: ops taking ref inputs are colocated with them
    const refInputs: Output[] = [];
    let at = 0;
    for (const arg of opDef.inputArg) {
      const n = arg.numberAttr || arg.typeListAttr ? (inputs[arg.name] as readonly unknown[]).length : 1;
      if (arg.isRef) refInputs.push(...flat.slice(at, at + n));
      at += n;
    }
    const create = (k: number): Operation =>
      k < refInputs.length
        ? g.colocateWith(refInputs[k] as Output, () => create(k + 1))
        : g.createOp(type, flat, { name: scope, attrs: values, controlInputs: options.controlInputs });
    return create(0);
  });
}

function convertInput(
  g: Graph,
  arg: OpDef_ArgDef,
  x: TensorLike,
  inferred: Map<string, DataType>,
  attrDefs: Map<string, OpDef_AttrDef>,
  name: string,
): Output {
  if (x instanceof Output) return x;
  if (x instanceof Variable) return arg.isRef || arg.type === DataType.DT_RESOURCE ? x.handle : readVariableValue(g, x);
  let dtype: DataType | undefined;
  if (arg.typeAttr) {
    dtype = inferred.get(arg.typeAttr);
    if (dtype === undefined) {
      // Python: convert_to_tensor(value, preferred_dtype=<the attr's default>), falling back to the
      // value's own dtype when the preferred one cannot hold it.
      const own = inferDType(x);
      const def = attrDefs.get(arg.typeAttr)?.defaultValue;
      const pref = def?.value.case === 'type' ? def.value.value : undefined;
      if (pref !== undefined && own === DataType.DT_INT32 && (isFloating(pref) || isInteger(pref))) dtype = pref;
      else if (pref !== undefined && own === DataType.DT_FLOAT && isFloating(pref)) dtype = pref;
      else dtype = own;
    }
  } else if (!arg.typeListAttr) {
    dtype = arg.type;
  }
  return constantOp(g, x as ConstantValue, { dtype, name });
}
