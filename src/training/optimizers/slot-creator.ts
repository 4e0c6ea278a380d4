/**
 * Slot variables (`slot_creator.py`) and the optimizers' non-slot variables, named and placed as
 * TensorFlow 1 does: `<var>/<OptimizerName>` (`W/Adam`, `W/Adam_1`, ...), created at the root name
 * scope without control dependencies, colocated with the primary variable, initialized by
 * `<slot>/Initializer/zeros` (or `ones` / `Const`), not trainable, in `variables` only; ref
 * variables get ref slots (VariableV2) and resource variables resource slots (VarHandleOp).
 */
import { DataType } from '../../proto/index.js';
import { UnimplementedError } from '../../errors.js';
import type { Graph } from '../../graph/graph.js';
import type { Output } from '../../graph/output.js';
import { constantOp } from '../../graph/ops/apply-op.js';
import { ones, resourceVariable, variable, zeros } from '../../graph/ops/state.js';
import type { Variable } from '../../graph/variable.js';

/** How a slot is initialized. */
export type SlotInit = { kind: 'zeros' } | { kind: 'ones' } | { kind: 'constant'; value: number };

/** `variable_scope(None, default_name=<prefix>/<name>)`: the first free `<var>/<name>`, `<var>/<name>_1`, ... */
function uniqueSlotName(g: Graph, base: string): string {
  if (!g.hasOperation(base)) return base;
  for (let i = 1; ; i++) if (!g.hasOperation(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * `slot_creator.create_slot_with_initializer` (`create_zeros_slot` for `{kind: 'zeros'}`): a slot
 * variable for `primary` named `<primary op name>/<name>` (made unique).
 */
export function createSlot(g: Graph, primary: Variable, name: string, init: SlotInit, dtype: DataType = primary.dtype): Variable {
  const shape = primary.shape;
  if (shape === null || shape.some((d) => d === null)) {
    throw new UnimplementedError(`slot '${name}' for ${primary.toString()}: variables with a partially known shape are not supported`);
  }
  const dims = shape as number[];
  return g.controlDependencies(null, () => g.nameScope(null, () => {
    const slotName = uniqueSlotName(g, `${primary.op.name}/${name}`);
    return g.colocateWith(primary.op, () => {
      const initial: Output = g.nameScope(`${slotName}/Initializer`, () => g.device(null, () => {
        switch (init.kind) {
          case 'zeros': return zeros(g, dims, dtype);
          case 'ones': return ones(g, dims, dtype);
          case 'constant': return constantOp(g, init.value, { dtype, shape: dims });
        }
      }));
      const opts = { name: slotName, trainable: false };
      return primary.isResource ? resourceVariable(g, initial, opts) : variable(g, initial, opts);
    });
  }));
}

/**
 * `Optimizer._create_non_slot_variable`: a scalar float32 variable `name` (e.g. `beta1_power`)
 * colocated with `colocateWith`, of the same kind (ref / resource) as it, not trainable.
 */
export function createNonSlotVariable(g: Graph, initialValue: number, name: string, colocateWith: Variable): Variable {
  return g.controlDependencies(null, () => g.colocateWith(colocateWith.op, () => {
    const opts = { name, trainable: false, dtype: DataType.DT_FLOAT };
    return colocateWith.isResource ? resourceVariable(g, initialValue, opts) : variable(g, initialValue, opts);
  }));
}
