/**
 * Building blocks of the gradient functions, named the way TensorFlow's Python code names them:
 * Python operators (`x * y` -> `mul`, `x + y` -> `add`, `x / y` -> `truediv`, `-x` -> `Neg`),
 * `array_ops.shape` (a Const when the static shape is known), `math_ops.reduced_shape`,
 * `SmartBroadcastGradientArgs` and `_ReduceGradientArgs` (math_grad.py).
 */
import { DataType } from '../../proto/index.js';
import { isFullyDefined } from '../../graph/shape.js';
import type { Graph } from '../../graph/graph.js';
import type { Output } from '../../graph/output.js';
import { applyOp, constantOp, type TensorLike } from '../../graph/ops/apply-op.js';
import { range, shape as shapeOp, size as sizeOp } from '../../graph/ops/array.js';
import { add } from '../../graph/ops/math.js';

/** `array_ops.shape(x)` (Const `Shape` when fully known, else a `Shape` op). */
export function shapeOf(g: Graph, x: Output, name?: string): Output {
  return shapeOp(g, x, name === undefined ? {} : { name });
}

/** `array_ops.shape_internal(x, optimize=False)`: always a `Shape` op. */
export function shapeOpOf(g: Graph, x: Output, name = 'Shape'): Output {
  return applyOp(g, 'Shape', { input: x }, { out_type: DataType.DT_INT32 }, { name }).output(0);
}

/** Python `x * y` (op `Mul` named `mul`). */
export function pyMul(g: Graph, x: TensorLike, y: TensorLike): Output {
  return applyOp(g, 'Mul', { x, y }, {}, { name: 'mul' }).output(0);
}
/** Python `x + y` (op `AddV2` named `add`). */
export function pyAdd(g: Graph, x: TensorLike, y: TensorLike): Output {
  return add(g, x, y, { name: 'add' });
}
/** Python `x - y` (op `Sub` named `sub`). */
export function pySub(g: Graph, x: TensorLike, y: TensorLike): Output {
  return applyOp(g, 'Sub', { x, y }, {}, { name: 'sub' }).output(0);
}
/** Python `x / y` on floats (op `RealDiv` named `truediv`). */
export function pyDiv(g: Graph, x: TensorLike, y: TensorLike): Output {
  return applyOp(g, 'RealDiv', { x, y }, {}, { name: 'truediv' }).output(0);
}
/** Python `x % y` (op `FloorMod` named `mod`). */
export function pyMod(g: Graph, x: TensorLike, y: TensorLike): Output {
  return applyOp(g, 'FloorMod', { x, y }, {}, { name: 'mod' }).output(0);
}
/** Python `x // y` (op `FloorDiv` named `floordiv`). */
export function pyFloorDiv(g: Graph, x: TensorLike, y: TensorLike): Output {
  return applyOp(g, 'FloorDiv', { x, y }, {}, { name: 'floordiv' }).output(0);
}
/** Python `-x` (op `Neg`). */
export function pyNeg(g: Graph, x: Output): Output {
  return applyOp(g, 'Neg', { x }, {}).output(0);
}
/** A gen op with its default name: `gen(g, 'Mul', {x, y})`. */
export function gen(g: Graph, type: string, inputs: Record<string, TensorLike | readonly TensorLike[]>, attrs: Record<string, unknown> = {}, name?: string): Output {
  return applyOp(g, type, inputs, attrs as never, name === undefined ? {} : { name }).output(0);
}

/** `array_ops.reshape(x, shape)`; a JS shape becomes `Reshape/shape` (int32). */
export function reshape(g: Graph, x: Output, shape: Output | readonly number[]): Output {
  if (Array.isArray(shape)) {
    return g.nameScope('Reshape', (scope) => {
      const s = constantOp(g, [...(shape as number[])], { dtype: DataType.DT_INT32, shape: [(shape as number[]).length], name: 'shape' });
      return applyOp(g, 'Reshape', { tensor: x, shape: s }, {}, { name: scope }).output(0);
    });
  }
  return applyOp(g, 'Reshape', { tensor: x, shape: shape as Output }, {}).output(0);
}

/** `math_ops.reduce_sum(x, axes, keepdims)`; JS axes become `Sum/reduction_indices` (int32). */
export function reduceSum(g: Graph, x: Output, axes: Output | readonly number[], keepDims = false, name = 'Sum'): Output {
  return g.nameScope(name, (scope) => {
    const a = Array.isArray(axes)
      ? constantOp(g, [...(axes as number[])], { dtype: DataType.DT_INT32, shape: [(axes as number[]).length], name: 'reduction_indices' })
      : (axes as Output);
    return applyOp(g, 'Sum', { input: x, reduction_indices: a }, { keep_dims: keepDims }, { name: scope }).output(0);
  });
}

/** `array_ops.ones(shape_tensor, dtype)`: `ones/Const` + Fill `ones` (a Reshape to a vector first for unknown rank / scalars). */
export function onesFromShape(g: Graph, shape: Output, dtype: DataType): Output {
  return filledFromShape(g, shape, dtype, 1, 'ones');
}

/** `array_ops.zeros(shape_tensor, dtype)`: `zeros/Const` + Fill `zeros`. */
export function zerosFromShape(g: Graph, shape: Output, dtype: DataType): Output {
  return filledFromShape(g, shape, dtype, 0, 'zeros');
}

function filledFromShape(g: Graph, shape: Output, dtype: DataType, v: number, name: string): Output {
  return g.nameScope(name, (scope) => {
    let s = shape;
    const st = s.shape;
    if (st === null || st.length === 0) s = reshape(g, s, [-1]);
    const one = constantOp(g, dtype === DataType.DT_BOOL ? v !== 0 : v, { dtype });
    return applyOp(g, 'Fill', { dims: s, value: one }, {}, { name: scope }).output(0);
  });
}

/**
 * `math_ops.reduced_shape(input_shape, axes)`: the shape with reduced dims set to 1. Static when both
 * are known while building (returns a JS array), else TF's DynamicStitch construction.
 */
export function reducedShape(g: Graph, inputShape: Output, axes: Output): Output | number[] {
  const cs = g.constantValue(inputShape);
  const ca = g.constantValue(axes);
  if (cs !== undefined && ca !== undefined) {
    const out = (cs.values as number[]).map(Number);
    for (const a of ca.values as number[]) out[Number(a) < 0 ? Number(a) + out.length : Number(a)] = 1;
    return out;
  }
  const inputRank = sizeOp(g, inputShape);
  const ax = pyMod(g, pyAdd(g, axes, inputRank), inputRank);
  const axesShape = shapeOf(g, ax);
  return applyOp(g, 'DynamicStitch', {
    indices: [range(g, 0, inputRank), ax],
    data: [inputShape, onesFromShape(g, axesShape, DataType.DT_INT32)],
  }, {}).output(0);
}

/** `_InferGradientReductionAxes`: statically known reduction axes of a broadcast, or undefined. */
function inferReductionAxes(xs: (number | null)[] | null, ys: (number | null)[] | null): [number[], number[]] | undefined {
  if (xs === null || ys === null) return undefined;
  const b = Math.max(xs.length, ys.length);
  const xa: number[] = [];
  const ya: number[] = [];
  for (let axis = 0; axis < b; axis++) {
    const xd = axis < b - xs.length ? 1 : xs[axis - (b - xs.length)] ?? null;
    const yd = axis < b - ys.length ? 1 : ys[axis - (b - ys.length)] ?? null;
    if (xd === 1 && yd !== 1) xa.push(axis);
    else if (yd === 1 && xd !== 1) ya.push(axis);
    else if (xd === null || yd === null) return undefined;
  }
  return [xa, ya];
}

type Reduction = { shape: Output; axes: Output | number[]; mustReduce: boolean };

/** `SmartBroadcastGradientArgs(x, y)`. */
export function smartBroadcastGradientArgs(g: Graph, x: Output, y: Output): [Reduction, Reduction] {
  const xShape = shapeOf(g, x);
  const yShape = shapeOf(g, y);
  const inferred = inferReductionAxes(x.shape, y.shape);
  if (inferred === undefined) {
    const op = applyOp(g, 'BroadcastGradientArgs', { s0: xShape, s1: yShape }, {});
    return [{ shape: xShape, axes: op.output(0), mustReduce: true }, { shape: yShape, axes: op.output(1), mustReduce: true }];
  }
  const [xa, ya] = inferred;
  const xr = (x.shape as unknown[]).length;
  const yr = (y.shape as unknown[]).length;
  return [
    { shape: xShape, axes: xa, mustReduce: xa.length > 0 || xr < yr },
    { shape: yShape, axes: ya, mustReduce: ya.length > 0 || yr < xr },
  ];
}

function reduceArg(g: Graph, grad: Output | null, r: Reduction): Output | null {
  if (grad === null || !r.mustReduce) return grad;
  return reshape(g, reduceSum(g, grad, r.axes, true), r.shape);
}

/** `_ReduceGradientArgs(x, y, gx, gy)`: sums the gradients over broadcast dims and reshapes them. */
export function reduceGradientArgs(g: Graph, x: Output, y: Output, gx: Output | null, gy: Output | null): [Output | null, Output | null] {
  if (gx === null && gy === null) return [null, null];
  const [bx, by] = smartBroadcastGradientArgs(g, x, y);
  return [reduceArg(g, gx, bx), reduceArg(g, gy, by)];
}

/** `_ShapesFullySpecifiedAndEqual(x, y, grad)`. */
export function shapesFullySpecifiedAndEqual(x: Output, y: Output, grad: Output): boolean {
  const a = x.shape;
  const b = y.shape;
  const c = grad.shape;
  return isFullyDefined(a) && JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(a) === JSON.stringify(c);
}

/** `with ops.control_dependencies([grad]): fn()`. */
export function afterGrad<T>(g: Graph, grad: Output, fn: () => T): T {
  return g.controlDependencies([grad], fn);
}

/** Axis attr / const helper: a scalar int32 Const named `name` in the current scope. */
export function intConst(g: Graph, v: number | number[], name = 'Const'): Output {
  return constantOp(g, v, { dtype: DataType.DT_INT32, name });
}
