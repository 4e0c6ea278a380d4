/**
 * Freezing and graph writing: TensorFlow's `tf.compat.v1.graph_util.extract_sub_graph`,
 * `convert_variables_to_constants` (the session converter of `convert_to_constants.py`) and
 * `tf.io.write_graph`.
 */
import { clone, create } from '@bufbuild/protobuf';
import {
  AttrValueSchema,
  DataType,
  FunctionDefLibrarySchema,
  GraphDefSchema,
  NodeDefSchema,
  VersionDefSchema,
  encodeProto,
  printTextProto,
  type AttrValue,
  type GraphDef,
  type NodeDef,
} from '../proto/index.js';
import { FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import { joinPath } from '../checkpoint/paths.js';
import type { WritableFileStore } from '../io/types.js';
import { attrI, attrTensor, attrType } from '../graph/attr.js';
import { dtypeFromEnum } from '../tensor/dtype.js';
import { makeTensorProto } from '../graph/ops/apply-op.js';
import type { Session } from '../runtime/session.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';

/** `_node_name`: strips `^` and `:k`. */
function nodeName(n: string): string {
  const s = n.startsWith('^') ? n.slice(1) : n;
  const i = s.indexOf(':');
  return i < 0 ? s : s.slice(0, i);
}

function colocated(node: NodeDef): string[] {
  const a = node.attr['_class'];
  if (a === undefined || a.value.case !== 'list') return [];
  return a.value.value.s.map((b) => {
    const s = utf8Decode(b);
    return s.startsWith('loc:@') ? s.slice(5) : s;
  });
}

/**
 * `extract_sub_graph(graph_def, dest_nodes)`: the nodes reachable backwards from `destNodes` over data
 * inputs, control inputs and `_class` colocation targets, in their original order; `library` and
 * `versions` copied.
 * @throws InvalidArgumentError `<name> is not in graph` (TF's AssertionError text).
 */
export function extractSubGraph(graphDef: GraphDef, destNodes: readonly string[]): GraphDef {
  if (typeof destNodes === 'string') {
    throw new InvalidArgumentError(`dest_nodes must be an iterable of strings, but got type <class 'str'>.`);
  }
  const byName = new Map<string, NodeDef>();
  const inputs = new Map<string, string[]>();
  const seq = new Map<string, number>();
  graphDef.node.forEach((n, i) => {
    const name = nodeName(n.name);
    byName.set(name, n);
    inputs.set(name, [...n.input.map(nodeName), ...colocated(n)]);
    seq.set(name, i);
  });
  for (const d of destNodes) if (!byName.has(d)) throw new InvalidArgumentError(`${d} is not in graph`);
  const keep = new Set<string>();
  const queue = [...destNodes];
  while (queue.length) {
    const n = queue.shift() as string;
    if (keep.has(n)) continue;
    keep.add(n);
    for (const i of inputs.get(n) ?? []) if (!keep.has(i)) queue.push(i);
  }
  const names = [...keep].filter((n) => byName.has(n)).sort((a, b) => (seq.get(a) as number) - (seq.get(b) as number));
  const out = create(GraphDefSchema, {
    node: names.map((n) => clone(NodeDefSchema, byName.get(n) as NodeDef)),
    library: graphDef.library ? clone(FunctionDefLibrarySchema, graphDef.library) : create(FunctionDefLibrarySchema),
    versions: graphDef.versions ? clone(VersionDefSchema, graphDef.versions) : create(VersionDefSchema),
  });
  return out;
}

/** Options of {@link convertVariablesToConstants}. */
export interface ConvertVariablesOptions {
  /** Only these variables (node names) are frozen. */
  variableNamesAllowlist?: readonly string[];
  /** These variables (node names) are not frozen. */
  variableNamesDenylist?: readonly string[];
}

const PASS_THROUGH = new Set(['Identity', 'IdentityN', 'Enter', 'Exit', 'Switch', 'Merge', 'NextIteration', 'RefEnter', 'RefExit', 'RefSwitch', 'RefMerge', 'RefNextIteration', 'RefIdentity']);

function valueAttr(value: TensorValue, dtype: DataType): AttrValue {
  const proto = makeTensorProto(value, dtype, value.shape);
  return attrTensor(proto);
}

/**
 * `tf.compat.v1.graph_util.convert_variables_to_constants(sess, graph_def, output_node_names)`:
 * extracts the subgraph needed for the outputs, reads every reachable variable in `session`
 * (`<v>:0` for VariableV2, `<v>/Read/ReadVariableOp:0` for VarHandleOp) and replaces it in place by a
 * `Const` (attrs `dtype`, `value` only); `ReadVariableOp` of a frozen handle becomes `Identity` (keeping
 * `_class`), resource pass-throughs are retyped, `ResourceGather` becomes `GatherV2`.
 */
export async function convertVariablesToConstants(
  session: Session,
  graphDef: GraphDef,
  outputNodeNames: readonly string[],
  options: ConvertVariablesOptions = {},
): Promise<GraphDef> {
  const gd = extractSubGraph(graphDef, outputNodeNames);
  const allow = options.variableNamesAllowlist ? new Set(options.variableNamesAllowlist) : undefined;
  const deny = options.variableNamesDenylist ? new Set(options.variableNamesDenylist) : undefined;
  const should = (n: string): boolean => (allow === undefined || allow.has(n)) && (deny === undefined || !deny.has(n));
  const toConvert: NodeDef[] = [];
  const fetches: string[] = [];
  for (const n of gd.node) {
    if (n.op === 'Variable' || n.op === 'VariableV2' || n.op === 'VarHandleOp') {
      if (!should(n.name)) continue;
      toConvert.push(n);
      fetches.push(n.op === 'VarHandleOp' ? `${n.name}/Read/ReadVariableOp:0` : `${n.name}:0`);
    }
  }
  const values = fetches.length ? ((await session.run(fetches)) as TensorValue[]) : [];
  const frozen = new Map<string, DataType>();
  toConvert.forEach((n, i) => {
    const dt = n.attr['dtype'];
    const dtype = dt !== undefined && dt.value.case === 'type' ? dt.value.value : DataType.DT_FLOAT;
    const v = values[i] as TensorValue;
    if (dtypeFromEnum(dtype) !== v.dtype) {
      throw new InvalidArgumentError(`Variable ${n.name} has dtype ${dtypeFromEnum(dtype)} but its value is ${v.dtype}`);
    }
    const node = create(NodeDefSchema, { name: n.name, op: 'Const' });
    node.attr['dtype'] = attrType(dtype);
    node.attr['value'] = valueAttr(v, dtype);
    Object.assign(n, { op: node.op, input: [], device: '', attr: node.attr });
    delete (n as { experimentalDebugInfo?: unknown }).experimentalDebugInfo;
    delete (n as { experimentalType?: unknown }).experimentalType;
    frozen.set(n.name, dtype);
  });
  // Propagate through resource consumers (the converter's outgoing edges), in graph order until stable.
  const byName = new Map(gd.node.map((n) => [n.name, n]));
  const resourceOf = (input: string): DataType | undefined => {
    if (input.startsWith('^')) return undefined;
    return frozen.get(nodeName(input));
  };
  let changed = true;
  const newNodes: NodeDef[] = [];
  while (changed) {
    changed = false;
    for (const n of gd.node) {
      if (frozen.has(n.name) && n.op === 'Const') continue;
      const first = n.input[0];
      const dt = first === undefined ? undefined : resourceOf(first);
      if (dt === undefined) continue;
      if (n.op === 'ReadVariableOp') {
        const cls = n.attr['_class'];
        const attr: Record<string, AttrValue> = { T: clone(AttrValueSchema, n.attr['dtype'] as AttrValue) };
        if (cls !== undefined) attr['_class'] = cls;
        Object.assign(n, { op: 'Identity', input: [...n.input], device: '', attr });
        frozen.set(n.name, dt);
        changed = true;
      } else if (n.op === 'ResourceGather') {
        const axisName = `${n.name}/axis`;
        if (!byName.has(axisName)) {
          const axis = create(NodeDefSchema, { name: axisName, op: 'Const' });
          axis.attr['dtype'] = attrType(DataType.DT_INT32);
          axis.attr['value'] = attrTensor(makeTensorProto(0, DataType.DT_INT32));
          newNodes.push(axis);
          byName.set(axisName, axis);
        }
        const attr: Record<string, AttrValue> = {
          Taxis: attrType(DataType.DT_INT32),
          Tindices: clone(AttrValueSchema, n.attr['Tindices'] as AttrValue),
          Tparams: clone(AttrValueSchema, n.attr['dtype'] as AttrValue),
          batch_dims: n.attr['batch_dims'] ?? attrI(0),
        };
        if (n.attr['_class'] !== undefined) attr['_class'] = n.attr['_class'];
        Object.assign(n, { op: 'GatherV2', input: [n.input[0] as string, n.input[1] as string, axisName, ...n.input.slice(2)], device: '', attr });
      } else if (n.op === 'ResourceGatherNd') {
        const attr: Record<string, AttrValue> = {
          Tindices: clone(AttrValueSchema, n.attr['Tindices'] as AttrValue),
          Tparams: clone(AttrValueSchema, n.attr['dtype'] as AttrValue),
        };
        if (n.attr['_class'] !== undefined) attr['_class'] = n.attr['_class'];
        Object.assign(n, { op: 'GatherNd', input: [...n.input], device: '', attr });
      } else if (PASS_THROUGH.has(n.op)) {
        const t = n.attr['T'];
        if (t !== undefined && t.value.case === 'type' && t.value.value === DataType.DT_RESOURCE) {
          n.attr['T'] = attrType(dt);
          frozen.set(n.name, dt);
          changed = true;
        }
      }
    }
  }
  gd.node.push(...newNodes);
  return gd;
}

/** Options of {@link writeGraph}. */
export interface WriteGraphOptions {
  /** Text format (default true, like `tf.io.write_graph`). */
  asText?: boolean;
  /** Where to write. */
  store?: WritableFileStore;
}

/**
 * `tf.io.write_graph(graph_def, logdir, name, as_text)`: creates `dir` (recursively), writes the
 * GraphDef atomically — Python-style text, or deterministic binary — and returns the path.
 */
export async function writeGraph(graphDef: GraphDef, dir: string, name: string, options: WriteGraphOptions = {}): Promise<string> {
  const store = options.store;
  if (store === undefined) throw new FailedPreconditionError('writeGraph needs a writable {store}');
  const path = joinPath(dir, name);
  if (dir !== '') await store.mkdir(dir, { recursive: true });
  const bytes = options.asText ?? true
    ? utf8Encode(printTextProto(GraphDefSchema, graphDef, { style: 'python' }))
    : encodeProto(GraphDefSchema, graphDef);
  await store.writeFile(path, bytes);
  return path;
}
