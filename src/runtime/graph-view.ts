/**
 * The runtime's parsed view of a graph: nodes with resolved data/control inputs and typed attrs,
 * built once per graph version (or once per FunctionDef). Plans are compiled from a view.
 */
import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { addDefaultAttrs, argRanges, getOpDef } from '../graph/op-registry.js';
import {
  AttrValueSchema,
  DataType,
  type AttrValue,
  type FunctionDef,
  type GraphDef,
  type NodeDef,
} from '../proto/index.js';
import { Attrs } from './attrs.js';

/** A data input: output `slot` of node `node` (an index into the view's nodes). */
export interface InputRef {
  readonly node: number;
  readonly slot: number;
}

/** One node of a view. */
export interface ViewNode {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  readonly attrs: Attrs;
  readonly inputs: InputRef[];
  readonly controlInputs: number[];
  /** The source NodeDef (with default attrs added when the op is known). */
  readonly def: NodeDef;
}

/** Anything the session accepts as a graph: a `GraphDef`, or a `Graph` with `toGraphDef()` + `version`. */
export type GraphLike = GraphDef | { toGraphDef(): GraphDef; readonly version: number };

/** A parsed graph or function body. */
export class GraphView {
  readonly byName = new Map<string, number>();
  constructor(
    readonly nodes: ViewNode[],
    /** Function library by name. */
    readonly library: ReadonlyMap<string, FunctionDef>,
  ) {
    for (const n of nodes) this.byName.set(n.name, n.index);
  }

  /** Index of a node by name, or throws NotFound. */
  nodeIndex(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) throw new NotFoundError(`The name '${name}' refers to an Operation not in the graph.`);
    return i;
  }
}

function withDefaults(def: NodeDef): NodeDef {
  const opDef = getOpDef(def.op);
  if (opDef === undefined) return def;
  let missing = false;
  for (const a of opDef.attr) if (def.attr[a.name] === undefined && a.defaultValue !== undefined) missing = true;
  if (!missing) return def;
  const copy: NodeDef = { ...def, attr: { ...def.attr } };
  return addDefaultAttrs(copy, opDef);
}

/** Parses `name`, `name:k`, `^name`. */
export function parseTensorName(s: string): { name: string; slot: number; control: boolean } {
  if (s.startsWith('^')) return { name: s.slice(1), slot: -1, control: true };
  const m = /^(.*):(\d+)$/.exec(s);
  if (m !== null) return { name: m[1]!, slot: Number(m[2]), control: false };
  return { name: s, slot: 0, control: false };
}

/** Builds a view of a GraphDef. */
export function viewOfGraphDef(gd: GraphDef): GraphView {
  const library = new Map<string, FunctionDef>();
  for (const f of gd.library?.function ?? []) library.set(f.signature?.name ?? '', f);
  const defs = gd.node.map(withDefaults);
  const byName = new Map<string, number>();
  defs.forEach((d, i) => {
    if (byName.has(d.name)) throw new InvalidArgumentError(`Node '${d.name}' is not unique`);
    byName.set(d.name, i);
  });
  const nodes: ViewNode[] = defs.map((def, index) => {
    const inputs: InputRef[] = [];
    const controlInputs: number[] = [];
    for (const s of def.input) {
      const t = parseTensorName(s);
      const src = byName.get(t.name);
      if (src === undefined) {
        throw new InvalidArgumentError(`Node '${def.name}': Unknown input node '${s}'`);
      }
      if (t.control) controlInputs.push(src);
      else inputs.push({ node: src, slot: t.slot });
    }
    return { index, name: def.name, op: def.op, attrs: new Attrs(def.attr, def.name, def.op), inputs, controlInputs, def };
  });
  return new GraphView(nodes, library);
}

function typeAttr(t: DataType): AttrValue {
  return create(AttrValueSchema, { value: { case: 'type', value: t } });
}
function intAttr(i: number): AttrValue {
  return create(AttrValueSchema, { value: { case: 'i', value: BigInt(i) } });
}

/** Substitutes `placeholder` attrs (`$T`) of a function body with the call's attrs. */
function substitute(attr: { [k: string]: AttrValue }, callAttrs: Readonly<Record<string, AttrValue>>): { [k: string]: AttrValue } {
  let out: { [k: string]: AttrValue } | undefined;
  for (const [k, v] of Object.entries(attr)) {
    if (v.value.case === 'placeholder') {
      const r = callAttrs[v.value.value];
      if (r === undefined) throw new InvalidArgumentError(`Attr ${v.value.value} is not found in the function call attrs`);
      out ??= { ...attr };
      out[k] = r;
    }
  }
  return out ?? attr;
}

/** Names of a function view's special nodes. */
export interface FunctionView {
  readonly view: GraphView;
  /** `_Arg` node indices, in argument order. */
  readonly args: number[];
  /** `_Retval` node indices, in output order. */
  readonly rets: number[];
  /** Nodes named by `control_ret` (run for their effects). */
  readonly controlRets: number[];
}

/**
 * Builds a view of a FunctionDef body: `_Arg` nodes for the inputs, `_Retval` nodes for the outputs,
 * and body inputs `node:out_arg:k` resolved through the OpDefs' output arg ranges (or the called
 * function's signature).
 */
export function viewOfFunction(
  fdef: FunctionDef,
  library: ReadonlyMap<string, FunctionDef>,
  callAttrs: Readonly<Record<string, AttrValue>> = {},
): FunctionView {
  const sig = fdef.signature;
  if (sig === undefined) throw new InvalidArgumentError('FunctionDef without a signature');
  const defs: NodeDef[] = [];
  const argNames = new Map<string, number>();
  sig.inputArg.forEach((a, i) => {
    let t: DataType = a.type;
    if (a.typeAttr) {
      const v = callAttrs[a.typeAttr] ?? fdef.attr[a.typeAttr];
      if (v?.value.case === 'type') t = v.value.value;
    }
    argNames.set(a.name, defs.length);
    defs.push({ name: a.name, op: '_Arg', input: [], device: '', attr: { T: typeAttr(t), index: intAttr(i) } } as unknown as NodeDef);
  });
  const bodyStart = defs.length;
  for (const nd of fdef.nodeDef) {
    defs.push(withDefaults({ ...nd, attr: substitute(nd.attr, callAttrs) } as NodeDef));
  }
  const byName = new Map<string, number>();
  defs.forEach((d, i) => byName.set(d.name, i));

  const outputIndex = (nodeIdx: number, outArg: string, k: number): number => {
    const def = defs[nodeIdx]!;
    const f = library.get(def.op);
    if (f !== undefined) {
      const j = f.signature?.outputArg.findIndex((a) => a.name === outArg) ?? -1;
      if (j < 0) throw new InvalidArgumentError(`Function ${def.op} has no output '${outArg}' (node ${def.name})`);
      return j + k;
    }
    const opDef = getOpDef(def.op);
    if (opDef === undefined) throw new NotFoundError(`Op type not registered '${def.op}' (node ${def.name} in function ${sig.name})`);
    const r = argRanges(def, 'output', opDef).get(outArg);
    if (r === undefined) throw new InvalidArgumentError(`Op ${def.op} has no output '${outArg}' (node ${def.name} in function ${sig.name})`);
    if (r[0] + k >= r[1]) throw new InvalidArgumentError(`Output '${outArg}:${k}' out of range for node ${def.name}`);
    return r[0] + k;
  };
  const resolve = (s: string, where: string): { control: boolean; ref: InputRef } => {
    if (s.startsWith('^')) {
      const i = byName.get(s.slice(1));
      if (i === undefined) throw new InvalidArgumentError(`${where}: unknown control input '${s}' in function ${sig.name}`);
      return { control: true, ref: { node: i, slot: -1 } };
    }
    const parts = s.split(':');
    if (parts.length === 1) {
      const i = argNames.get(s);
      if (i === undefined) throw new InvalidArgumentError(`${where}: unknown input '${s}' in function ${sig.name}`);
      return { control: false, ref: { node: i, slot: 0 } };
    }
    const i = byName.get(parts[0]!);
    if (i === undefined || i < bodyStart) throw new InvalidArgumentError(`${where}: unknown input '${s}' in function ${sig.name}`);
    const k = parts.length >= 3 ? Number(parts[2]) : 0;
    return { control: false, ref: { node: i, slot: outputIndex(i, parts[1]!, k) } };
  };

  const rets: number[] = [];
  sig.outputArg.forEach((a, i) => {
    const src = fdef.ret[a.name];
    if (src === undefined) throw new InvalidArgumentError(`Function ${sig.name}: no ret for output '${a.name}'`);
    let t: DataType = a.type;
    if (a.typeAttr) {
      const v = callAttrs[a.typeAttr] ?? fdef.attr[a.typeAttr];
      if (v?.value.case === 'type') t = v.value.value;
    }
    rets.push(defs.length);
    defs.push({ name: `_retval_${a.name}_${i}`, op: '_Retval', input: [src], device: '', attr: { T: typeAttr(t), index: intAttr(i) } } as unknown as NodeDef);
  });

  const nodes: ViewNode[] = defs.map((def, index) => {
    const inputs: InputRef[] = [];
    const controlInputs: number[] = [];
    if (index >= bodyStart || def.op === '_Retval') {
      for (const s of def.input) {
        const r = resolve(s, `node ${def.name}`);
        if (r.control) controlInputs.push(r.ref.node);
        else inputs.push(r.ref);
      }
    }
    return { index, name: def.name, op: def.op, attrs: new Attrs(def.attr, def.name, def.op), inputs, controlInputs, def };
  });
  const controlRets: number[] = [];
  for (const nodeName of Object.values(fdef.controlRet)) {
    const i = byName.get(nodeName);
    if (i !== undefined) controlRets.push(i);
  }
  return { view: new GraphView(nodes, library), args: [...argNames.values()], rets, controlRets };
}
