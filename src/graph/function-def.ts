/**
 * FunctionDef helpers: `functionDefToGraphDef` (TF's `function_def_to_graph_def`: one `Placeholder`
 * per input arg, body inputs rewritten from `node:out_arg:k` to `node:index`) and static output shapes
 * of a function call (what TF's shape refiner does for `PartitionedCall` / `StatefulPartitionedCall`).
 */
import { clone, create } from '@bufbuild/protobuf';
import { GraphDefSchema, NodeDefSchema, VersionDefSchema, type FunctionDef, type GraphDef, type NodeDef } from '../proto/index.js';
import { InvalidArgumentError } from '../errors.js';
import { attrShape, attrType } from './attr.js';
import { GRAPH_DEF_VERSION, Graph } from './graph.js';
import { importGraphDef } from './import-graph-def.js';
import { argRanges, getOpDef } from './op-registry.js';
import type { Shape } from './shape.js';

/** Options of {@link functionDefToGraphDef}. */
export interface FunctionDefToGraphDefOptions {
  /** Static shapes for the input placeholders (default unknown). */
  inputShapes?: readonly Shape[];
}

/**
 * A GraphDef holding the function body: placeholders named after the input args, body nodes with
 * GraphDef-style inputs. Also returns the output tensor names (`node:index`) per output arg, in
 * signature order, and the control outputs.
 */
export function functionDefToGraphDef(fdef: FunctionDef, options: FunctionDefToGraphDefOptions = {}): { graphDef: GraphDef; outputs: string[]; controlOutputs: string[] } {
  const sig = fdef.signature;
  if (sig === undefined) throw new InvalidArgumentError('FunctionDef has no signature');
  const nodes: NodeDef[] = [];
  sig.inputArg.forEach((arg, i) => {
    const attr: NodeDef['attr'] = { dtype: attrType(arg.type), shape: attrShape(options.inputShapes?.[i] ?? null) };
    nodes.push(create(NodeDefSchema, { name: arg.name, op: 'Placeholder', attr }));
  });
  const byName = new Map(fdef.nodeDef.map((n) => [n.name, n]));
  const rangesCache = new Map<string, Map<string, [number, number]>>();
  const resolve = (ref: string): string => {
    if (ref.startsWith('^')) return ref;
    const parts = ref.split(':');
    if (parts.length === 1) return ref; // an input arg
    const [node, outArg, k] = parts as [string, string, string?];
    const n = byName.get(node);
    if (n === undefined) throw new InvalidArgumentError(`Function ${sig.name}: input '${ref}' names an unknown node`);
    let ranges = rangesCache.get(node);
    if (ranges === undefined) {
      const od = getOpDef(n.op);
      if (od === undefined) {
        // a call to another library function: outputs are indexed in order
        ranges = new Map();
      } else ranges = argRanges(n, 'output', od);
      rangesCache.set(node, ranges);
    }
    const r = ranges.get(outArg);
    const idx = Number(k ?? 0);
    const flat = r === undefined ? idx : r[0] + idx;
    return flat === 0 ? node : `${node}:${flat}`;
  };
  for (const n of fdef.nodeDef) {
    const c = clone(NodeDefSchema, n);
    c.input = n.input.map(resolve);
    nodes.push(c);
  }
  const outputs = sig.outputArg.map((a) => {
    const ref = fdef.ret[a.name];
    if (ref === undefined) throw new InvalidArgumentError(`Function ${sig.name}: no ret for output '${a.name}'`);
    return resolve(ref).includes(':') ? resolve(ref) : `${resolve(ref)}:0`;
  });
  const controlOutputs = sig.controlOutput.map((c) => fdef.controlRet[c] ?? c);
  const graphDef = create(GraphDefSchema, { node: nodes, versions: create(VersionDefSchema, { producer: GRAPH_DEF_VERSION }) });
  return { graphDef, outputs, controlOutputs };
}

/**
 * Static output shapes of calling function `name` of `graph`'s library with inputs of the given
 * shapes (unknown when the body cannot be analysed). `depth` guards against recursion.
 */
export function functionOutputShapes(graph: Graph, name: string, inputShapes: readonly Shape[], depth = 0): Shape[] | undefined {
  const fdef = graph.getFunction(name);
  if (fdef === undefined || depth > 8) return undefined;
  try {
    const { graphDef, outputs } = functionDefToGraphDef(fdef, { inputShapes });
    const body = new Graph();
    for (const f of graph.library.function) body.library.function.push(f);
    body._functionDepth = depth + 1;
    importGraphDef(body, graphDef, { prefix: '' });
    return outputs.map((o) => body.tensor(o).shape);
  } catch {
    return undefined;
  }
}
