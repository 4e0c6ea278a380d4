/** Array builders (`tf.*` array functions, graph mode), with Python's default names and const names. */
import { DataType } from '../../proto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { toDataType, type DTypeLike } from '../dtypes.js';
import type { Graph } from '../graph.js';
import { Output } from '../output.js';
import { applyOp, constantOp, convertToOutput, type TensorLike } from './apply-op.js';
import { identity, type NameOption } from './state.js';

/** `tf.shape(input, out_type=int32, name='Shape')`: a Const when the static shape is fully known (like Python). */
export function shape(g: Graph, input: TensorLike, options: NameOption & { outType?: DTypeLike } = {}): Output {
  const outType = toDataType(options.outType ?? DataType.DT_INT32);
  return g.nameScope(options.name ?? 'Shape', (scope) => {
    const x = convertToOutput(g, input, { name: 'input' });
    const s = x.shape;
    if (s !== null && s.every((d) => d !== null)) return constantOp(g, s as number[], { dtype: outType, shape: [s.length], name: scope });
    return applyOp(g, 'Shape', { input: x }, { out_type: outType }, { name: scope }).output(0);
  });
}

/** `tf.shape_n(inputs)`. */
export function shapeN(g: Graph, input: readonly TensorLike[], options: NameOption & { outType?: DTypeLike } = {}): Output[] {
  return [...applyOp(g, 'ShapeN', { input }, { out_type: toDataType(options.outType ?? DataType.DT_INT32) }, options).outputs];
}

/** `tf.size(input, out_type=int32, name='Size')`: a Const when the element count is statically known. */
export function size(g: Graph, input: TensorLike, options: NameOption & { outType?: DTypeLike } = {}): Output {
  const outType = toDataType(options.outType ?? DataType.DT_INT32);
  return g.nameScope(options.name ?? 'Size', (scope) => {
    const x = convertToOutput(g, input, { name: 'input' });
    const s = x.shape;
    if (s !== null && (s.every((d) => d !== null) || s.some((d) => d === 0))) {
      const n = s.some((d) => d === 0) ? 0 : (s as number[]).reduce((a, b) => a * b, 1);
      return constantOp(g, n, { dtype: outType, name: scope });
    }
    return applyOp(g, 'Size', { input: x }, { out_type: outType }, { name: scope }).output(0);
  });
}

/** `tf.rank(input, name='Rank')`: a Const when the static rank is known. */
export function rank(g: Graph, input: TensorLike, options: NameOption = {}): Output {
  return g.nameScope(options.name ?? 'Rank', (scope) => {
    const x = convertToOutput(g, input, { name: 'input' });
    if (x.rank !== null) return constantOp(g, x.rank, { dtype: DataType.DT_INT32, name: scope });
    return applyOp(g, 'Rank', { input: x }, {}, { name: scope }).output(0);
  });
}

/** `tf.reshape(tensor, shape, name='Reshape')` (a JS shape becomes `<name>/shape`). */
export function reshape(g: Graph, tensor: TensorLike, shapeValue: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Reshape', { tensor, shape: shapeValue }, {}, options).output(0);
}

/** `tf.squeeze(input, axis=None, name='Squeeze')`. */
export function squeeze(g: Graph, input: TensorLike, axis: readonly number[] = [], options: NameOption = {}): Output {
  return applyOp(g, 'Squeeze', { input }, { squeeze_dims: [...axis] }, options).output(0);
}

/** `tf.expand_dims(input, axis, name='ExpandDims')` (axis const `ExpandDims/dim`). */
export function expandDims(g: Graph, input: TensorLike, axis: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'ExpandDims', { input, dim: axis }, {}, options).output(0);
}

/** `tf.transpose(a, perm, name='transpose')` (perm required here; const `transpose/perm`). */
export function transpose(g: Graph, x: TensorLike, perm: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Transpose', { x, perm }, {}, { name: options.name ?? 'transpose' }).output(0);
}

/** `tf.concat(values, axis, name='concat')` (ConcatV2; one value gives an Identity, like Python). */
export function concat(g: Graph, values: readonly TensorLike[], axis: number | Output, options: NameOption = {}): Output {
  const name = options.name ?? 'concat';
  if (values.length === 1) {
    return g.nameScope(name, (scope) => {
      constantOp(g, axis as number, { dtype: DataType.DT_INT32, name: 'concat_dim' });
      return identity(g, values[0] as TensorLike, { name: scope });
    });
  }
  return applyOp(g, 'ConcatV2', { values, axis }, {}, { name }).output(0);
}

/** `tf.stack(values, axis=0, name='stack')` (Pack). */
export function stack(g: Graph, values: readonly TensorLike[], axis = 0, options: NameOption = {}): Output {
  return applyOp(g, 'Pack', { values }, { axis }, { name: options.name ?? 'stack' }).output(0);
}

/** `tf.unstack(value, num=None, axis=0, name='unstack')` (Unpack; `num` from the static shape when omitted). */
export function unstack(g: Graph, value: TensorLike, options: NameOption & { num?: number; axis?: number } = {}): Output[] {
  const v = convertToOutput(g, value);
  const axis = options.axis ?? 0;
  let num = options.num;
  if (num === undefined) {
    const s = v.shape;
    const d = s === null ? null : s[axis < 0 ? axis + s.length : axis];
    if (d === null || d === undefined) throw new InvalidArgumentError(`Cannot infer argument \`num\` from shape ${s === null ? '<unknown>' : `(${s.join(', ')})`}`);
    num = d;
  }
  return [...applyOp(g, 'Unpack', { value: v }, { num, axis }, { name: options.name ?? 'unstack' }).outputs];
}

/** `tf.split(value, num_split, axis=0, name='split')` for an integer split (const `split/split_dim`). */
export function split(g: Graph, value: TensorLike, numSplit: number, axis: TensorLike = 0, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'Split', { split_dim: axis, value }, { num_split: numSplit }, { name: options.name ?? 'split' }).outputs];
}

/** `tf.split(value, size_splits, axis, name='split')` with explicit sizes (SplitV). */
export function splitV(g: Graph, value: TensorLike, sizeSplits: readonly number[], axis: TensorLike = 0, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'SplitV', { value, size_splits: [...sizeSplits], split_dim: axis }, { num_split: sizeSplits.length }, { name: options.name ?? 'split' }).outputs];
}

/** `tf.slice(input, begin, size, name='Slice')`. */
export function slice(g: Graph, input: TensorLike, begin: TensorLike, sizeValue: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Slice', { input, begin, size: sizeValue }, {}, options).output(0);
}

/** The `StridedSlice` op with explicit begin/end/strides and masks. */
export function stridedSlice(
  g: Graph, input: TensorLike, begin: TensorLike, end: TensorLike, strides: TensorLike,
  options: NameOption & { beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number } = {},
): Output {
  return applyOp(g, 'StridedSlice', { input, begin, end, strides }, {
    begin_mask: options.beginMask, end_mask: options.endMask, ellipsis_mask: options.ellipsisMask,
    new_axis_mask: options.newAxisMask, shrink_axis_mask: options.shrinkAxisMask,
  }, options).output(0);
}

/** `tf.gather(params, indices, axis=0, batch_dims=0, name='GatherV2')`. */
export function gather(g: Graph, params: TensorLike, indices: TensorLike, axis: TensorLike = 0, options: NameOption & { batchDims?: number } = {}): Output {
  return applyOp(g, 'GatherV2', { params, indices, axis }, { batch_dims: options.batchDims }, options).output(0);
}

/** `tf.gather_nd(params, indices, name='GatherNd')`. */
export function gatherNd(g: Graph, params: TensorLike, indices: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'GatherNd', { params, indices }, {}, options).output(0);
}

/** `tf.tile(input, multiples, name='Tile')`. */
export function tile(g: Graph, input: TensorLike, multiples: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Tile', { input, multiples }, {}, options).output(0);
}

/** `tf.range(start, limit, delta=1, name='range')` (consts `range/start`, `range/limit`, `range/delta`). */
export function range(g: Graph, start: TensorLike, limit: TensorLike, delta: TensorLike = 1, options: NameOption & { dtype?: DTypeLike } = {}): Output {
  return g.nameScope(options.name ?? 'range', (scope) => {
    const s = convertToOutput(g, start, { name: 'start', dtype: options.dtype });
    const l = convertToOutput(g, limit, { name: 'limit', dtype: options.dtype ?? s.baseDtype });
    const d = convertToOutput(g, delta, { name: 'delta', dtype: options.dtype ?? s.baseDtype });
    return applyOp(g, 'Range', { start: s, limit: l, delta: d }, {}, { name: scope }).output(0);
  });
}

/** `tf.one_hot(indices, depth, on_value=1, off_value=0, axis=-1, dtype=float32, name='one_hot')`. */
export function oneHot(g: Graph, indices: TensorLike, depth: number, options: NameOption & { onValue?: number; offValue?: number; axis?: number; dtype?: DTypeLike } = {}): Output {
  return g.nameScope(options.name ?? 'one_hot', (scope) => {
    const dt = toDataType(options.dtype ?? DataType.DT_FLOAT);
    const on = constantOp(g, options.onValue ?? 1, { dtype: dt, name: 'on_value' });
    const off = constantOp(g, options.offValue ?? 0, { dtype: dt, name: 'off_value' });
    return applyOp(g, 'OneHot', { indices, depth, on_value: on, off_value: off }, { axis: options.axis ?? -1 }, { name: scope }).output(0);
  });
}

/** `tf.pad(tensor, paddings, name='Pad')` (mode CONSTANT, zero fill). */
export function pad(g: Graph, input: TensorLike, paddings: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Pad', { input, paddings }, {}, options).output(0);
}

/** `PadV2` (constant fill value). */
export function padV2(g: Graph, input: TensorLike, paddings: TensorLike, constantValues: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'PadV2', { input, paddings, constant_values: constantValues }, {}, options).output(0);
}

/** `MirrorPad` (`mode` REFLECT or SYMMETRIC). */
export function mirrorPad(g: Graph, input: TensorLike, paddings: TensorLike, mode: 'REFLECT' | 'SYMMETRIC', options: NameOption = {}): Output {
  return applyOp(g, 'MirrorPad', { input, paddings }, { mode }, options).output(0);
}

/** `tf.broadcast_to(input, shape, name='BroadcastTo')`. */
export function broadcastTo(g: Graph, input: TensorLike, shapeValue: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'BroadcastTo', { input, shape: shapeValue }, {}, options).output(0);
}

/** `tf.broadcast_dynamic_shape` = `BroadcastArgs`. */
export function broadcastArgs(g: Graph, s0: TensorLike, s1: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'BroadcastArgs', { s0, s1 }, {}, options).output(0);
}

/** `BroadcastGradientArgs` -> [r0, r1]. */
export function broadcastGradientArgs(g: Graph, s0: TensorLike, s1: TensorLike, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'BroadcastGradientArgs', { s0, s1 }, {}, options).outputs];
}

/** `tf.dynamic_stitch(indices, data)`. */
export function dynamicStitch(g: Graph, indices: readonly TensorLike[], data: readonly TensorLike[], options: NameOption = {}): Output {
  return applyOp(g, 'DynamicStitch', { indices, data }, {}, options).output(0);
}

/** `tf.where(condition)` with one argument (`Where`: coordinates of true elements). */
export function where(g: Graph, condition: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Where', { input: condition }, {}, options).output(0);
}

/** `tf.reverse(tensor, axis, name='ReverseV2')`. */
export function reverse(g: Graph, tensor: TensorLike, axis: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'ReverseV2', { tensor, axis }, {}, options).output(0);
}

/** `tf.math.top_k(input, k=1, sorted=True, name='TopKV2')` -> [values, indices]. */
export function topK(g: Graph, input: TensorLike, k: TensorLike = 1, options: NameOption & { sorted?: boolean } = {}): Output[] {
  return [...applyOp(g, 'TopKV2', { input, k }, { sorted: options.sorted ?? true }, options).outputs];
}

/** `tf.scatter_nd(indices, updates, shape, name='ScatterNd')`. */
export function scatterNd(g: Graph, indices: TensorLike, updates: TensorLike, shapeValue: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'ScatterNd', { indices, updates, shape: shapeValue }, {}, options).output(0);
}

/** `tf.unique(x, out_idx=int32, name='Unique')` -> [y, idx]. */
export function unique(g: Graph, x: TensorLike, options: NameOption & { outIdx?: DTypeLike } = {}): Output[] {
  return [...applyOp(g, 'Unique', { x }, { out_idx: toDataType(options.outIdx ?? DataType.DT_INT32) }, options).outputs];
}
