/**
 * Lookup tables as `tf.compat.v1.lookup.StaticHashTable(KeyValueTensorInitializer(keys, values),
 * default_value)` builds them in graph mode: the default value Const (`Const`), `HashTableV2`
 * (`hash_table`, shared_name `hash_table_<uuid>` like TF), `key_value_init/LookupTableImportV2`
 * (in the `table_initializer` collection) and lookups `<table>_Lookup/LookupTableFindV2`.
 */
import { GraphKeys, type Graph } from '../graph.js';
import type { Operation } from '../operation.js';
import type { Output } from '../output.js';
import { applyOp, convertToOutput, type TensorLike } from './apply-op.js';
import { group, noOp, type NameOption } from './state.js';

/** A static hash table in a graph. */
export interface StaticHashTable {
  /** The `HashTableV2` resource handle. */
  handle: Output;
  /** The initializer op (`key_value_init/LookupTableImportV2`). */
  initializer: Operation;
  /** The default value tensor. */
  defaultValue: Output;
  /** `table.lookup(keys)`: a `LookupTableFindV2` in scope `<table name>_Lookup`. */
  lookup(keys: TensorLike, options?: NameOption): Output;
  /** `table.size()`: `LookupTableSizeV2`. */
  size(options?: NameOption): Output;
}

function uuid4(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
}

/** `StaticHashTable(KeyValueTensorInitializer(keys, values), defaultValue, name='hash_table')`. */
export function staticHashTable(
  g: Graph,
  keys: TensorLike,
  values: TensorLike,
  defaultValue: TensorLike,
  options: NameOption & { sharedName?: string; initializerName?: string } = {},
): StaticHashTable {
  const k = convertToOutput(g, keys, { name: 'keys' });
  const v = convertToOutput(g, values, { name: 'values' });
  const def = convertToOutput(g, defaultValue, { dtype: v.baseDtype });
  const name = options.name ?? 'hash_table';
  const handle = applyOp(g, 'HashTableV2', {}, {
    shared_name: options.sharedName ?? `hash_table_${uuid4()}`,
    key_dtype: k.baseDtype, value_dtype: v.baseDtype, container: '', use_node_name_sharing: false,
  }, { name }).output(0);
  const initializer = g.nameScope(options.initializerName ?? 'key_value_init', () =>
    applyOp(g, 'LookupTableImportV2', { table_handle: handle, keys: k, values: v }, {}));
  g.addToCollection(GraphKeys.TABLE_INITIALIZERS, initializer);
  const tableName = handle.op.name.split('/').pop() as string;
  return {
    handle,
    initializer,
    defaultValue: def,
    lookup: (q, opts = {}) =>
      g.nameScope(opts.name ?? `${tableName}_Lookup`, () => applyOp(g, 'LookupTableFindV2', { table_handle: handle, keys: q, default_value: def }, {}).output(0)),
    size: (opts = {}) =>
      g.nameScope(opts.name ?? `${tableName}_Size`, () => applyOp(g, 'LookupTableSizeV2', { table_handle: handle }, {}).output(0)),
  };
}

/** `tf.compat.v1.tables_initializer(name='init_all_tables')`: a group of `table_initializer`. */
export function tablesInitializer(g: Graph, options: NameOption = {}): Operation {
  const inits = g.getCollection<Operation>(GraphKeys.TABLE_INITIALIZERS);
  const name = options.name ?? 'init_all_tables';
  return inits.length ? group(g, inits, { name }) : noOp(g, { name });
}
