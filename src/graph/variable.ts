/**
 * `Variable`: the graph-side record of a TF1 variable (Python's `RefVariable` / `ResourceVariable` in
 * graph mode): its ops (VariableV2 or VarHandleOp), initializer, snapshot and initial value, ready to
 * become a `VariableDef` in the `variables` / `trainable_variables` collections.
 */
import { create } from '@bufbuild/protobuf';
import { VariableDefSchema, type DataType, type VariableDef } from '../proto/index.js';
import type { Operation } from './operation.js';
import type { Output } from './output.js';
import type { Shape } from './shape.js';

/** Construction data of a {@link Variable}. */
export interface VariableInit {
  /** VariableV2 (ref) or VarHandleOp (resource) op. */
  op: Operation;
  /** The Assign / AssignVariableOp op. */
  initializer: Operation;
  /** `w/read:0` (ref) or `w/Read/ReadVariableOp:0` (resource). */
  snapshot: Output;
  /** The initial value tensor. */
  initialValue: Output;
  /** Resource (VarHandleOp) or ref (VariableV2). */
  isResource: boolean;
  /** Added to `trainable_variables`. */
  trainable: boolean;
  /** Base dtype of the value. */
  dtype: DataType;
  /** Static shape of the value. */
  shape: Shape;
  /** `VariableDef.synchronization` (0 = AUTO). */
  synchronization?: number;
  /** `VariableDef.aggregation` (0 = NONE; global_step uses 3 = ONLY_FIRST_REPLICA). */
  aggregation?: number;
}

/** A graph variable. `name` is the tensor name (`'w:0'`), like Python's `Variable.name`. */
export class Variable {
  /** The variable op (VariableV2 or VarHandleOp). */
  readonly op: Operation;
  /** The initializer op (`w/Assign`). */
  readonly initializer: Operation;
  /** The snapshot tensor (`w/read:0` or `w/Read/ReadVariableOp:0`). */
  readonly snapshot: Output;
  /** The initial value tensor. */
  readonly initialValue: Output;
  /** True for resource variables. */
  readonly isResource: boolean;
  /** True when in `trainable_variables`. */
  readonly trainable: boolean;
  /** Base dtype. */
  readonly dtype: DataType;
  /** Static shape. */
  readonly shape: Shape;
  /** `VariableDef.synchronization`. */
  readonly synchronization: number;
  /** `VariableDef.aggregation`. */
  readonly aggregation: number;

  constructor(init: VariableInit) {
    this.op = init.op;
    this.initializer = init.initializer;
    this.snapshot = init.snapshot;
    this.initialValue = init.initialValue;
    this.isResource = init.isResource;
    this.trainable = init.trainable;
    this.dtype = init.dtype;
    this.shape = init.shape;
    this.synchronization = init.synchronization ?? 0;
    this.aggregation = init.aggregation ?? 0;
  }

  /** The variable's tensor name, `'w:0'`. */
  get name(): string {
    return `${this.op.name}:0`;
  }

  /** The ref output (ref variables) or the resource handle (resource variables). */
  get handle(): Output {
    return this.op.output(0);
  }

  /** Python's `Variable.to_proto()`. */
  toProto(): VariableDef {
    return create(VariableDefSchema, {
      variableName: this.name,
      initialValueName: this.initialValue.name,
      initializerName: this.initializer.name,
      snapshotName: this.snapshot.name,
      isResource: this.isResource,
      trainable: this.trainable,
      synchronization: this.synchronization,
      aggregation: this.aggregation,
    });
  }

  /** Python's `Variable.__repr__`-like text. */
  toString(): string {
    return `<Variable '${this.name}'>`;
  }
}
