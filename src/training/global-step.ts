/**
 * The global step (`training_util.py`): `getGlobalStep(graph)`, `createGlobalStep(graph)` and
 * `getOrCreateGlobalStep(graph)`. Like TF 2.x's `tf.compat.v1.train.get_or_create_global_step`, the
 * variable is a resource variable `global_step` (int64 scalar, `global_step/Initializer/zeros`),
 * not trainable, aggregation ONLY_FIRST_REPLICA, in the `variables` and `global_step` collections.
 */
import { DataType } from '../proto/index.js';
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js';
import { attrList } from '../graph/attr.js';
import { baseType, isInteger } from '../graph/dtypes.js';
import { GraphKeys, type Graph } from '../graph/graph.js';
import { Output } from '../graph/output.js';
import { constantOp } from '../graph/ops/apply-op.js';
import { resourceVariable, variable } from '../graph/ops/state.js';
import { Variable } from '../graph/variable.js';

/** `training_util.assert_global_step`: throws TF's texts when `v` cannot be a global step. */
export function assertGlobalStep(v: unknown): asserts v is Variable | Output {
  if (!(v instanceof Variable) && !(v instanceof Output)) {
    throw new InvalidArgumentError(`Existing "global_step" must be a Variable or Tensor: ${String(v)}.`);
  }
  const dt = v instanceof Variable ? v.dtype : baseType(v.dtype);
  if (!isInteger(dt)) throw new InvalidArgumentError(`Existing "global_step" does not have integer type: ${DataType[dt]}`);
  const s = v instanceof Variable ? v.shape : v.shape;
  if (s === null || s.length !== 0) throw new InvalidArgumentError(`Existing "global_step" is not scalar: ${JSON.stringify(s)}`);
}

/**
 * `get_global_step(graph)`: the single member of the `global_step` collection, else the tensor
 * `global_step:0` (as an Output), else undefined (also when the collection has several entries).
 */
export function getGlobalStep(g: Graph): Variable | Output | undefined {
  const l = g.getCollection(GraphKeys.GLOBAL_STEP);
  let gs: unknown;
  if (l.length === 1) gs = l[0];
  else if (l.length === 0) {
    if (!g.hasOperation('global_step')) return undefined;
    gs = g.tensor('global_step:0');
  } else return undefined;
  assertGlobalStep(gs);
  return gs;
}

/** Options of {@link createGlobalStep}. */
export interface CreateGlobalStepOptions {
  /** A resource variable (default true, as TF 2.x's `get_variable`); false = a ref VariableV2. */
  useResource?: boolean;
}

/** `create_global_step(graph)`: throws `AlreadyExistsError` (`"global_step" already exists.`) when one exists. */
export function createGlobalStep(g: Graph, options: CreateGlobalStepOptions = {}): Variable {
  if (getGlobalStep(g) !== undefined) throw new AlreadyExistsError('"global_step" already exists.');
  const useResource = options.useResource ?? true;
  const cols = [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP];
  return g.controlDependencies(null, () => g.nameScope(null, () => {
    const cls = attrList({ s: ['loc:@global_step'] });
    const init = g.nameScope('global_step/Initializer', () => g.device(null, () => {
      const c = constantOp(g, 0n, { dtype: DataType.DT_INT64, shape: [], name: 'zeros' });
      c.op.setAttr('_class', cls);
      return c;
    }));
    const opts = { name: 'global_step', trainable: false, collections: cols };
    const v = useResource ? resourceVariable(g, init, opts) : variable(g, init, opts);
    // VariableDef.aggregation = ONLY_FIRST_REPLICA (3), as get_variable(aggregation=...) records it
    const withAgg = new Variable({
      op: v.op, initializer: v.initializer, snapshot: v.snapshot, initialValue: v.initialValue, isResource: v.isResource,
      trainable: false, dtype: v.dtype, shape: v.shape, aggregation: 3,
    });
    for (const c of cols) {
      const ref = g.getCollectionRef<unknown>(c);
      const i = ref.indexOf(v);
      if (i >= 0) ref[i] = withAgg;
    }
    g.markMutated();
    return withAgg;
  }));
}

/** `get_or_create_global_step(graph)`. */
export function getOrCreateGlobalStep(g: Graph, options: CreateGlobalStepOptions = {}): Variable | Output {
  return getGlobalStep(g) ?? createGlobalStep(g, options);
}
