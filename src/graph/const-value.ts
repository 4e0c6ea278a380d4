/**
 * Reading small numeric constants out of a `TensorProto` at graph-construction time (axes, perms,
 * shapes for static shape inference). Not a general tensor decoder — that is `tensor/tensor-proto.ts`.
 */
import { DataType, type TensorProto } from '../proto/index.js';
import type { ConstValue } from './shape-context.js';
import { numElementsOf, shapeFromProto } from './shape.js';

const MAX_ELEMENTS = 1 << 16;

/** The numeric values of `t` when its shape is known and it is small enough, else `undefined`. */
export function constValueFromTensorProto(t: TensorProto): ConstValue | undefined {
  const shape = shapeFromProto(t.tensorShape);
  const n = numElementsOf(shape);
  if (n === null || n > MAX_ELEMENTS) return undefined;
  const dims = shape as number[];
  const content = t.tensorContent;
  let values: number[] | undefined;
  if (content.length > 0) {
    const dv = new DataView(content.buffer, content.byteOffset, content.byteLength);
    const read = (size: number, get: (off: number) => number): number[] | undefined => {
      if (content.length !== n * size) return undefined;
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(get(i * size));
      return out;
    };
    switch (t.dtype) {
      case DataType.DT_INT32: values = read(4, (o) => dv.getInt32(o, true)); break;
      case DataType.DT_INT64: values = read(8, (o) => Number(dv.getBigInt64(o, true))); break;
      case DataType.DT_FLOAT: values = read(4, (o) => dv.getFloat32(o, true)); break;
      case DataType.DT_DOUBLE: values = read(8, (o) => dv.getFloat64(o, true)); break;
      case DataType.DT_INT16: values = read(2, (o) => dv.getInt16(o, true)); break;
      case DataType.DT_INT8: values = read(1, (o) => dv.getInt8(o)); break;
      case DataType.DT_UINT8: values = read(1, (o) => dv.getUint8(o)); break;
      case DataType.DT_BOOL: values = read(1, (o) => dv.getUint8(o)); break;
      default: return undefined;
    }
  } else {
    let src: number[];
    switch (t.dtype) {
      case DataType.DT_INT32: case DataType.DT_INT16: case DataType.DT_INT8: case DataType.DT_UINT8:
      case DataType.DT_UINT16:
        src = t.intVal; break;
      case DataType.DT_INT64: src = t.int64Val.map((x) => Number(x)); break;
      case DataType.DT_FLOAT: src = t.floatVal; break;
      case DataType.DT_DOUBLE: src = t.doubleVal; break;
      case DataType.DT_BOOL: src = t.boolVal.map((b) => (b ? 1 : 0)); break;
      default: return undefined;
    }
    values = [];
    for (let i = 0; i < n; i++) values.push(src.length === 0 ? 0 : (src[Math.min(i, src.length - 1)] as number));
  }
  if (values === undefined) return undefined;
  return { dtype: t.dtype, shape: dims, values };
}
