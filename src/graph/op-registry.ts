/**
 * The op registry of the graph layer: one `OpDef` per op type, exactly as TensorFlow 2.21's registry
 * has them (decoded once, on first use, from `ops/op-defs.generated.ts`), plus an optional static
 * shape function per op. Kernels live in the runtime's kernel registry, keyed by the same op type.
 *
 * Also here: the NodeDef <-> OpDef algebra TensorFlow uses everywhere — default attrs
 * ({@link addDefaultAttrs}, {@link stripDefaultAttrs}), input/output dtypes from attrs
 * ({@link inputTypes}, {@link outputTypes}), argument ranges, and `ValidateNodeDef` with TF's texts.
 *
 * Nothing registers itself on import: built-in OpDefs are decoded lazily; users add custom ops with
 * {@link registerOp}.
 */
import { clone, create } from '@bufbuild/protobuf';
import {
  AttrValueSchema,
  DataType,
  NodeDefSchema,
  OpDefSchema,
  OpListSchema,
  decodeProto,
  type AttrValue,
  type GraphDef,
  type NodeDef,
  type OpList,
  type OpDef,
  type OpDef_ArgDef,
} from '../proto/index.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { attrValueKind, attrValueString, attrValuesEqual } from './attr.js';
import { dataTypeString, refType } from './dtypes.js';
import { OP_DEFS_BASE64 } from './ops/op-defs.generated.js';
import type { ShapeFn } from './shape-context.js';
import { BUILTIN_SHAPE_FNS } from './shape-fns.js';

/** One registry entry. */
export interface RegisteredOp {
  /** The op's definition (treat as read-only). */
  readonly opDef: OpDef;
  /** Static shape inference, when known. */
  readonly shapeFn?: ShapeFn;
  /** True for ops shipped with tfpersist (TF's own OpDefs), false for {@link registerOp}. */
  readonly builtin: boolean;
}

/** Options of {@link registerOp}. */
export interface RegisterOpOptions {
  /** Static shape function (outputs unknown when absent). */
  shapeFn?: ShapeFn;
  /** Replace an existing registration instead of throwing `AlreadyExistsError`. */
  replace?: boolean;
}

let registry: Map<string, RegisteredOp> | undefined;

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function ops(): Map<string, RegisteredOp> {
  if (registry === undefined) {
    const list = decodeProto(OpListSchema, base64ToBytes(OP_DEFS_BASE64), { source: 'op-defs.generated.ts' });
    registry = new Map();
    for (const opDef of list.op) {
      const shapeFn: ShapeFn | undefined = BUILTIN_SHAPE_FNS[opDef.name];
      registry.set(opDef.name, shapeFn ? { opDef, shapeFn, builtin: true } : { opDef, builtin: true });
    }
  }
  return registry;
}

/** The registered OpDef of `type`, or `undefined`. */
export function getOpDef(type: string): OpDef | undefined {
  return ops().get(type)?.opDef;
}

/** The registry entry of `type`, or `undefined`. */
export function getRegisteredOp(type: string): RegisteredOp | undefined {
  return ops().get(type);
}

/** TensorFlow's "Op type not registered" NotFoundError. */
export function opNotRegisteredError(type: string): NotFoundError {
  return new NotFoundError(
    `Op type not registered '${type}' in binary running on tfpersist. Make sure the Op and Kernel are ` +
      'registered in the binary running in this process. Note that if you are loading a saved graph which ' +
      'used ops from tf.contrib (e.g. `tf.contrib.resampler`), accessing should be done before importing ' +
      'the graph, as contrib ops are lazily registered when the module is first accessed.',
  );
}

/** The registered OpDef of `type`; throws TF's `NotFoundError` when unknown. */
export function requireOpDef(type: string): OpDef {
  const e = ops().get(type);
  if (e === undefined) throw opNotRegisteredError(type);
  return e.opDef;
}

/**
 * Registers a custom op (the graph half; its kernel goes to the runtime's `registerKernel`). The
 * OpDef is checked (every type_attr / number_attr / type_list_attr names an attr of the right type).
 */
export function registerOp(opDef: OpDef, options: RegisterOpOptions = {}): void {
  const m = ops();
  if (!/^[A-Z_][A-Za-z0-9_]*$/.test(opDef.name)) {
    throw new InvalidArgumentError(`Invalid name: ${opDef.name} (Did you use CamelCase?)`);
  }
  if (m.has(opDef.name) && !options.replace) {
    throw new AlreadyExistsError(`Op with name ${opDef.name} already registered`);
  }
  const attrTypes = new Map(opDef.attr.map((a) => [a.name, a.type]));
  for (const arg of [...opDef.inputArg, ...opDef.outputArg]) {
    const check = (attr: string, want: string): void => {
      if (!attr) return;
      const t = attrTypes.get(attr);
      if (t === undefined) {
        throw new InvalidArgumentError(`Attr '${attr}' referenced by arg '${arg.name}' not found in Op ${opDef.name}`);
      }
      if (t !== want) {
        throw new InvalidArgumentError(
          `Attr '${attr}' used as ${want} for arg '${arg.name}' has type ${t} in Op ${opDef.name}`,
        );
      }
    };
    check(arg.typeAttr, 'type');
    check(arg.numberAttr, 'int');
    check(arg.typeListAttr, 'list(type)');
    if (!arg.typeAttr && !arg.typeListAttr && arg.type === DataType.DT_INVALID) {
      throw new InvalidArgumentError(`Arg '${arg.name}' of Op ${opDef.name} has no type`);
    }
  }
  const def = clone(OpDefSchema, opDef);
  m.set(def.name, options.shapeFn ? { opDef: def, shapeFn: options.shapeFn, builtin: false } : { opDef: def, builtin: false });
}

/** Names of every registered op, sorted. */
export function listOps(): string[] {
  return [...ops().keys()].sort();
}

// ------------------------------------------------------------------------------------------------
// NodeDef algebra

/** Adds every attr the OpDef gives a default for and the NodeDef lacks (TF's `AddDefaultsToNodeDef`). Mutates and returns `node`. */
export function addDefaultAttrs(node: NodeDef, opDef: OpDef = requireOpDef(node.op)): NodeDef {
  for (const a of opDef.attr) {
    if (node.attr[a.name] === undefined && a.defaultValue !== undefined) {
      node.attr[a.name] = clone(AttrValueSchema, a.defaultValue);
    }
  }
  return node;
}

/**
 * Removes attrs whose value equals the OpDef default (meta_graph's `strip_default_attrs`). Unknown ops
 * are left alone. Mutates and returns `node`.
 */
export function stripDefaultAttrs(node: NodeDef, opDef: OpDef | undefined = getOpDef(node.op)): NodeDef {
  if (opDef === undefined) return node;
  for (const a of opDef.attr) {
    const v = node.attr[a.name];
    if (v !== undefined && a.defaultValue !== undefined && attrValuesEqual(v, a.defaultValue)) {
      delete node.attr[a.name];
    }
  }
  return node;
}

function argTypes(arg: OpDef_ArgDef, attrs: Record<string, AttrValue>, node: string, op: OpDef): DataType[] {
  const typeOf = (attrName: string): DataType => {
    const v = attrs[attrName];
    if (v === undefined) throw missingAttr(attrName, node, op);
    if (v.value.case !== 'type') {
      throw new InvalidArgumentError(`AttrValue had value with type '${attrValueKind(v)}' when 'type' expected\n\t for attr '${attrName}'\n\t; NodeDef: ${node}; ${opSummary(op)}`);
    }
    return v.value.value;
  };
  let out: DataType[];
  if (arg.numberAttr) {
    const n = attrs[arg.numberAttr];
    if (n === undefined) throw missingAttr(arg.numberAttr, node, op);
    if (n.value.case !== 'i') throw new InvalidArgumentError(`Attr '${arg.numberAttr}' must be an int; NodeDef: ${node}`);
    const count = Number(n.value.value);
    if (count < 0) throw new InvalidArgumentError(`Value for number_attr() ${count} < 0`);
    const t = arg.typeAttr ? typeOf(arg.typeAttr) : arg.type;
    out = new Array<DataType>(count).fill(t);
  } else if (arg.typeListAttr) {
    const v = attrs[arg.typeListAttr];
    if (v === undefined) throw missingAttr(arg.typeListAttr, node, op);
    if (v.value.case !== 'list') throw new InvalidArgumentError(`Attr '${arg.typeListAttr}' must be a list(type); NodeDef: ${node}`);
    out = [...v.value.value.type];
  } else if (arg.typeAttr) {
    out = [typeOf(arg.typeAttr)];
  } else {
    out = [arg.type];
  }
  return arg.isRef ? out.map(refType) : out;
}

function missingAttr(name: string, node: string, op: OpDef): InvalidArgumentError {
  return new InvalidArgumentError(`NodeDef missing attr '${name}' from ${opSummary(op)}; NodeDef: ${node}`);
}

/** Per-arg dtypes of the inputs or outputs of a node (one array per ArgDef). */
export function argTypeLists(node: NodeDef, which: 'input' | 'output', opDef: OpDef = requireOpDef(node.op)): DataType[][] {
  const args = which === 'input' ? opDef.inputArg : opDef.outputArg;
  return args.map((a) => argTypes(a, node.attr, nodeSummary(node), opDef));
}

/** Input dtypes of a node, flattened (ref inputs as `*_REF`), TF's `InOutTypesForNode`. */
export function inputTypes(node: NodeDef, opDef: OpDef = requireOpDef(node.op)): DataType[] {
  return argTypeLists(node, 'input', opDef).flat();
}

/** Output dtypes of a node, flattened (ref outputs as `*_REF`), TF's `InOutTypesForNode`. */
export function outputTypes(node: NodeDef, opDef: OpDef = requireOpDef(node.op)): DataType[] {
  return argTypeLists(node, 'output', opDef).flat();
}

/**
 * Flat index ranges `[start, end)` of each named output (or input) arg, TF's `NameRangesForNode`; used
 * to resolve FunctionDef references like `node:out_arg:k`.
 */
export function argRanges(node: NodeDef, which: 'input' | 'output', opDef: OpDef = requireOpDef(node.op)): Map<string, [number, number]> {
  const lists = argTypeLists(node, which, opDef);
  const args = which === 'input' ? opDef.inputArg : opDef.outputArg;
  const m = new Map<string, [number, number]>();
  let at = 0;
  args.forEach((a, i) => {
    const n = lists[i]?.length ?? 0;
    m.set(a.name, [at, at + n]);
    at += n;
  });
  return m;
}

/** TF's `SummarizeOpDef`-like rendering: `Op<name=Add; signature=x:T, y:T -> z:T; attr=T:type,allowed=[...]>`. */
export function opSummary(op: OpDef): string {
  const arg = (a: OpDef_ArgDef): string => {
    let t = a.typeListAttr || a.typeAttr || dataTypeString(a.type);
    if (a.numberAttr) t = `${a.numberAttr}*${t}`;
    return `${a.name}:${a.isRef ? 'Ref(' + t + ')' : t}`;
  };
  const attrs = op.attr.map((a) => {
    let s = `${a.name}:${a.type}`;
    if (a.defaultValue !== undefined) s += `,default=${attrValueString(a.defaultValue)}`;
    if (a.hasMinimum) s += `,min=${a.minimum}`;
    if (a.allowedValues !== undefined) s += `,allowed=${attrValueString(a.allowedValues)}`;
    return `attr=${s}`;
  });
  const parts = [`name=${op.name}`, `signature=${op.inputArg.map(arg).join(', ')} -> ${op.outputArg.map(arg).join(', ')}`, ...attrs];
  if (op.isCommutative) parts.push('is_commutative=true');
  if (op.isAggregate) parts.push('is_aggregate=true');
  if (op.isStateful) parts.push('is_stateful=true');
  if (op.allowsUninitializedInput) parts.push('allows_uninitialized_input=true');
  return `Op<${parts.join('; ')}>`;
}

/** TF's `FormatNodeDefForError`-like rendering: `{{node name}}`. */
export function nodeSummary(node: NodeDef): string {
  return `{{node ${node.name}}}`;
}

/** TF's `SummarizeNodeDef`-like rendering for shape errors: `{{node add}} = AddV2[T=DT_FLOAT](x, y)`. */
export function nodeDebugString(node: NodeDef): string {
  const attrs = Object.keys(node.attr)
    .filter((k) => !k.startsWith('_'))
    .sort()
    .map((k) => `${k}=${attrValueString(node.attr[k] as AttrValue)}`);
  return `{{node ${node.name}}} = ${node.op}[${attrs.join(', ')}](${node.input.join(', ')})`;
}

function allowedContains(allowed: AttrValue, v: AttrValue): boolean {
  if (allowed.value.case !== 'list') return true;
  const l = allowed.value.value;
  if (v.value.case === 'type') return l.type.includes(v.value.value);
  if (v.value.case === 's') {
    const s = new TextDecoder().decode(v.value.value);
    return l.s.some((x) => new TextDecoder().decode(x) === s);
  }
  if (v.value.case === 'list') {
    const vl = v.value.value;
    return vl.type.every((t) => l.type.includes(t));
  }
  return true;
}

/**
 * TF's `ValidateNodeDef`: every non-`_` attr is in the OpDef, every OpDef attr is present, values have
 * the attr's type, lie in `allowed_values` and respect `minimum`, and the number of data inputs matches.
 * Call after {@link addDefaultAttrs}. Throws `InvalidArgumentError` with TF's wording. With
 * `allowUnknownAttrs` (what `import_graph_def` does: TF keeps such attrs) extra attrs pass.
 */
export function validateNodeDef(node: NodeDef, opDef: OpDef = requireOpDef(node.op), options: { allowUnknownAttrs?: boolean } = {}): void {
  const where = nodeSummary(node);
  const attrDefs = new Map(opDef.attr.map((a) => [a.name, a]));
  for (const name of Object.keys(node.attr)) {
    if (name.startsWith('_') || options.allowUnknownAttrs) continue;
    if (!attrDefs.has(name)) {
      throw new InvalidArgumentError(
        `NodeDef mentions attr '${name}' not in ${opSummary(opDef)}; NodeDef: ${where}. (Check whether your ` +
          'GraphDef-interpreting binary is up to date with your GraphDef-generating binary.).',
      );
    }
  }
  for (const a of opDef.attr) {
    const v = node.attr[a.name];
    if (v === undefined) throw missingAttr(a.name, where, opDef);
    const kind = attrValueKind(v);
    const listOk = a.type.startsWith('list(') && kind === 'list';
    if (kind !== a.type && !listOk) {
      throw new InvalidArgumentError(
        `AttrValue had value with type '${kind}' when '${a.type}' expected\n\t for attr '${a.name}'\n\t; NodeDef: ${where}; ${opSummary(opDef)}`,
      );
    }
    if (a.allowedValues !== undefined && !allowedContains(a.allowedValues, v)) {
      throw new InvalidArgumentError(
        `Value for attr '${a.name}' of ${attrValueString(v)} is not in the list of allowed values: ` +
          `${attrValueString(a.allowedValues).replace(/^\[|\]$/g, '')}\n\t; NodeDef: ${where}; ${opSummary(opDef)}`,
      );
    }
    if (a.hasMinimum) {
      const min = a.minimum;
      const n = v.value.case === 'i' ? v.value.value
        : v.value.case === 'list' ? BigInt(Math.max(v.value.value.type.length, v.value.value.i.length, v.value.value.s.length, v.value.value.shape.length, v.value.value.f.length, v.value.value.b.length, v.value.value.func.length)) : min;
      if (n < min) {
        throw new InvalidArgumentError(
          v.value.case === 'i'
            ? `Value for attr '${a.name}' of ${n} must be at least minimum ${min}\n\t; NodeDef: ${where}; ${opSummary(opDef)}`
            : `Length for attr '${a.name}' of ${n} must be at least minimum ${min}\n\t; NodeDef: ${where}; ${opSummary(opDef)}`,
        );
      }
    }
  }
  const want = inputTypes(node, opDef);
  const have = node.input.filter((s) => !s.startsWith('^')).length;
  if (want.length !== have) {
    throw new InvalidArgumentError(
      `NodeDef expected inputs '${want.map(dataTypeString).join(', ')}' do not match ${have} inputs specified; ` +
        `${opSummary(opDef)}; NodeDef: ${where}`,
    );
  }
  for (let i = 0, seenControl = false; i < node.input.length; i++) {
    const s = node.input[i] as string;
    if (s.startsWith('^')) seenControl = true;
    else if (seenControl) {
      throw new InvalidArgumentError(`Non-control input '${s}' after control input in NodeDef: ${where}`);
    }
  }
}

/**
 * `meta_graph.stripped_op_list_for_graph`: the registered OpDefs of every op type used by the graph's
 * nodes and by the library functions they reach (a node whose op is a function, or the `f` of a
 * `PartitionedCall` / `StatefulPartitionedCall`; like TF, other func attrs such as `If` branches are
 * not followed), sorted by name; unregistered types and function names are skipped.
 */
export function strippedOpList(graphDef: GraphDef): OpList {
  const functions = new Map((graphDef.library?.function ?? []).map((f) => [f.signature?.name ?? '', f]));
  const used = new Set<string>();
  const todo: NodeDef[][] = [];
  const mark = (op: string): void => {
    if (!used.has(op)) {
      const f = functions.get(op);
      if (f !== undefined) todo.push(f.nodeDef);
    }
    used.add(op);
  };
  const visit = (n: NodeDef): void => {
    mark(n.op);
    if (n.op === 'PartitionedCall' || n.op === 'StatefulPartitionedCall') {
      const f = n.attr['f'];
      mark(f?.value.case === 'func' ? f.value.value.name : '');
    }
  };
  graphDef.node.forEach(visit);
  for (let body = todo.pop(); body !== undefined; body = todo.pop()) body.forEach(visit);
  const op: OpDef[] = [];
  for (const name of [...used].sort()) {
    if (functions.has(name)) continue;
    const d = getOpDef(name);
    if (d !== undefined) op.push(clone(OpDefSchema, d));
  }
  return create(OpListSchema, { op });
}

/** A fresh NodeDef with the given fields (convenience for tests and custom-op users). */
export function makeNodeDef(init: { name: string; op: string; input?: string[]; device?: string; attr?: Record<string, AttrValue> }): NodeDef {
  return create(NodeDefSchema, {
    name: init.name,
    op: init.op,
    input: init.input ?? [],
    device: init.device ?? '',
    attr: init.attr ?? {},
  });
}
