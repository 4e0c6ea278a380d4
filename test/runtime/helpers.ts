/** Small GraphDef builders for runtime tests. */
import { create } from '@bufbuild/protobuf';
import { attrB, attrF, attrFunc, attrI, attrList, attrS, attrShape, attrTensor, attrType } from '../../src/graph/attr.js';
import {
  FunctionDefSchema,
  GraphDefSchema,
  NodeDefSchema,
  OpDefSchema,
  OpDef_ArgDefSchema,
  type AttrValue,
  type FunctionDef,
  type GraphDef,
  type NodeDef,
} from '../../src/proto/index.js';
import { dtypeToEnum, type DType } from '../../src/tensor/dtype.js';
import { encodeTensorProto } from '../../src/tensor/tensor-proto.js';
import { tensorValueFromArray, type TensorValue } from '../../src/tensor/tensor-value.js';

export { attrB, attrF, attrFunc, attrI, attrList, attrS, attrShape, attrType };

/** A NodeDef. */
export function node(name: string, op: string, input: string[] = [], attr: Record<string, AttrValue> = {}): NodeDef {
  return create(NodeDefSchema, { name, op, input, attr });
}

/** A `type` attr from a dtype name. */
export function T(d: DType): AttrValue {
  return attrType(dtypeToEnum(d));
}

/** A host TensorValue from nested JS arrays. */
export function tv(dtype: DType, values: unknown, shape?: number[]): TensorValue {
  return tensorValueFromArray(dtype, values, shape);
}

/** A Const node. */
export function constNode(name: string, value: TensorValue): NodeDef {
  return node(name, 'Const', [], { dtype: T(value.dtype), value: attrTensor(encodeTensorProto(value)) });
}

/** A Placeholder node (shape undefined = unknown rank). */
export function placeholder(name: string, dtype: DType, shape?: number[]): NodeDef {
  const attr: Record<string, AttrValue> = { dtype: T(dtype) };
  if (shape !== undefined) attr['shape'] = attrShape(shape);
  return node(name, 'Placeholder', [], attr);
}

/** A binary op node with attr T. */
export function binop(name: string, op: string, a: string, b: string, dtype: DType = 'float32'): NodeDef {
  return node(name, op, [a, b], { T: T(dtype) });
}

/** A GraphDef. */
export function graph(nodes: NodeDef[], functions: FunctionDef[] = []): GraphDef {
  return create(GraphDefSchema, { node: nodes, library: { function: functions } });
}

/** A FunctionDef with single-typed args. */
export function fdef(
  name: string,
  inputs: [string, DType][],
  outputs: [string, DType][],
  body: NodeDef[],
  ret: Record<string, string>,
): FunctionDef {
  return create(FunctionDefSchema, {
    signature: create(OpDefSchema, {
      name,
      inputArg: inputs.map(([n, d]) => create(OpDef_ArgDefSchema, { name: n, type: dtypeToEnum(d) })),
      outputArg: outputs.map(([n, d]) => create(OpDef_ArgDefSchema, { name: n, type: dtypeToEnum(d) })),
    }),
    nodeDef: body,
    ret,
  });
}
