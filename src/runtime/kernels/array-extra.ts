/**
 * More array kernels, computed host-side over exact typed arrays (int64 as bigint, strings as
 * bytes): GatherNd, MirrorPad, DynamicStitch / ParallelDynamicStitch, TopKV2 / TopK, ScatterNd,
 * Unique / UniqueWithCounts and InvertPermutation. Index inputs may be int32 or int64 wherever TF allows.
 */
import { InvalidArgumentError, UnimplementedError } from '../../errors.js';
import { DTYPES, type DType } from '../../tensor/dtype.js';
import type { TensorValue } from '../../tensor/tensor-value.js';
import type { KernelContext } from '../kernel-registry.js';
import { allocData, formatShape, sizeOf, type RuntimeTensor } from '../runtime-tensor.js';
import { hostOut, intVector, type KernelTable } from './util.js';

/** Indexable element storage of any layout (typed array or byte-string array). */
type Elems = { [i: number]: unknown; readonly length: number };

function vpe(dtype: DType): number {
  return DTYPES[dtype].valuesPerElement;
}

/** Copies `count` elements (of `w` stored values each) from `src[si..]` to `dst[di..]`. */
function copyElems(src: TensorValue['data'], si: number, dst: TensorValue['data'], di: number, count: number, w: number): void {
  const n = count * w;
  if (Array.isArray(src)) {
    const d = dst as unknown[];
    const sa = src as unknown[];
    for (let k = 0; k < n; k++) d[di * w + k] = sa[si * w + k];
    return;
  }
  const s = src as unknown as { subarray(a: number, b: number): ArrayLike<number> };
  (dst as unknown as { set(a: ArrayLike<number>, o: number): void }).set(s.subarray(si * w, si * w + n), di * w);
}

function value(dtype: DType, shape: number[], data: TensorValue['data']): RuntimeTensor {
  return hostOut({ dtype, shape, data } as TensorValue);
}

/** Multi-index string for messages, e.g. `[0,1]`. */
function loc(flat: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    out.unshift(s === 0 ? 0 : flat % s);
    flat = s === 0 ? 0 : Math.floor(flat / s);
  }
  return out.join(',');
}

// ---------------------------------------------------------------------------------------------

function gatherNd(ctx: KernelContext): RuntimeTensor {
  const params = ctx.host(0);
  const iShape = ctx.shape(1);
  const idx = ctx.ints(1);
  if (iShape.length < 1) throw new InvalidArgumentError(`indices must be at least a vector, got shape ${formatShape(iShape)}`);
  const k = iShape[iShape.length - 1]!;
  const pShape = params.shape;
  if (k > pShape.length) {
    throw new InvalidArgumentError(`index innermost dimension length must be <= params rank; saw: ${k} vs. ${pShape.length}`);
  }
  const batch = iShape.slice(0, -1);
  const sliceShape = pShape.slice(k);
  const sliceSize = sizeOf(sliceShape);
  const nb = sizeOf(batch);
  const outShape = [...batch, ...sliceShape];
  const w = vpe(params.dtype);
  const data = allocData(params.dtype, nb * sliceSize);
  if (nb > 0 && sliceSize > 0 && sizeOf(pShape) === 0) {
    throw new InvalidArgumentError('Requested more than 0 entries, but params is empty.');
  }
  for (let b = 0; b < nb; b++) {
    let off = 0;
    for (let j = 0; j < k; j++) {
      const v = idx[b * k + j]!;
      const dim = pShape[j]!;
      if (v < 0 || v >= dim) {
        const bad = idx.slice(b * k, b * k + k);
        throw new InvalidArgumentError(
          `indices[${loc(b, batch)}] = [${bad.join(', ')}] does not index into param shape ${formatShape(pShape)}, node name: ${ctx.nodeName}`,
        );
      }
      off = off * dim + v;
    }
    copyElems(params.data, off * sliceSize, data, b * sliceSize, sliceSize, w);
  }
  return value(params.dtype, outShape, data);
}

// ---------------------------------------------------------------------------------------------

function mirrorPad(ctx: KernelContext): RuntimeTensor {
  const x = ctx.host(0);
  const mode = ctx.attrs.string('mode');
  if (mode !== 'REFLECT' && mode !== 'SYMMETRIC') throw new InvalidArgumentError(`mode must be either REFLECT or SYMMETRIC, got ${mode}`);
  const offset = mode === 'REFLECT' ? 1 : 0;
  const rank = x.shape.length;
  const pShape = ctx.shape(1);
  if (pShape.length !== 2 || pShape[0] !== rank || pShape[1] !== 2) {
    throw new InvalidArgumentError(`The first dimension of paddings must be the rank of inputs${formatShape(pShape)}, ${formatShape(x.shape)}`);
  }
  const p = ctx.ints(1);
  const maps: Int32Array[] = [];
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const before = p[2 * d]!;
    const after = p[2 * d + 1]!;
    const dim = x.shape[d]!;
    if (before < 0 || after < 0) throw new InvalidArgumentError(`paddings must be non-negative: ${before} ${after}`);
    if (before > dim - offset || after > dim - offset) {
      throw new InvalidArgumentError(
        mode === 'REFLECT'
          ? `paddings must be less than the dimension size: ${before}, ${after} not less than ${dim}`
          : `paddings must be no greater than the dimension size: ${before}, ${after} greater than ${dim}`,
      );
    }
    const size = dim + before + after;
    const m = new Int32Array(size);
    for (let o = 0; o < size; o++) {
      const i = o - before;
      if (i < 0) m[o] = mode === 'REFLECT' ? -i : -i - 1;
      else if (i >= dim) m[o] = mode === 'REFLECT' ? 2 * dim - 2 - i : 2 * dim - 1 - i;
      else m[o] = i;
    }
    maps.push(m);
    outShape.push(size);
  }
  const n = sizeOf(outShape);
  const w = vpe(x.dtype);
  const data = allocData(x.dtype, n);
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * x.shape[d + 1]!;
  const coord = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += maps[d]![coord[d]!]! * strides[d]!;
    copyElems(x.data, src, data, o, 1, w);
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return value(x.dtype, outShape, data);
}

// ---------------------------------------------------------------------------------------------

function dynamicStitch(ctx: KernelContext): RuntimeTensor {
  const n = ctx.attrs.int('N', ctx.numInputs / 2);
  if (ctx.numInputs !== 2 * n) throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): expected ${2 * n} inputs, got ${ctx.numInputs}`);
  const indices = Array.from({ length: n }, (_, i) => ({ shape: ctx.shape(i), v: ctx.ints(i) }));
  const datas = Array.from({ length: n }, (_, i) => ctx.host(n + i));
  const dtype = datas[0]!.dtype;
  let maxIndex = -1;
  for (const ix of indices) for (const v of ix.v) maxIndex = Math.max(maxIndex, v);
  const first = datas[0]!;
  const elemShape = first.shape.slice(indices[0]!.shape.length);
  for (let i = 0; i < n; i++) {
    const d = datas[i]!;
    const is = indices[i]!.shape;
    if (d.dtype !== dtype) throw new InvalidArgumentError(`data[${i}] has dtype ${d.dtype}, data[0] has ${dtype}`);
    const prefixOk = is.every((s, j) => d.shape[j] === s);
    if (!prefixOk) {
      throw new InvalidArgumentError(`data[${i}].shape = ${formatShape(d.shape)} does not start with indices[${i}].shape = ${formatShape(is)}`);
    }
    const rest = d.shape.slice(is.length);
    if (rest.length !== elemShape.length || rest.some((s, j) => s !== elemShape[j])) {
      throw new InvalidArgumentError(
        `Need data[0].shape[${indices[0]!.shape.length}:] = data[${i}].shape[${is.length}:], got data[0].shape = ${formatShape(first.shape)}, data[${i}].shape = ${formatShape(d.shape)}, indices[0].shape = ${formatShape(indices[0]!.shape)}, indices[${i}].shape = ${formatShape(is)}`,
      );
    }
  }
  const slice = sizeOf(elemShape);
  const outShape = [maxIndex + 1, ...elemShape];
  const w = vpe(dtype);
  const data = allocData(dtype, sizeOf(outShape));
  for (let i = 0; i < n; i++) {
    const ix = indices[i]!.v;
    for (let j = 0; j < ix.length; j++) {
      const t = ix[j]!;
      if (t < 0) throw new InvalidArgumentError(`indices[${j}] is out of range`);
      copyElems(datas[i]!.data, j * slice, data, t * slice, slice, w);
    }
  }
  return value(dtype, outShape, data);
}

// ---------------------------------------------------------------------------------------------

function topK(ctx: KernelContext): RuntimeTensor[] {
  const x = ctx.host(0);
  const k = ctx.op === 'TopK' ? ctx.attrs.int('k') : (() => {
    const v = ctx.ints(1);
    if (ctx.shape(1).length !== 0) throw new InvalidArgumentError(`k must be 0-D, got shape ${formatShape(ctx.shape(1))}`);
    return v[0]!;
  })();
  if (k < 0) throw new InvalidArgumentError(`Need k >= 0, got ${k}`);
  if (x.shape.length < 1) throw new InvalidArgumentError(`input must be >= 1-D, got shape ${formatShape(x.shape)}`);
  const cols = x.shape[x.shape.length - 1]!;
  if (cols < k) throw new InvalidArgumentError(`input must have at least k columns. Had ${cols}, needed ${k}`);
  const kind = DTYPES[x.dtype].kind;
  if (kind !== 'float' && kind !== 'int' && kind !== 'uint') unsupportedDtype(ctx, x.dtype);
  if (x.dtype === 'float16' || x.dtype === 'bfloat16') unsupportedDtype(ctx, x.dtype);
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const src = x.data as unknown as ArrayLike<number | bigint>;
  const outShape = [...x.shape.slice(0, -1), k];
  const vals = allocData(x.dtype, rows * k) as unknown as Elems;
  const idxType = ctx.attrs.has('index_type') ? ctx.attrs.type('index_type') : 'int32';
  const idx: number[] = new Array<number>(rows * k);
  const order = new Array<number>(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) order[c] = c;
    const base = r * cols;
    // Descending by value; equal values keep the lower index first; NaN sorts first (greatest).
    order.sort((a, b) => {
      const va = src[base + a]!;
      const vb = src[base + b]!;
      const na = typeof va === 'number' && Number.isNaN(va);
      const nb = typeof vb === 'number' && Number.isNaN(vb);
      if (na || nb) return na && nb ? a - b : na ? -1 : 1;
      return va > vb ? -1 : va < vb ? 1 : a - b;
    });
    for (let j = 0; j < k; j++) {
      vals[r * k + j] = src[base + order[j]!]!;
      idx[r * k + j] = order[j]!;
    }
  }
  let idxValue: TensorValue;
  if (idxType === 'int32' || idxType === 'int64') idxValue = intVector(idxType, idx);
  else if (idxType === 'int16') idxValue = { dtype: 'int16', shape: [idx.length], data: Int16Array.from(idx) };
  else throw new InvalidArgumentError(`index_type ${idxType} is not supported`);
  return [value(x.dtype, outShape, vals as unknown as TensorValue['data']), value(idxValue.dtype, outShape, idxValue.data)];
}

function unsupportedDtype(ctx: KernelContext, dtype: DType): never {
  throw new UnimplementedError(`${ctx.op} (node ${ctx.nodeName}) has no exact implementation for dtype ${dtype} in tfpersist's runtime`);
}

// ---------------------------------------------------------------------------------------------

function scatterNd(ctx: KernelContext): RuntimeTensor {
  const iShape = ctx.shape(0);
  const idx = ctx.ints(0);
  const updates = ctx.host(1);
  const shape = ctx.ints(2);
  const dtype = updates.dtype;
  const kind = DTYPES[dtype].kind;
  if (!(kind === 'float' || kind === 'int' || kind === 'uint' || kind === 'complex') || dtype === 'float16' || dtype === 'bfloat16') {
    unsupportedDtype(ctx, dtype);
  }
  if (shape.some((d) => d < 0)) throw new InvalidArgumentError(`Shape must be non-negative: ${formatShape(shape)}`);
  if (iShape.length < 1) throw new InvalidArgumentError(`Indices shape must have rank at least one. Found:${formatShape(iShape)}`);
  const k = iShape[iShape.length - 1]!;
  if (k > shape.length) {
    throw new InvalidArgumentError(`Output must have rank at least the size of the last dimension of indices: ${k} > ${shape.length}`);
  }
  const batch = iShape.slice(0, -1);
  const sliceShape = shape.slice(k);
  const uShape = updates.shape;
  const nBatch = batch.length;
  if (uShape.length < nBatch || batch.some((d, i) => d !== uShape[i])) {
    throw new InvalidArgumentError(
      `Dimensions [0,${nBatch}) of indices[shape=${formatShape(iShape)}] must match dimensions [0,${nBatch}) of updates[shape=${formatShape(uShape)}]`,
    );
  }
  const uSlice = uShape.slice(nBatch);
  if (uSlice.length !== sliceShape.length || uSlice.some((d, i) => d !== sliceShape[i])) {
    throw new InvalidArgumentError(
      `Dimensions [${k},${shape.length}) of input[shape=${formatShape(shape)}] must match dimensions [${nBatch},${uShape.length}) of updates[shape=${formatShape(uShape)}]`,
    );
  }
  const slice = sizeOf(sliceShape);
  const w = vpe(dtype);
  const out = allocData(dtype, sizeOf(shape)) as unknown as { [i: number]: number | bigint };
  const upd = updates.data as unknown as ArrayLike<number | bigint>;
  const nb = sizeOf(batch);
  for (let b = 0; b < nb; b++) {
    let off = 0;
    for (let j = 0; j < k; j++) {
      const v = idx[b * k + j]!;
      const dim = shape[j]!;
      if (v < 0 || v >= dim) {
        throw new InvalidArgumentError(
          `indices[${loc(b, batch)}] = [${idx.slice(b * k, b * k + k).join(', ')}] does not index into shape ${formatShape(shape)}`,
        );
      }
      off = off * dim + v;
    }
    const dst = off * slice * w;
    const src = b * slice * w;
    // In-place accumulation stores (and rounds / wraps) after every addition, like TF's ADD update.
    for (let e = 0; e < slice * w; e++) (out[dst + e] as number) += upd[src + e] as number;
  }
  return value(dtype, shape.slice(), out as unknown as TensorValue['data']);
}

// ---------------------------------------------------------------------------------------------

function elemKey(data: TensorValue['data'], i: number, w: number): unknown {
  if (Array.isArray(data)) {
    let s = '';
    for (const b of data[i] as Uint8Array) s += String.fromCharCode(b);
    return s;
  }
  const a = data as unknown as ArrayLike<number | bigint>;
  if (w === 1) return a[i]!;
  let s = '';
  for (let k = 0; k < w; k++) s += `${String(a[i * w + k])},`;
  return s;
}

function unique(ctx: KernelContext): RuntimeTensor[] {
  const x = ctx.host(0);
  if (x.shape.length !== 1) throw new InvalidArgumentError(`unique expects a 1D vector.`);
  const outIdx = ctx.attrs.has('out_idx') ? ctx.attrs.type('out_idx') : 'int32';
  const n = x.shape[0]!;
  const w = vpe(x.dtype);
  const seen = new Map<unknown, number>();
  const firsts: number[] = [];
  const idx: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const key = elemKey(x.data, i, w);
    let j = seen.get(key);
    if (j === undefined) {
      j = firsts.length;
      seen.set(key, j);
      firsts.push(i);
    }
    idx[i] = j;
  }
  const y = allocData(x.dtype, firsts.length);
  firsts.forEach((src, j) => copyElems(x.data, src, y, j, 1, w));
  const outs = [value(x.dtype, [firsts.length], y), hostOut(intVector(outIdx, idx))];
  if (ctx.op === 'UniqueWithCounts') {
    const counts = new Array<number>(firsts.length).fill(0);
    for (const j of idx) counts[j]!++;
    outs.push(hostOut(intVector(outIdx, counts)));
  }
  return outs;
}

// ---------------------------------------------------------------------------------------------

function invertPermutation(ctx: KernelContext): RuntimeTensor {
  const dt = ctx.dtype(0);
  if (ctx.shape(0).length !== 1) throw new InvalidArgumentError(`invert_permutation expects a 1D vector.`);
  const x = ctx.ints(0);
  const n = x.length;
  const y = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = x[i]!;
    if (d < 0 || d >= n) throw new InvalidArgumentError(`${d} is not between 0 and ${n}`);
    if (y[d] !== -1) throw new InvalidArgumentError(`${d} is duplicated in the input.`);
    y[d] = i;
  }
  return hostOut(intVector(dt, y));
}

/** Extra array kernels. */
export const arrayExtraKernels: KernelTable = {
  GatherNd: gatherNd,
  MirrorPad: mirrorPad,
  DynamicStitch: dynamicStitch,
  ParallelDynamicStitch: dynamicStitch,
  TopKV2: topK,
  TopK: topK,
  ScatterNd: scatterNd,
  Unique: unique,
  UniqueWithCounts: unique,
  InvertPermutation: invertPermutation,
};
