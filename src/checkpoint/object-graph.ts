/**
 * A readable view of TF2 object-based checkpoint keys (`tf.train.Checkpoint`, tf-formats.md §7.1).
 *
 * Keys look like `net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE` (each local name escaped: `.` -> `..`,
 * `/` -> `.S`) and, for v1-style optimizer slots,
 * `net/l1/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE`. The view maps every key to its
 * object path (`net/l1/kernel`), attribute (`VARIABLE_VALUE`) and, for slots, the variable path, the
 * optimizer path and the slot name. When the decoded `TrackableObjectGraph` is available it is used to
 * name nodes (and to find slot variables); otherwise keys are parsed textually.
 */
import type { TrackableObjectGraph } from '../proto/index.js';

/** The key of the serialized `TrackableObjectGraph` in TF2 checkpoints. */
export const OBJECT_GRAPH_PROTO_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';
/** Separates an object path from its attribute name in keys. */
export const OBJECT_ATTRIBUTES_NAME = '.ATTRIBUTES';
/** Separates a variable path from an optimizer slot in keys. */
export const OPTIMIZER_SLOT_NAME = '.OPTIMIZER_SLOT';
/** The attribute name of a variable's value. */
export const VARIABLE_VALUE_KEY = 'VARIABLE_VALUE';

/** One checkpoint key, seen as an object path. */
export interface ObjectPathEntry {
  /** The checkpoint key as stored. */
  key: string;
  /**
   * Readable path: unescaped local names joined by `/` (`net/l1/kernel`). For an attribute other than
   * `VARIABLE_VALUE` the attribute name is appended (`table/.ATTRIBUTES/table-keys` -> `table/table-keys`);
   * for a slot: `<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot name>`.
   */
  path: string;
  /** What the key stores. `'other'` = not an object-based key (e.g. a TF1 variable name). */
  kind: 'variable' | 'attribute' | 'slot' | 'object-graph' | 'other';
  /** The attribute name after `.ATTRIBUTES/` (`VARIABLE_VALUE`, ...), when the key has one. */
  attribute?: string;
  /** The unescaped local names from the root to the object. */
  segments?: string[];
  /** The object-graph node id holding this attribute, when the graph is known. */
  nodeId?: number;
  /** The attribute's `full_name` (the variable's Python/graph name), when the graph is known. */
  fullName?: string;
  /** For optimizer slot variables. */
  slot?: { variablePath: string; optimizerPath: string; slotName: string };
}

/** `trackable_utils.escape_local_name`: `.` -> `..`, then `/` -> `.S`. */
export function escapeLocalName(name: string): string {
  return name.replace(/\./g, '..').replace(/\//g, '.S');
}

/** The inverse of {@link escapeLocalName} (`..` -> `.`, `.S` -> `/`; anything else is kept). */
export function unescapeLocalName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as string;
    if (c === '.' && i + 1 < name.length) {
      const n = name[i + 1];
      if (n === '.') {
        out += '.';
        i++;
        continue;
      }
      if (n === 'S') {
        out += '/';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** Parses one key textually (no object graph needed). */
export function parseObjectKey(key: string): ObjectPathEntry {
  if (key === OBJECT_GRAPH_PROTO_KEY) return { key, path: key, kind: 'object-graph' };
  const parts = key.split('/');
  const attrAt = parts.indexOf(OBJECT_ATTRIBUTES_NAME);
  if (attrAt < 0 || attrAt === parts.length - 1) return { key, path: key, kind: 'other' };
  const attribute = parts.slice(attrAt + 1).join('/');
  const objParts = parts.slice(0, attrAt);
  const slotAt = objParts.indexOf(OPTIMIZER_SLOT_NAME);
  if (slotAt >= 0) {
    const variable = objParts.slice(0, slotAt).map(unescapeLocalName);
    const rest = objParts.slice(slotAt + 1).map(unescapeLocalName);
    if (variable.length > 0 && rest.length >= 2) {
      const slotName = rest[rest.length - 1] as string;
      const optimizer = rest.slice(0, -1);
      const variablePath = variable.join('/');
      const optimizerPath = optimizer.join('/');
      return {
        key,
        path: `${variablePath}/${OPTIMIZER_SLOT_NAME}/${optimizerPath}/${slotName}` +
          (attribute === VARIABLE_VALUE_KEY ? '' : `/${attribute}`),
        kind: 'slot',
        attribute,
        segments: [...variable, OPTIMIZER_SLOT_NAME, ...optimizer, slotName],
        slot: { variablePath, optimizerPath, slotName },
      };
    }
  }
  const segments = objParts.map(unescapeLocalName);
  const base = segments.join('/');
  if (attribute === VARIABLE_VALUE_KEY) return { key, path: base, kind: 'variable', attribute, segments };
  return { key, path: base === '' ? attribute : `${base}/${attribute}`, kind: 'attribute', attribute, segments };
}

/**
 * Builds the view for `keys`, using `graph` (when given) to attach node ids and full names and to
 * confirm slot relations. Keys not present in the graph are parsed textually.
 */
export function objectPathsOf(keys: readonly string[], graph?: TrackableObjectGraph): ObjectPathEntry[] {
  const byKey = new Map<string, { nodeId: number; fullName: string }>();
  if (graph !== undefined) {
    graph.nodes.forEach((node, nodeId) => {
      for (const a of node.attributes) {
        if (a.checkpointKey !== '') byKey.set(a.checkpointKey, { nodeId, fullName: a.fullName });
      }
    });
  }
  return keys.map((key) => {
    const e = parseObjectKey(key);
    const g = byKey.get(key);
    if (g !== undefined) {
      e.nodeId = g.nodeId;
      if (g.fullName !== '') e.fullName = g.fullName;
    }
    return e;
  });
}

/**
 * The object paths of the graph's nodes by breadth-first search from the root (node 0), as TensorFlow
 * numbers them: `paths[nodeId]` = unescaped local names from the root (`[]` for the root). Slot variable
 * nodes, which are not children of anything, get `[...variable path, '.OPTIMIZER_SLOT', ...optimizer
 * path, slot name]`. Unreachable nodes are `undefined`.
 */
export function nodePaths(graph: TrackableObjectGraph): (string[] | undefined)[] {
  const paths: (string[] | undefined)[] = new Array(graph.nodes.length).fill(undefined);
  if (graph.nodes.length === 0) return paths;
  paths[0] = [];
  const queue = [0];
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi] as number;
    const node = graph.nodes[id];
    if (node === undefined) continue;
    for (const child of node.children) {
      const cid = child.nodeId;
      if (cid < 0 || cid >= graph.nodes.length || paths[cid] !== undefined) continue;
      paths[cid] = [...(paths[id] as string[]), child.localName];
      queue.push(cid);
    }
  }
  graph.nodes.forEach((node, optimizerId) => {
    for (const s of node.slotVariables) {
      const v = paths[s.originalVariableNodeId];
      const o = paths[optimizerId];
      const sid = s.slotVariableNodeId;
      if (v !== undefined && o !== undefined && sid >= 0 && sid < paths.length && paths[sid] === undefined) {
        paths[sid] = [...v, OPTIMIZER_SLOT_NAME, ...o, s.slotName];
      }
    }
  });
  return paths;
}
