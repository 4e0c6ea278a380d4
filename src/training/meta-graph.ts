/**
 * MetaGraphDef export and import: TensorFlow's `tf.compat.v1.train.export_meta_graph` /
 * `import_meta_graph` (Python `meta_graph.py`: `create_meta_graph_def`, `export_scoped_meta_graph`,
 * `import_scoped_meta_graph_with_return_elements`).
 *
 * What we write in `MetaInfoDef`:
 * - `stripped_op_list`: the registry's OpDefs (TF's own, without docs) of every op type used by the
 *   graph and its function library, sorted by name; unknown (custom, unregistered) ops are skipped.
 * - `tensorflow_version: "2.21.0"` — the TensorFlow release whose formats we reproduce (loaders compare
 *   it, e.g. the `< 1.9` trainable rule); `tensorflow_git_version: "tfpersist"` marks the real producer.
 * - `tags`, `stripped_default_attrs` when asked; `meta_graph_version` left empty (like TF).
 * Binary files are written deterministically (`encodeProto`, TF's map order), text files with the
 * Python-style printer, both atomically (the store's temp + rename `writeFile`).
 */
import { clone, create, type MessageShape } from '@bufbuild/protobuf';
import {
  CollectionDefSchema,
  CollectionDef_BytesListSchema,
  CollectionDef_FloatListSchema,
  CollectionDef_Int64ListSchema,
  CollectionDef_NodeListSchema,
  GraphDefSchema,
  MetaGraphDefSchema,
  MetaGraphDef_MetaInfoDefSchema,
  OpListSchema,
  SaveSliceInfoDefSchema,
  SaverDefSchema,
  VariableDefSchema,
  decodeProto,
  encodeProto,
  parseTextProto,
  printTextProto,
  type CollectionDef,
  type GraphDef,
  type MetaGraphDef,
  type NodeDef,
  type OpDef,
  type SaverDef,
  type SignatureDef,
  type VariableDef,
} from '../proto/index.js';
import { FailedPreconditionError, InvalidArgumentError, isTFError } from '../errors.js';
import type { FileStore, WritableFileStore } from '../io/types.js';
import { readWholeFile } from '../checkpoint/store-util.js';
import { Graph, GraphKeys, TF_VERSION } from '../graph/graph.js';
import { importGraphDef } from '../graph/import-graph-def.js';
import { Operation } from '../graph/operation.js';
import { Output } from '../graph/output.js';
import { Variable } from '../graph/variable.js';
import { getOpDef, stripDefaultAttrs as stripNodeDefaults } from '../graph/op-registry.js';
import { baseType } from '../graph/dtypes.js';
import { getAttrShape, getAttrType } from '../graph/attr.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';
import { Saver, prependNameScope, setWriteMetaGraphHook, stripNameScope, type SlicedVariable } from './saver.js';

/** The `tensorflow_git_version` we write. */
export const TFPERSIST_GIT_VERSION = 'tfpersist';

/** Collections whose items are `VariableDef`s (Python's registered proto functions). */
export const VARIABLE_COLLECTIONS: readonly string[] = [
  GraphKeys.GLOBAL_VARIABLES,
  GraphKeys.TRAINABLE_VARIABLES,
  GraphKeys.LOCAL_VARIABLES,
  GraphKeys.MODEL_VARIABLES,
  GraphKeys.MOVING_AVERAGE_VARIABLES,
  GraphKeys.METRIC_VARIABLES,
  GraphKeys.GLOBAL_STEP,
];

/** Options of {@link exportMetaGraph}. */
export interface ExportMetaGraphOptions {
  /** Write the MetaGraphDef here (through `store`). */
  filename?: string;
  /** Store for `filename`. */
  store?: WritableFileStore;
  /** Text format instead of binary. */
  asText?: boolean;
  /** Blank every NodeDef device. */
  clearDevices?: boolean;
  /** Only these collections (default: all non-empty ones). */
  collectionList?: readonly string[];
  /** Remove attrs equal to their OpDef default, set `stripped_default_attrs`. */
  stripDefaultAttrs?: boolean;
  /** The SaverDef to include. */
  saverDef?: SaverDef;
  /** Only nodes under this scope, names stripped of it (out-of-scope inputs become `$unbound_inputs_*`). */
  exportScope?: string;
  /** `meta_info_def.tags`. */
  tags?: readonly string[];
  /** `signature_def` entries. */
  signatureDefs?: Readonly<Record<string, SignatureDef>>;
  /** Use this GraphDef instead of `graph.toGraphDef({addShapes: true})`. */
  graphDef?: GraphDef;
}

function opsUsed(gd: GraphDef): string[] {
  const fnames = new Set((gd.library?.function ?? []).map((f) => f.signature?.name ?? ''));
  const used = new Set<string>();
  for (const n of gd.node) used.add(n.op);
  for (const f of gd.library?.function ?? []) for (const n of f.nodeDef) used.add(n.op);
  return [...used].filter((o) => !fnames.has(o)).sort();
}

/** `stripped_op_list_for_graph`: the registered OpDefs used by `gd` (and its library), sorted. */
export function strippedOpListForGraph(gd: GraphDef): MessageShape<typeof OpListSchema> {
  const op: OpDef[] = [];
  for (const name of opsUsed(gd)) {
    const d = getOpDef(name);
    if (d !== undefined) op.push(d);
  }
  return create(OpListSchema, { op });
}

function isVariableLike(x: unknown): x is Variable | SlicedVariable {
  return x instanceof Variable || (typeof x === 'object' && x !== null && (x as SlicedVariable).variable instanceof Variable);
}

function variableToProto(x: Variable | SlicedVariable, exportScope: string | undefined): VariableDef {
  const v = x instanceof Variable ? x : x.variable;
  const d = v.toProto();
  if (!(x instanceof Variable)) {
    const s = x.saveSliceInfo;
    d.saveSliceInfoDef = create(SaveSliceInfoDefSchema, {
      fullName: stripNameScope(s.fullName, exportScope),
      fullShape: s.fullShape.map((n) => BigInt(n)),
      varOffset: s.varOffset.map((n) => BigInt(n)),
      varShape: s.varShape.map((n) => BigInt(n)),
    });
  }
  if (exportScope) {
    d.variableName = stripNameScope(d.variableName, exportScope);
    d.initialValueName = stripNameScope(d.initialValueName, exportScope);
    d.initializerName = stripNameScope(d.initializerName, exportScope);
    d.snapshotName = stripNameScope(d.snapshotName, exportScope);
  }
  return d;
}

function itemName(x: unknown): string | undefined {
  if (x instanceof Operation || x instanceof Output || x instanceof Variable) return x.name;
  return undefined;
}

/** Python's `_should_include_node`: a plain prefix test (`$unbound_inputs_` names always kept). */
function inScope(name: string, scope: string | undefined): boolean {
  return !scope || name.startsWith(scope) || name.startsWith('$unbound_inputs_');
}

/** Python's `add_collection_def`: one CollectionDef, or undefined when empty / not serializable. */
function collectionDef(key: string, items: readonly unknown[], exportScope: string | undefined): CollectionDef | undefined {
  if (items.length === 0) return undefined;
  if (VARIABLE_COLLECTIONS.includes(key)) {
    const value = items
      .filter(isVariableLike)
      .filter((x) => inScope((x instanceof Variable ? x : x.variable).name, exportScope))
      .map((x) => encodeProto(VariableDefSchema, variableToProto(x, exportScope)));
    if (value.length === 0) return undefined;
    return create(CollectionDefSchema, { kind: { case: 'bytesList', value: create(CollectionDef_BytesListSchema, { value }) } });
  }
  if (key === GraphKeys.SAVERS) {
    const value: Uint8Array[] = [];
    for (const x of items) {
      const d = x instanceof Saver ? x.toSaverDef({ exportScope }) : (x as SaverDef | undefined);
      if (d !== undefined && (d as { $typeName?: string }).$typeName === 'tensorflow.SaverDef') value.push(encodeProto(SaverDefSchema, d));
    }
    if (value.length === 0) return undefined;
    return create(CollectionDefSchema, { kind: { case: 'bytesList', value: create(CollectionDef_BytesListSchema, { value }) } });
  }
  const first = items[0];
  if (typeof first === 'string' || first instanceof Uint8Array) {
    const value = items
      .filter((x) => typeof x !== 'string' || inScope(x, exportScope))
      .map((x) => (typeof x === 'string' ? utf8Encode(x) : (x as Uint8Array)));
    return create(CollectionDefSchema, { kind: { case: 'bytesList', value: create(CollectionDef_BytesListSchema, { value }) } });
  }
  if (typeof first === 'bigint' || (typeof first === 'number' && Number.isInteger(first))) {
    const value = items.map((x) => BigInt(x as number | bigint));
    return create(CollectionDefSchema, { kind: { case: 'int64List', value: create(CollectionDef_Int64ListSchema, { value }) } });
  }
  if (typeof first === 'number') {
    return create(CollectionDefSchema, { kind: { case: 'floatList', value: create(CollectionDef_FloatListSchema, { value: items as number[] }) } });
  }
  const names: string[] = [];
  for (const x of items) {
    const n = itemName(x);
    if (n === undefined) return undefined; // Python logs a warning and drops the collection
    if (inScope(n, exportScope)) names.push(stripNameScope(n, exportScope));
  }
  if (names.length === 0) return undefined;
  return create(CollectionDefSchema, { kind: { case: 'nodeList', value: create(CollectionDef_NodeListSchema, { value: names }) } });
}

/** Python's `_node_def` + `_should_include_node` for an export scope (plain prefix tests, like TF). */
function scopeGraphDef(gd: GraphDef, exportScope: string): { gd: GraphDef; unbound: string[] } {
  const out = clone(GraphDefSchema, gd);
  const unbound: string[] = [];
  const kept: NodeDef[] = [];
  for (const n of out.node) {
    if (!n.name.startsWith(exportScope)) continue;
    n.input = n.input.map((i) => {
      if (!i.replace(/^\^+/, '').startsWith(exportScope)) {
        const renamed = i.startsWith('^') ? `^$unbound_inputs_${i.slice(1)}` : `$unbound_inputs_${i}`;
        unbound.push(renamed);
        return renamed;
      }
      return stripNameScope(i, exportScope);
    });
    n.name = stripNameScope(n.name, exportScope);
    const cls = n.attr['_class'];
    if (cls !== undefined && cls.value.case === 'list') {
      cls.value.value.s = cls.value.value.s
        .map((b) => utf8Decode(b))
        .filter((x) => (x.split('@')[1] ?? '').startsWith(exportScope))
        .map((x) => utf8Encode(stripNameScope(x, exportScope)));
    }
    kept.push(n);
  }
  out.node = kept;
  return { gd: out, unbound };
}

/**
 * `tf.compat.v1.train.export_meta_graph`: the MetaGraphDef of `graph` (graph_def with
 * `_output_shapes`, stripped op list, SaverDef, collections, signatures), written to `filename`
 * when given. Returns the MetaGraphDef.
 */
export async function exportMetaGraph(graph: Graph, options: ExportMetaGraphOptions = {}): Promise<MetaGraphDef> {
  const meta = createMetaGraphDef(graph, options);
  if (options.filename !== undefined) {
    const store = options.store;
    if (store === undefined) throw new FailedPreconditionError('exportMetaGraph: writing a file needs {store}');
    const bytes = options.asText
      ? utf8Encode(printTextProto(MetaGraphDefSchema, meta, { style: 'python' }))
      : encodeProto(MetaGraphDefSchema, meta);
    await store.writeFile(options.filename, bytes);
  }
  return meta;
}

/** The synchronous part of {@link exportMetaGraph}: builds the MetaGraphDef without writing. */
export function createMetaGraphDef(graph: Graph, options: ExportMetaGraphOptions = {}): MetaGraphDef {
  let gd = options.graphDef ? clone(GraphDefSchema, options.graphDef) : graph.toGraphDef({ addShapes: true });
  let unbound: string[] = [];
  if (options.exportScope) ({ gd, unbound } = scopeGraphDef(gd, options.exportScope));
  if (options.clearDevices) {
    for (const n of gd.node) n.device = '';
    for (const f of gd.library?.function ?? []) for (const n of f.nodeDef) n.device = '';
  }
  if (options.stripDefaultAttrs) {
    const fnames = new Set((gd.library?.function ?? []).map((f) => f.signature?.name ?? ''));
    for (const n of gd.node) if (!fnames.has(n.op)) stripNodeDefaults(n);
    for (const f of gd.library?.function ?? []) for (const n of f.nodeDef) if (!fnames.has(n.op)) stripNodeDefaults(n);
  }
  const info = create(MetaGraphDef_MetaInfoDefSchema, {
    strippedOpList: strippedOpListForGraph(gd),
    tags: [...(options.tags ?? [])],
    tensorflowVersion: TF_VERSION,
    tensorflowGitVersion: TFPERSIST_GIT_VERSION,
    strippedDefaultAttrs: options.stripDefaultAttrs ?? false,
  });
  const meta = create(MetaGraphDefSchema, { metaInfoDef: info, graphDef: gd });
  if (options.saverDef !== undefined) {
    const d = clone(SaverDefSchema, options.saverDef);
    if (options.exportScope) {
      d.filenameTensorName = stripNameScope(d.filenameTensorName, options.exportScope);
      d.saveTensorName = stripNameScope(d.saveTensorName, options.exportScope);
      d.restoreOpName = stripNameScope(d.restoreOpName, options.exportScope);
    }
    meta.saverDef = d;
  }
  const keys = options.collectionList ?? graph.getAllCollectionKeys();
  for (const key of keys) {
    const c = collectionDef(key, graph.getCollection(key), options.exportScope);
    if (c !== undefined) meta.collectionDef[key] = c;
  }
  if (unbound.length) {
    meta.collectionDef['unbound_inputs'] = create(CollectionDefSchema, {
      kind: { case: 'bytesList', value: create(CollectionDef_BytesListSchema, { value: unbound.map((u) => utf8Encode(u)) }) },
    });
  }
  for (const [k, v] of Object.entries(options.signatureDefs ?? {})) meta.signatureDef[k] = v;
  return meta;
}

/** Decodes a MetaGraphDef from bytes (binary first, then text, like `read_meta_graph_file`) or text. */
export function readMetaGraphDef(data: Uint8Array | string, options: { source?: string } = {}): MetaGraphDef {
  if (typeof data === 'string') return parseTextProto(MetaGraphDefSchema, data, { source: options.source });
  try {
    return decodeProto(MetaGraphDefSchema, data, { source: options.source, what: 'MetaGraphDef' });
  } catch (e) {
    if (!isTFError(e)) throw e;
    try {
      return parseTextProto(MetaGraphDefSchema, utf8Decode(data), { source: options.source });
    } catch {
      throw e;
    }
  }
}

/** Options of {@link importMetaGraph}. */
export interface ImportMetaGraphOptions {
  /** Blank NodeDef devices before importing. */
  clearDevices?: boolean;
  /** Prefix scope for every imported name (`imp/a:0`). */
  importScope?: string;
  /** `{ 'x:0': output }` inputs replaced on import (names inside the MetaGraph). */
  inputMap?: Record<string, Output | Operation>;
  /** Store to read a file path from. */
  store?: FileStore;
}

/** What {@link importScopedMetaGraph} returns. */
export interface ImportedMetaGraph {
  /** The MetaGraphDef that was imported. */
  metaGraphDef: MetaGraphDef;
  /** Imported global variables by name without the import scope (`'a:0'`). */
  variables: Map<string, Variable>;
  /** The scope prepended to every name (`''` for none). */
  scope: string;
}

function variableFromProto(g: Graph, d: VariableDef, scope: string, trainableDefault: boolean | undefined): Variable | SlicedVariable {
  const name = (n: string): string => prependNameScope(n, scope);
  const handle = g.tensor(name(d.variableName));
  const op = handle.op;
  const dtypeAttr = getAttrType(op._attrs, 'dtype');
  const dtype = dtypeAttr !== undefined ? baseType(dtypeAttr) : baseType(handle.dtype);
  const shape = getAttrShape(op._attrs, 'shape') ?? handle.shape;
  const snapshot = g.tensor(name(d.snapshotName));
  const v = new Variable({
    op,
    initializer: g.operation(name(d.initializerName)),
    snapshot,
    initialValue: d.initialValueName ? g.tensor(name(d.initialValueName)) : snapshot,
    isResource: d.isResource,
    trainable: trainableDefault ?? d.trainable,
    dtype,
    shape,
    synchronization: d.synchronization,
    aggregation: d.aggregation,
  });
  const s = d.saveSliceInfoDef;
  if (s === undefined) return v;
  return {
    variable: v,
    saveSliceInfo: {
      fullName: name(s.fullName),
      fullShape: s.fullShape.map(Number),
      varOffset: s.varOffset.map(Number),
      varShape: s.varShape.map(Number),
    },
  };
}

function versionBefore19(v: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(v);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major < 1 || (major === 1 && minor < 9);
}

/**
 * `import_scoped_meta_graph`: imports the graph (with `producer_op_list`), restores the collections
 * (`trainable_variables` first, then the others sorted; VariableDefs become {@link Variable}s shared
 * across collections, SaverDefs become {@link Saver}s, node lists graph elements).
 */
export async function importScopedMetaGraph(graph: Graph, metaGraphOrFile: MetaGraphDef | Uint8Array | string, options: ImportMetaGraphOptions = {}): Promise<ImportedMetaGraph> {
  let meta: MetaGraphDef;
  if (typeof metaGraphOrFile === 'string') {
    if (options.store === undefined) throw new FailedPreconditionError('importMetaGraph: reading a file needs {store}');
    meta = readMetaGraphDef(await readWholeFile(options.store, metaGraphOrFile), { source: metaGraphOrFile });
  } else if (metaGraphOrFile instanceof Uint8Array) {
    meta = readMetaGraphDef(metaGraphOrFile);
  } else {
    meta = metaGraphOrFile;
  }
  const inputMap = options.inputMap ?? {};
  const unbound = meta.collectionDef['unbound_inputs'];
  if (unbound !== undefined && unbound.kind.case === 'bytesList') {
    const names = unbound.kind.value.value.map((b) => utf8Decode(b));
    const keys = Object.keys(inputMap);
    const same = keys.length > 0 && JSON.stringify([...names].sort()) === JSON.stringify([...keys].sort());
    if (names.length > 0 && !same) {
      const missing = names.filter((n) => keys.length === 0 || !(n in inputMap));
      throw new InvalidArgumentError(`Graph contains unbound inputs: ${missing.join(',')}. Must provide these inputs through input_map.`);
    }
  }
  const gd = clone(GraphDefSchema, meta.graphDef ?? create(GraphDefSchema));
  if (options.clearDevices) {
    for (const n of gd.node) n.device = '';
    for (const f of gd.library?.function ?? []) for (const n of f.nodeDef) n.device = '';
  }
  // Python: graph.unique_name(import_scope, mark_as_used=False) — the name importGraphDef will use.
  const scope = options.importScope ? graph.uniqueName(options.importScope, false) : '';
  importGraphDef(graph, gd, {
    prefix: options.importScope ?? '',
    inputMap,
    ...(meta.metaInfoDef?.strippedOpList ? { producerOpList: meta.metaInfoDef.strippedOpList } : {}),
  });
  const tfVersion = meta.metaInfoDef?.tensorflowVersion ?? '';
  const oldTrainable = tfVersion !== '' && versionBefore19(tfVersion);
  const keys = Object.keys(meta.collectionDef).sort();
  const order = keys.includes(GraphKeys.TRAINABLE_VARIABLES)
    ? [GraphKeys.TRAINABLE_VARIABLES as string, ...keys.filter((k) => k !== GraphKeys.TRAINABLE_VARIABLES)]
    : keys;
  const byBytes = new Map<string, Variable | SlicedVariable>();
  const trainableNames = new Set<string>();
  for (const key of order) {
    if (key === 'unbound_inputs') continue;
    const c = meta.collectionDef[key] as CollectionDef;
    const kind = c.kind;
    if (kind.case === 'bytesList' && VARIABLE_COLLECTIONS.includes(key)) {
      for (const b of kind.value.value) {
        const k = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        let v = byBytes.get(k);
        if (v === undefined) {
          const d = decodeProto(VariableDefSchema, b, { what: 'VariableDef' });
          if (key === GraphKeys.TRAINABLE_VARIABLES) trainableNames.add(d.variableName);
          v = variableFromProto(graph, d, scope, oldTrainable ? trainableNames.has(d.variableName) : undefined);
          byBytes.set(k, v);
        }
        graph.addToCollection(key, v);
      }
    } else if (kind.case === 'bytesList' && key === GraphKeys.SAVERS) {
      for (const b of kind.value.value) {
        const d = decodeProto(SaverDefSchema, b, { what: 'SaverDef' });
        graph.addToCollection(key, Saver.fromSaverDef(graph, d, { importScope: scope || undefined }));
      }
    } else if (kind.case === 'nodeList') {
      for (const n of kind.value.value) graph.addToCollection(key, graph.element(prependNameScope(n, scope)));
    } else if (kind.case === 'bytesList') {
      for (const b of kind.value.value) graph.addToCollection(key, utf8Decode(b));
    } else if (kind.case === 'int64List') {
      for (const x of kind.value.value) graph.addToCollection(key, Number.isSafeInteger(Number(x)) ? Number(x) : x);
    } else if (kind.case === 'floatList') {
      for (const x of kind.value.value) graph.addToCollection(key, x);
    } else if (kind.case === 'anyList') {
      for (const x of kind.value.value) graph.addToCollection(key, x);
    }
  }
  const variables = new Map<string, Variable>();
  for (const v of graph.getCollection<unknown>(GraphKeys.GLOBAL_VARIABLES, scope || undefined)) {
    if (v instanceof Variable) variables.set(stripNameScope(v.name, scope), v);
  }
  return { metaGraphDef: meta, variables, scope };
}

/**
 * `tf.compat.v1.train.import_meta_graph(meta_graph_or_file, clear_devices, import_scope)`: imports
 * and returns the Saver from its `saver_def` (scoped like TF), a new Saver over the imported
 * variables when there is no SaverDef, or null when there is nothing to save.
 */
export async function importMetaGraph(graph: Graph, metaGraphOrFile: MetaGraphDef | Uint8Array | string, options: ImportMetaGraphOptions = {}): Promise<Saver | null> {
  const imported = await importScopedMetaGraph(graph, metaGraphOrFile, options);
  const meta = imported.metaGraphDef;
  if (meta.saverDef !== undefined) {
    let scope = options.importScope;
    const first = [...imported.variables.entries()][0];
    if (first !== undefined) scope = first[1].name.slice(0, first[1].name.length - first[0].length);
    return Saver.fromSaverDef(graph, meta.saverDef, { importScope: scope || undefined });
  }
  const vars = graph.getCollection<unknown>(GraphKeys.GLOBAL_VARIABLES, imported.scope || undefined);
  if (vars.length > 0) return new Saver(graph);
  return null;
}

setWriteMetaGraphHook(async (graph, saverDef, path, store, strip) => {
  await exportMetaGraph(graph, { filename: path, store, saverDef, stripDefaultAttrs: strip });
});
