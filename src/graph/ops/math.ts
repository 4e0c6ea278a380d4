/**
 * Math builders (`tf.math.*`, graph mode). Element-wise ops are named after their op type
 * (`tf.add` -> `AddV2`, `tf.multiply` -> `Mul`, `tf.subtract` -> `Sub`); Python's operators (`x + y`
 * -> `add`) are not mirrored — pass `{name: 'add'}` to get the same node names.
 */
import { DataType } from '../../proto/index.js';
import { baseType, toDataType, type DTypeLike } from '../dtypes.js';
import type { Graph } from '../graph.js';
import { Output } from '../output.js';
import { applyOp, constantOp, convertToOutput, type TensorLike } from './apply-op.js';
import { identity, type NameOption } from './state.js';

type Unary = (g: Graph, x: TensorLike, options?: NameOption) => Output;
type Binary = (g: Graph, x: TensorLike, y: TensorLike, options?: NameOption) => Output;

const unary = (type: string, arg = 'x'): Unary => (g, x, options = {}) => applyOp(g, type, { [arg]: x }, {}, options).output(0);
const binary = (type: string): Binary => (g, x, y, options = {}) => applyOp(g, type, { x, y }, {}, options).output(0);

/** `tf.add(x, y, name='Add')`: op `AddV2` (`Add` for strings) in scope `Add`, JS values as `Add/x`, `Add/y`. */
export function add(g: Graph, x: TensorLike, y: TensorLike, options: NameOption = {}): Output {
  return g.nameScope(options.name ?? 'Add', (scope) => {
    const a = convertToOutput(g, x, { name: 'x' });
    const b = y instanceof Output ? y : convertToOutput(g, y, { name: 'y', dtype: a.baseDtype });
    return applyOp(g, a.baseDtype === DataType.DT_STRING ? 'Add' : 'AddV2', { x: a, y: b }, {}, { name: scope }).output(0);
  });
}
/** Legacy `Add` op (also strings). */ export const addV1 = binary('Add');
/** `tf.subtract` (Sub). */ export const sub = binary('Sub');
/** `tf.multiply` (Mul). */ export const mul = binary('Mul');
/** `Div` op. */ export const div = binary('Div');
/** `tf.realdiv` (RealDiv). */ export const realDiv = binary('RealDiv');
/** `tf.math.floordiv` (FloorDiv). */ export const floorDiv = binary('FloorDiv');
/** `tf.math.floormod` (FloorMod). */ export const floorMod = binary('FloorMod');
/** `tf.truncatediv`. */ export const truncateDiv = binary('TruncateDiv');
/** `tf.truncatemod`. */ export const truncateMod = binary('TruncateMod');
/** `Mod` op. */ export const mod = binary('Mod');
/** `tf.maximum`. */ export const maximum = binary('Maximum');
/** `tf.minimum`. */ export const minimum = binary('Minimum');
/** `tf.pow`. */ export const pow = binary('Pow');
/** `tf.math.squared_difference`. */ export const squaredDifference = binary('SquaredDifference');
/** `tf.math.atan2` (args y, x as `x`, `y`). */ export const atan2 = (g: Graph, y: TensorLike, x: TensorLike, options: NameOption = {}): Output => applyOp(g, 'Atan2', { y, x }, {}, options).output(0);
/** `tf.math.divide_no_nan`. */ export const divNoNan = binary('DivNoNan');
/** `tf.math.multiply_no_nan`. */ export const mulNoNan = binary('MulNoNan');
/** `tf.math.xdivy`. */ export const xdivy = binary('Xdivy');
/** `tf.math.xlogy`. */ export const xlogy = binary('Xlogy');
/** `tf.equal` (incompatible_shape_error=true). */ export const equal = binary('Equal');
/** `tf.not_equal`. */ export const notEqual = binary('NotEqual');
/** `tf.less`. */ export const less = binary('Less');
/** `tf.less_equal`. */ export const lessEqual = binary('LessEqual');
/** `tf.greater`. */ export const greater = binary('Greater');
/** `tf.greater_equal`. */ export const greaterEqual = binary('GreaterEqual');
/** `tf.logical_and`. */ export const logicalAnd = binary('LogicalAnd');
/** `tf.logical_or`. */ export const logicalOr = binary('LogicalOr');

/** `tf.negative`. */ export const neg = unary('Neg');
/** `tf.abs`. */ export const abs = unary('Abs');
/** `tf.sign`. */ export const sign = unary('Sign');
/** `tf.square`. */ export const square = unary('Square');
/** `tf.sqrt`. */ export const sqrt = unary('Sqrt');
/** `tf.math.rsqrt`. */ export const rsqrt = unary('Rsqrt');
/** `tf.exp`. */ export const exp = unary('Exp');
/** `tf.math.log`. */ export const log = unary('Log');
/** `tf.math.log1p`. */ export const log1p = unary('Log1p');
/** `tf.math.expm1`. */ export const expm1 = unary('Expm1');
/** `tf.sin`. */ export const sin = unary('Sin');
/** `tf.cos`. */ export const cos = unary('Cos');
/** `tf.tan`. */ export const tan = unary('Tan');
/** `tf.asin`. */ export const asin = unary('Asin');
/** `tf.acos`. */ export const acos = unary('Acos');
/** `tf.atan`. */ export const atan = unary('Atan');
/** `tf.sinh`. */ export const sinh = unary('Sinh');
/** `tf.cosh`. */ export const cosh = unary('Cosh');
/** `tf.floor`. */ export const floor = unary('Floor');
/** `tf.math.ceil`. */ export const ceil = unary('Ceil');
/** `tf.math.round` is not this op; this is the `Round` op (`tf.raw_ops.Round`, banker's rounding). */ export const round = unary('Round');
/** `tf.math.rint`. */ export const rint = unary('Rint');
/** `tf.math.reciprocal`. */ export const reciprocal = unary('Reciprocal');
/** `Inv` op. */ export const inv = unary('Inv');
/** `tf.logical_not`. */ export const logicalNot = unary('LogicalNot');
/** `tf.math.is_nan`. */ export const isNan = unary('IsNan');
/** `tf.math.is_inf`. */ export const isInf = unary('IsInf');
/** `tf.math.is_finite`. */ export const isFinite = unary('IsFinite');
/** `tf.math.erf`. */ export const erf = unary('Erf');
/** `tf.math.erfc`. */ export const erfc = unary('Erfc');
/** `tf.nn.softsign` (op `Softsign`). */ export const softsign = unary('Softsign', 'features');

/** `tf.matmul(a, b, transpose_a, transpose_b, name='MatMul')` (2-D; JS values become `MatMul/a`, `MatMul/b`). */
export function matmul(g: Graph, a: TensorLike, b: TensorLike, options: NameOption & { transposeA?: boolean; transposeB?: boolean } = {}): Output {
  return g.nameScope(options.name ?? 'MatMul', (scope) => {
    const x = convertToOutput(g, a, { name: 'a' });
    const y = b instanceof Output ? b : convertToOutput(g, b, { name: 'b', dtype: x.baseDtype });
    const rank = x.rank;
    if (rank !== null && rank > 2) {
      return applyOp(g, 'BatchMatMulV2', { x, y }, { adj_x: options.transposeA ?? false, adj_y: options.transposeB ?? false }, { name: scope }).output(0);
    }
    return applyOp(g, 'MatMul', { a: x, b: y }, { transpose_a: options.transposeA ?? false, transpose_b: options.transposeB ?? false }, { name: scope }).output(0);
  });
}

/** `BatchMatMulV2` (`tf.linalg.matmul` on batches). */
export function batchMatMulV2(g: Graph, x: TensorLike, y: TensorLike, options: NameOption & { adjX?: boolean; adjY?: boolean } = {}): Output {
  return applyOp(g, 'BatchMatMulV2', { x, y }, { adj_x: options.adjX, adj_y: options.adjY }, options).output(0);
}

/** `BatchMatMulV3` (explicit output type `Tout`). */
export function batchMatMulV3(g: Graph, x: TensorLike, y: TensorLike, tout: DTypeLike, options: NameOption & { adjX?: boolean; adjY?: boolean } = {}): Output {
  return applyOp(g, 'BatchMatMulV3', { x, y }, { Tout: toDataType(tout), adj_x: options.adjX, adj_y: options.adjY }, options).output(0);
}

/** `BatchMatMul` (v1). */
export function batchMatMul(g: Graph, x: TensorLike, y: TensorLike, options: NameOption & { adjX?: boolean; adjY?: boolean } = {}): Output {
  return applyOp(g, 'BatchMatMul', { x, y }, { adj_x: options.adjX, adj_y: options.adjY }, options).output(0);
}

/** `tf.cast(x, dtype, name='Cast')`: returns `x` itself when it already has `dtype` (like Python). */
export function cast(g: Graph, x: TensorLike, dtype: DTypeLike, options: NameOption & { truncate?: boolean } = {}): Output {
  const dst = baseType(toDataType(dtype));
  return g.nameScope(options.name ?? 'Cast', (scope) => {
    const v = convertToOutput(g, x, { name: 'x' });
    if (v.baseDtype === dst) return v;
    return applyOp(g, 'Cast', { x: v }, { DstT: dst, Truncate: options.truncate ?? false }, { name: scope }).output(0);
  });
}

/** Options of the reductions. */
export interface ReduceOptions extends NameOption {
  /** Keep reduced dims with size 1 (default false). */
  keepDims?: boolean;
}

function reduction(type: string, defaultName: string) {
  return (g: Graph, x: TensorLike, axis?: number | readonly number[] | Output, options: ReduceOptions = {}): Output => {
    const input = convertToOutput(g, x, { name: 'input' });
    let axes: TensorLike;
    if (axis === undefined) {
      // Python's _ReductionDims: a constant arange(rank) in the *current* scope, named 'Const'
      const r = input.rank;
      if (r !== null) axes = constantOp(g, Array.from({ length: r }, (_, i) => i), { dtype: DataType.DT_INT32 });
      else {
        const rank = applyOp(g, 'Rank', { input }, {}).output(0);
        axes = applyOp(g, 'Range', { start: constantOp(g, 0, { dtype: DataType.DT_INT32, name: 'range/start' }), limit: rank, delta: constantOp(g, 1, { dtype: DataType.DT_INT32, name: 'range/delta' }) }, {}, { name: 'range' }).output(0);
      }
    } else axes = axis as TensorLike;
    const out = applyOp(g, type, { input, reduction_indices: axes }, { keep_dims: options.keepDims ?? false }, { name: options.name ?? defaultName }).output(0);
    // Python's _may_reduce_to_scalar: reducing over all axes without keepdims gives a scalar
    if (axis === undefined && !options.keepDims && out.shape === null) out.setShape([]);
    return out;
  };
}

/** `tf.reduce_sum(x, axis=None, keepdims=False, name='Sum')`. */ export const reduceSum = reduction('Sum', 'Sum');
/** `tf.reduce_mean`. */ export const reduceMean = reduction('Mean', 'Mean');
/** `tf.reduce_prod`. */ export const reduceProd = reduction('Prod', 'Prod');
/** `tf.reduce_max`. */ export const reduceMax = reduction('Max', 'Max');
/** `tf.reduce_min`. */ export const reduceMin = reduction('Min', 'Min');
/** `tf.reduce_all`. */ export const reduceAll = reduction('All', 'All');
/** `tf.reduce_any`. */ export const reduceAny = reduction('Any', 'Any');

/** `tf.argmax(input, axis, output_type=int64, name='ArgMax')` (axis const `ArgMax/dimension`). */
export function argMax(g: Graph, input: TensorLike, axis: TensorLike = 0, options: NameOption & { outputType?: DTypeLike } = {}): Output {
  return applyOp(g, 'ArgMax', { input, dimension: axis }, { output_type: toDataType(options.outputType ?? DataType.DT_INT64) }, options).output(0);
}

/** `tf.argmin(input, axis, output_type=int64, name='ArgMin')`. */
export function argMin(g: Graph, input: TensorLike, axis: TensorLike = 0, options: NameOption & { outputType?: DTypeLike } = {}): Output {
  return applyOp(g, 'ArgMin', { input, dimension: axis }, { output_type: toDataType(options.outputType ?? DataType.DT_INT64) }, options).output(0);
}

/** `tf.where(condition, x, y)` = `SelectV2` (broadcasting). */
export function selectV2(g: Graph, condition: TensorLike, t: TensorLike, e: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'SelectV2', { condition, t, e }, {}, options).output(0);
}

/** `tf.compat.v1.where(condition, x, y)` = `Select`. */
export function select(g: Graph, condition: TensorLike, t: TensorLike, e: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Select', { condition, t, e }, {}, options).output(0);
}

/** `tf.add_n(inputs, name=None)`: one input returns it (or an Identity when named), like Python. */
export function addN(g: Graph, inputs: readonly TensorLike[], options: NameOption = {}): Output {
  if (inputs.length === 1) {
    const v = convertToOutput(g, inputs[0] as TensorLike);
    return options.name ? identity(g, v, options) : v;
  }
  return applyOp(g, 'AddN', { inputs }, {}, options).output(0);
}

/** `tf.clip_by_value(t, min, max, name='clip_by_value')`: `clip_by_value/Minimum` then Maximum `clip_by_value`. */
export function clipByValue(g: Graph, t: TensorLike, clipMin: TensorLike, clipMax: TensorLike, options: NameOption = {}): Output {
  return g.nameScope(options.name ?? 'clip_by_value', (scope) => {
    const values = convertToOutput(g, t, { name: 't' });
    const tMin = minimum(g, values, clipMax);
    return maximum(g, tMin, clipMin, { name: scope });
  });
}

/** The `ClipByValue` op itself. */
export function clipByValueOp(g: Graph, t: TensorLike, clipMin: TensorLike, clipMax: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'ClipByValue', { t, clip_value_min: clipMin, clip_value_max: clipMax }, {}, options).output(0);
}

/** `tf.math.cumsum(x, axis=0, exclusive, reverse, name='Cumsum')`. */
export function cumsum(g: Graph, x: TensorLike, axis: TensorLike = 0, options: NameOption & { exclusive?: boolean; reverse?: boolean } = {}): Output {
  return applyOp(g, 'Cumsum', { x, axis }, { exclusive: options.exclusive, reverse: options.reverse }, options).output(0);
}

/** `tf.math.cumprod`. */
export function cumprod(g: Graph, x: TensorLike, axis: TensorLike = 0, options: NameOption & { exclusive?: boolean; reverse?: boolean } = {}): Output {
  return applyOp(g, 'Cumprod', { x, axis }, { exclusive: options.exclusive, reverse: options.reverse }, options).output(0);
}
