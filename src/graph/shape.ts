/**
 * Static shapes of graph outputs: `null` = unknown rank, `null` dims = unknown size (Python's
 * `TensorShape(None)` / `[None, 3]`), plus conversion to and from `TensorShapeProto`, merging and
 * broadcasting with TensorFlow's error texts.
 */
import { create } from '@bufbuild/protobuf';
import { TensorShapeProtoSchema, TensorShapeProto_DimSchema, type TensorShapeProto } from '../proto/index.js';
import { InvalidArgumentError } from '../errors.js';

/** A static shape: `null` when the rank is unknown, else one entry per dim (`null` = unknown size). */
export type Shape = (number | null)[] | null;

/** Shape -> `TensorShapeProto` (unknown dims as -1, unknown rank as `unknown_rank: true`). */
export function shapeToProto(shape: Shape): TensorShapeProto {
  if (shape === null) return create(TensorShapeProtoSchema, { unknownRank: true });
  return create(TensorShapeProtoSchema, {
    dim: shape.map((d) => create(TensorShapeProto_DimSchema, { size: BigInt(d === null ? -1 : d) })),
  });
}

/** `TensorShapeProto` -> Shape (-1 dims become `null`). */
export function shapeFromProto(proto: TensorShapeProto | undefined): Shape {
  if (proto === undefined || proto.unknownRank) return null;
  return proto.dim.map((d) => (d.size < 0n ? null : Number(d.size)));
}

/** Python's `TensorShape.__str__`: `(None, 3)`, `()`, `(2,)`, `<unknown>`. */
export function shapeString(shape: Shape): string {
  if (shape === null) return '<unknown>';
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

/** The C++ shape string used in TF's op errors: `[?,3]`, `[]`, `<unknown>`. */
export function shapeDebugString(shape: Shape): string {
  if (shape === null) return '<unknown>';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** Number of elements when fully known, else `null`. */
export function numElementsOf(shape: Shape): number | null {
  if (shape === null) return null;
  let n = 1;
  for (const d of shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** True when every dim is known. */
export function isFullyDefined(shape: Shape): shape is number[] {
  return shape !== null && shape.every((d) => d !== null);
}

/** Python's `TensorShape.merge_with`; throws `InvalidArgumentError` when incompatible. */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (a === null) return b === null ? null : [...b];
  if (b === null) return [...a];
  if (a.length !== b.length) {
    throw new InvalidArgumentError(`Shapes ${shapeString(a)} and ${shapeString(b)} are not compatible`);
  }
  return a.map((d, i) => {
    const e = b[i] ?? null;
    if (d === null) return e;
    if (e === null) return d;
    if (d !== e) throw new InvalidArgumentError(`Shapes ${shapeString(a)} and ${shapeString(b)} are not compatible`);
    return d;
  });
}

/** Python's `TensorShape.is_compatible_with`. */
export function shapesCompatible(a: Shape, b: Shape): boolean {
  try {
    mergeShapes(a, b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Broadcast shape of two operands with numpy rules (TF's `BroadcastBinaryOpOutputShapeFn`). Unknown
 * dims broadcast against 1 to unknown and against n > 1 to n. Incompatible known dims throw TF's text.
 */
export function broadcastShapes(a: Shape, b: Shape, describe: () => string = () => 'broadcast'): Shape {
  if (a === null || b === null) return null;
  const rank = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : (a[i - (rank - a.length)] ?? null);
    const db = i < rank - b.length ? 1 : (b[i - (rank - b.length)] ?? null);
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null) out.push(db !== null && db > 1 ? db : null);
    else if (db === null) out.push(da > 1 ? da : null);
    else if (da === db) out.push(da);
    else {
      throw new InvalidArgumentError(
        `Dimensions must be equal, but are ${a[i - (rank - a.length)]} and ${b[i - (rank - b.length)]} for ` +
          `'${describe()}' with input shapes: ${shapeDebugString(a)}, ${shapeDebugString(b)}.`,
      );
    }
  }
  return out;
}

/** Normalizes a user-given shape (`undefined` -> unknown rank; -1 -> `null`). */
export function toShape(shape: readonly (number | null)[] | null | undefined): Shape {
  if (shape === null || shape === undefined) return null;
  return shape.map((d) => (d === null || d < 0 ? null : d));
}
