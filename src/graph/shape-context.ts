/**
 * The interface between the graph and static shape functions: what a shape function can see of the
 * node being created (attrs, input shapes and dtypes, constant input values) and what it returns.
 */
import type { AttrValue, DataType } from '../proto/index.js';
import type { Shape } from './shape.js';

/** A constant value known at graph-construction time (numeric dtypes only). */
export interface ConstValue {
  /** Element dtype. */
  dtype: DataType;
  /** Fully known shape. */
  shape: number[];
  /** Elements in row-major order (int64 narrowed to number; bool as 0/1). */
  values: number[];
}

/** What a shape function sees. Indices are flat input indices. */
export interface ShapeContext {
  /** The op type, e.g. `'MatMul'`. */
  readonly opType: string;
  /** The node's name. */
  readonly name: string;
  /** The node's attrs (defaults filled in). */
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Static shapes of the data inputs. */
  readonly inputShapes: readonly Shape[];
  /** Dtypes of the data inputs. */
  readonly inputTypes: readonly DataType[];
  /** Dtypes of the outputs (from the OpDef and attrs). */
  readonly outputTypes: readonly DataType[];
  /** The value of input `i` when it is a constant (a `Const` node, possibly through `Identity`). */
  inputValue(i: number): ConstValue | undefined;
  /** Input `i` (a 1-D shape tensor) read as a shape: constants, `Shape` outputs, `Pack`s of scalars. */
  shapeFromShapeTensor(i: number): Shape;
  /** Shape/dtype of the variable behind resource input `i`, when known (handle data). */
  inputHandleData(i: number): { dtype: DataType; shape: Shape } | undefined;
  /** Output shapes of a call to library function `name` with inputs of these shapes, when analysable. */
  functionOutputShapes(name: string, inputShapes: readonly Shape[]): Shape[] | undefined;
  /** TF's node rendering for error messages: `{{node add}} = AddV2[T=DT_FLOAT](x, y)`. */
  describe(): string;
}

/** A static shape function: one {@link Shape} per output (`null` = unknown). */
export type ShapeFn = (ctx: ShapeContext) => Shape[];
