/** `tf.compat.v1.train.GradientDescentOptimizer`: `(Resource)ApplyGradientDescent` per variable. */
import type { Graph } from '../../graph/graph.js';
import type { Operation } from '../../graph/operation.js';
import type { Output } from '../../graph/output.js';
import { applyOp } from '../../graph/ops/apply-op.js';
import type { Variable } from '../../graph/variable.js';
import { Optimizer } from './optimizer.js';

/** Options of {@link GradientDescentOptimizer}. */
export interface GradientDescentOptions {
  /** `use_locking` (default false). */
  useLocking?: boolean;
  /** Name (default `'GradientDescent'`). */
  name?: string;
}

/** Plain gradient descent: `var -= learning_rate * grad`. */
export class GradientDescentOptimizer extends Optimizer {
  private lrT: Output | undefined;

  constructor(readonly learningRate: number | Output, options: GradientDescentOptions = {}) {
    super(options.useLocking ?? false, options.name ?? 'GradientDescent');
  }

  protected createSlots(): void {}

  protected prepare(g: Graph): void {
    this.lrT = this.hyper(g, this.learningRate, 'learning_rate');
  }

  protected applyDense(g: Graph, grad: Output, v: Variable): Operation {
    return applyOp(g, 'ApplyGradientDescent', { var: v.handle, alpha: this.lrT as Output, delta: grad }, { use_locking: this.useLocking });
  }

  protected resourceApplyDense(g: Graph, grad: Output, v: Variable): Operation {
    return applyOp(g, 'ResourceApplyGradientDescent', { var: v.handle, alpha: this.lrT as Output, delta: grad }, { use_locking: this.useLocking });
  }
}
