/**
 * Hash tables (HashTableV2, MutableHashTableV2 and the lookup ops) and ParseExample(V2). Keys and
 * values are kept exactly (int64 as bigint, strings as bytes).
 */
import { InvalidArgumentError, FailedPreconditionError } from '../../errors.js';
import { decodeProto, ExampleSchema, type Feature } from '../../proto/index.js';
import { DTYPES, type DType } from '../../tensor/dtype.js';
import type { TensorValue } from '../../tensor/tensor-value.js';
import { utf8Decode } from '../../util/bytes.js';
import { allocData, sizeOf, type ResourceHandle, type RuntimeTensor } from '../runtime-tensor.js';
import type { KernelContext } from '../kernel-registry.js';
import { hostOut, type KernelTable } from './util.js';

type Key = string | number | bigint;

function keyOf(data: TensorValue['data'], i: number, dtype: DType): Key {
  if (dtype === 'string') {
    let s = '';
    for (const b of (data as Uint8Array[])[i]!) s += String.fromCharCode(b);
    return s;
  }
  return (data as unknown as ArrayLike<number | bigint>)[i]!;
}

function elem(data: TensorValue['data'], i: number): number | bigint | Uint8Array {
  return (data as unknown as ArrayLike<number | bigint | Uint8Array>)[i]!;
}

function handle(ctx: KernelContext, i: number): ResourceHandle {
  const v = ctx.input(i);
  if (v.kind !== 'resource') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a table handle`);
  return v.handle;
}

function tableOp(mutable: boolean) {
  return (ctx: KernelContext): RuntimeTensor => {
    const a = ctx.attrs;
    const container = a.string('container', '') || 'localhost';
    let name = a.string('shared_name', '');
    if (name === '') name = a.bool('use_node_name_sharing', false) ? ctx.nodeName : `${ctx.nodeName}_table`;
    const h: ResourceHandle = { kind: 'table', container, name };
    ctx.resources.ensureTable(h, a.type('key_dtype'), a.type('value_dtype'), mutable);
    return { kind: 'resource', handle: h };
  };
}

function importKernel(ctx: KernelContext, insert: boolean): RuntimeTensor[] {
  const t = ctx.resources.table(handle(ctx, 0));
  const keys = ctx.host(1);
  const vals = ctx.host(2);
  if (keys.dtype !== t.keyDtype || vals.dtype !== t.valueDtype) {
    throw new InvalidArgumentError(`Conflicting key/value types: ${keys.dtype}-${vals.dtype} vs ${t.keyDtype}-${t.valueDtype}`);
  }
  if (!insert && !t.mutable && t.initialized) return [];
  if (!insert) t.map.clear();
  const n = sizeOf(keys.shape);
  for (let i = 0; i < n; i++) t.map.set(keyOf(keys.data, i, keys.dtype), elem(vals.data, i));
  t.initialized = true;
  return [];
}

function findKernel(ctx: KernelContext): RuntimeTensor {
  const t = ctx.resources.table(handle(ctx, 0));
  if (!t.mutable && !t.initialized) throw new FailedPreconditionError('Table not initialized.');
  const keys = ctx.host(1);
  const dflt = ctx.host(2);
  const n = sizeOf(keys.shape);
  const out = allocData(t.valueDtype, n) as unknown as { [i: number]: unknown };
  const dn = sizeOf(dflt.shape);
  for (let i = 0; i < n; i++) {
    const v = t.map.get(keyOf(keys.data, i, keys.dtype));
    out[i] = v === undefined ? elem(dflt.data, dn === 1 ? 0 : i) : v;
  }
  return hostOut({ dtype: t.valueDtype, shape: keys.shape.slice(), data: out } as unknown as TensorValue);
}

function featureValues(f: Feature | undefined, dtype: DType): (number | bigint | Uint8Array)[] | undefined {
  if (f === undefined || f.kind.case === undefined) return undefined;
  const want = dtype === 'int64' ? 'int64List' : dtype === 'float32' ? 'floatList' : 'bytesList';
  if (f.kind.case !== want) throw new InvalidArgumentError(`Feature has wrong type: expected ${dtype}, got ${f.kind.case}`);
  return [...f.kind.value.value];
}

/** ParseExampleV2 / ParseExample: dense and sparse features (ragged: not implemented). */
function parseExample(ctx: KernelContext): RuntimeTensor[] {
  const v2 = ctx.op === 'ParseExampleV2';
  const serialized = ctx.host(0).data as Uint8Array[];
  const nEx = serialized.length;
  let sparseKeys: string[];
  let denseKeys: string[];
  let denseDefaultStart: number;
  const numSparse = ctx.attrs.int('num_sparse', 0);
  if (v2) {
    sparseKeys = (ctx.host(2).data as Uint8Array[]).map(utf8Decode);
    denseKeys = (ctx.host(3).data as Uint8Array[]).map(utf8Decode);
    if (sizeOf(ctx.shape(4)) > 0) throw new InvalidArgumentError(`ParseExampleV2 (node ${ctx.nodeName}): ragged features are not implemented`);
    denseDefaultStart = 5;
  } else {
    const nDense = ctx.attrs.types('Tdense').length;
    sparseKeys = Array.from({ length: numSparse }, (_, i) => utf8Decode((ctx.host(2 + i).data as Uint8Array[])[0]!));
    denseKeys = Array.from({ length: nDense }, (_, i) => utf8Decode((ctx.host(2 + numSparse + i).data as Uint8Array[])[0]!));
    denseDefaultStart = 2 + numSparse + nDense;
  }
  const tdense = ctx.attrs.types('Tdense');
  const denseShapes = ctx.attrs.shapes('dense_shapes');
  const sparseTypes = ctx.attrs.types('sparse_types');
  const examples = serialized.map((b, i) => decodeProto(ExampleSchema, b, { source: `serialized[${i}]` }));
  const outSparseIdx: RuntimeTensor[] = [];
  const outSparseVals: RuntimeTensor[] = [];
  const outSparseShapes: RuntimeTensor[] = [];
  sparseKeys.forEach((key, k) => {
    const dt = sparseTypes[k]!;
    const idx: bigint[] = [];
    const vals: (number | bigint | Uint8Array)[] = [];
    let maxLen = 0;
    examples.forEach((ex, e) => {
      const v = featureValues(ex.features?.feature[key], dt) ?? [];
      maxLen = Math.max(maxLen, v.length);
      v.forEach((x, j) => { idx.push(BigInt(e), BigInt(j)); vals.push(x); });
    });
    outSparseIdx.push(hostOut({ dtype: 'int64', shape: [vals.length, 2], data: BigInt64Array.from(idx) }));
    const data = allocData(dt, vals.length) as unknown as { [i: number]: unknown };
    vals.forEach((x, i) => { data[i] = x; });
    outSparseVals.push(hostOut({ dtype: dt, shape: [vals.length], data } as unknown as TensorValue));
    outSparseShapes.push(hostOut({ dtype: 'int64', shape: [2], data: BigInt64Array.of(BigInt(nEx), BigInt(maxLen)) }));
  });
  const dense: RuntimeTensor[] = denseKeys.map((key, k) => {
    const dt = tdense[k]!;
    const shape = denseShapes[k] ?? [];
    if (shape === null || shape.some((d) => d < 0)) throw new InvalidArgumentError(`ParseExample (node ${ctx.nodeName}): variable-length dense features are not implemented`);
    const per = sizeOf(shape);
    const dflt = ctx.host(denseDefaultStart + k);
    const hasDefault = sizeOf(dflt.shape) > 0;
    const data = allocData(dt, nEx * per) as unknown as { [i: number]: unknown };
    examples.forEach((ex, e) => {
      let v = featureValues(ex.features?.feature[key], dt);
      if (v === undefined) {
        if (!hasDefault) throw new InvalidArgumentError(`Name: <unknown>, Feature: ${key} (data type: ${DTYPES[dt].cppName}) is required but could not be found.`);
        v = Array.from({ length: per }, (_, j) => elem(dflt.data, sizeOf(dflt.shape) === 1 ? 0 : j));
      }
      if (v.length !== per) {
        throw new InvalidArgumentError(`Name: <unknown>, Key: ${key}, Index: ${e}.  Number of ${dt === 'int64' ? 'int64' : dt === 'float32' ? 'float' : 'bytes'} values != expected.  values size: ${v.length} but output shape: [${shape.join(',')}]`);
      }
      v.forEach((x, j) => { data[e * per + j] = x; });
    });
    return hostOut({ dtype: dt, shape: [nEx, ...shape], data } as unknown as TensorValue);
  });
  return [...outSparseIdx, ...outSparseVals, ...outSparseShapes, ...dense];
}

/** Table and parsing kernels. */
export const tableKernels: KernelTable = {
  HashTableV2: tableOp(false),
  MutableHashTableV2: tableOp(true),
  LookupTableImportV2: (ctx) => importKernel(ctx, false),
  InitializeTableV2: (ctx) => importKernel(ctx, false),
  LookupTableInsertV2: (ctx) => importKernel(ctx, true),
  LookupTableFindV2: findKernel,
  LookupTableSizeV2: (ctx) => hostOut({ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(ctx.resources.table(handle(ctx, 0)).map.size)) }),
  ParseExampleV2: parseExample,
  ParseExample: parseExample,
};
