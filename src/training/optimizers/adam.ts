/**
 * `tf.compat.v1.train.AdamOptimizer`: non-slot `beta1_power` / `beta2_power` (colocated with the
 * variable whose name sorts first), slots `<var>/Adam` (m) and `<var>/Adam_1` (v),
 * `(Resource)ApplyAdam`, and `_finish` updating the power accumulators (`Adam/mul`, `Adam/Assign`, ...).
 */
import type { Graph } from '../../graph/graph.js';
import type { Operation } from '../../graph/operation.js';
import type { Output } from '../../graph/output.js';
import { applyOp } from '../../graph/ops/apply-op.js';
import { assign, assignVariableOp, group, readVariableOp } from '../../graph/ops/state.js';
import type { Variable } from '../../graph/variable.js';
import { pyMul } from '../grads/util.js';
import { Optimizer } from './optimizer.js';

/** Options of {@link AdamOptimizer}. */
export interface AdamOptions {
  /** Default 0.001. */
  learningRate?: number | Output;
  /** Default 0.9. */
  beta1?: number | Output;
  /** Default 0.999. */
  beta2?: number | Output;
  /** Default 1e-8. */
  epsilon?: number | Output;
  /** `use_locking` (default false). */
  useLocking?: boolean;
  /** Name (default `'Adam'`). */
  name?: string;
}

/** Adam (Kingma & Ba), TF1 flavour (epsilon hat). */
export class AdamOptimizer extends Optimizer {
  /** Hyper-parameters as given. */
  readonly learningRate: number | Output;
  /** beta1. */ readonly beta1: number | Output;
  /** beta2. */ readonly beta2: number | Output;
  /** epsilon. */ readonly epsilon: number | Output;
  private t: { lr: Output; b1: Output; b2: Output; eps: Output } | undefined;

  constructor(options: AdamOptions = {}) {
    super(options.useLocking ?? false, options.name ?? 'Adam');
    this.learningRate = options.learningRate ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  protected createSlots(g: Graph, varList: Variable[]): void {
    const first = [...varList].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0] as Variable;
    this.makeNonSlot(g, typeof this.beta1 === 'number' ? this.beta1 : 0.9, 'beta1_power', first);
    this.makeNonSlot(g, typeof this.beta2 === 'number' ? this.beta2 : 0.999, 'beta2_power', first);
    for (const v of varList) {
      this.makeSlot(g, v, 'm', { kind: 'zeros' });
      this.makeSlot(g, v, 'v', { kind: 'zeros' });
    }
  }

  protected prepare(g: Graph): void {
    this.t = {
      lr: this.hyper(g, this.learningRate, 'learning_rate'),
      b1: this.hyper(g, this.beta1, 'beta1'),
      b2: this.hyper(g, this.beta2, 'beta2'),
      eps: this.hyper(g, this.epsilon, 'epsilon'),
    };
  }

  private inputs(v: Variable, grad: Output): Record<string, Output | Variable> {
    const t = this.t!;
    const b1p = this.nonSlotVariable('beta1_power');
    const b2p = this.nonSlotVariable('beta2_power');
    return {
      var: v.handle, m: this.slot(v, 'm').handle, v: this.slot(v, 'v').handle,
      // ref: the `read` snapshot; resource: the variable itself, read inside the apply op's scope
      beta1_power: b1p.isResource ? b1p : b1p.snapshot,
      beta2_power: b2p.isResource ? b2p : b2p.snapshot,
      lr: t.lr, beta1: t.b1, beta2: t.b2, epsilon: t.eps, grad,
    };
  }

  protected applyDense(g: Graph, grad: Output, v: Variable): Operation {
    return applyOp(g, 'ApplyAdam', this.inputs(v, grad), { use_locking: this.useLocking });
  }

  protected resourceApplyDense(g: Graph, grad: Output, v: Variable): Operation {
    return applyOp(g, 'ResourceApplyAdam', this.inputs(v, grad), { use_locking: this.useLocking });
  }

  protected override finish(g: Graph, updateOps: Operation[], name: string): Operation {
    const t = this.t!;
    const b1p = this.nonSlotVariable('beta1_power');
    const b2p = this.nonSlotVariable('beta2_power');
    const updates = g.controlDependencies(updateOps, () => g.colocateWith(b1p.op, () => {
      const upd = (p: Variable, b: Output): Operation => {
        if (!p.isResource) return assign(g, p, pyMul(g, p.snapshot, b), { useLocking: this.useLocking }).op;
        const cur = g.colocateWith(null, () => readVariableOp(g, p), { ignoreExisting: true });
        const a = assignVariableOp(g, p, pyMul(g, cur, b));
        // ResourceVariable.assign(..., read_value=True) reads the new value back after the assign
        g.controlDependencies([a], () => g.colocateWith(null, () => readVariableOp(g, p), { ignoreExisting: true }));
        return a;
      };
      return [upd(b1p, t.b1), upd(b2p, t.b2)];
    }));
    return group(g, [...updateOps, ...updates], { name });
  }
}
