/**
 * Control flow: the TF1 dataflow primitives (Switch, Merge, Enter, Exit, NextIteration, LoopCond) and
 * `whileLoop` — Python's `tf.compat.v1.while_loop` with control flow v1 (`WhileContext._BuildLoop`):
 * `Enter` per loop variable, `Merge` (back edge patched to `NextIteration` afterwards), the condition,
 * `LoopCond`, `Switch` (colocated with the Merge), `Identity` of the true branch, the body,
 * `NextIteration`, `Exit`. Tensors from outside the loop used inside get a constant `Enter` named
 * `<consumer>/Enter` (shared per tensor); ops without inputs get a control input on the pivot.
 * The `while_context` collection (WhileContextDef) is not recorded.
 */
import { attrB, attrI, attrS } from '../attr.js';
import type { Graph } from '../graph.js';
import type { Operation } from '../operation.js';
import type { Output } from '../output.js';
import { applyOp, convertToOutput, type TensorLike } from './apply-op.js';
import type { NameOption } from './state.js';

/** `Switch(data, pred)` -> [output_false, output_true]. */
export function switchOp(g: Graph, data: TensorLike, pred: TensorLike, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'Switch', { data, pred }, {}, options).outputs];
}

/** `Merge(inputs)` -> [output, value_index]. */
export function merge(g: Graph, inputs: readonly TensorLike[], options: NameOption = {}): Output[] {
  return [...applyOp(g, 'Merge', { inputs }, {}, options).outputs];
}

/** `Enter(data)` into frame `frameName`. */
export function enter(g: Graph, data: TensorLike, frameName: string, options: NameOption & { isConstant?: boolean; parallelIterations?: number } = {}): Output {
  return applyOp(g, 'Enter', { data }, { frame_name: frameName, is_constant: options.isConstant ?? false, parallel_iterations: options.parallelIterations ?? 10 }, options).output(0);
}

/** `Exit(data)`. */
export function exit(g: Graph, data: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Exit', { data }, {}, options).output(0);
}

/** `NextIteration(data)`. */
export function nextIteration(g: Graph, data: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'NextIteration', { data }, {}, options).output(0);
}

/** `LoopCond(input)`. */
export function loopCond(g: Graph, input: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'LoopCond', { input }, {}, options).output(0);
}

/** Options of {@link whileLoop}. */
export interface WhileLoopOptions extends NameOption {
  /** `parallel_iterations` (default 10). */
  parallelIterations?: number;
}

/**
 * `tf.compat.v1.while_loop(cond, body, loop_vars, name='while')` with control flow v1. Returns the
 * `Exit` outputs (one per loop variable).
 */
export function whileLoop(
  g: Graph,
  cond: (...vars: Output[]) => TensorLike,
  body: (...vars: Output[]) => readonly TensorLike[],
  loopVars: readonly TensorLike[],
  options: WhileLoopOptions = {},
): Output[] {
  const parallel = options.parallelIterations ?? 10;
  return g.nameScope(options.name ?? 'while', (scope) => {
    const vars = loopVars.map((v) => convertToOutput(g, v));
    const frame = g.uniqueName('while_context');
    const inLoop = new Set<Operation>();
    const external = new Map<Output, Output>();
    let pivot: Output | undefined;
    let hookBusy = false;
    const mkEnter = (x: Output, isConstant: boolean): Output => {
      const e = applyOp(g, 'Enter', { data: x }, { frame_name: attrS(frame), is_constant: attrB(isConstant), parallel_iterations: attrI(parallel) }, {}).output(0);
      e.setShape(x.shape); // Python's _Enter(use_input_shape=True)
      return e;
    };

    const hook = (op: Operation): void => {
      if (hookBusy) { inLoop.add(op); return; }
      inLoop.add(op);
      hookBusy = true;
      try {
        op.inputs.forEach((x, i) => {
          if (inLoop.has(x.op)) return;
          let e = external.get(x);
          if (e === undefined) {
            e = g.controlDependencies(null, () => mkEnter(x, true));
            external.set(x, e);
          }
          g._updateInput(op, i, e);
        });
        if (op.inputs.length === 0 && pivot !== undefined) op.addControlInputs([pivot.op]);
      } finally {
        hookBusy = false;
      }
    };
    const enters = g.controlDependencies(null, () => vars.map((v) => mkEnter(v, false)));
    for (const e of enters) inLoop.add(e.op);
    g._opHooks.push(hook);
    try {
      const merges = enters.map((e) => applyOp(g, 'Merge', { inputs: [e, e] }, {}).output(0));
      pivot = merges[0];
      const c = convertToOutput(g, cond(...merges));
      const lc = applyOp(g, 'LoopCond', { input: c }, { }, { name: 'LoopCond' }).output(0);
      const switches = merges.map((m) => g.colocateWith(m, () => applyOp(g, 'Switch', { data: m, pred: lc }, {}).outputs), { ignoreExisting: true });
      const bodyVars = switches.map((s) => applyOp(g, 'Identity', { input: s[1] as Output }, {}).output(0));
      pivot = bodyVars[0];
      const results = body(...bodyVars).map((r) => convertToOutput(g, r));
      if (results.length !== merges.length) {
        throw new Error(`The two structures don't have the same number of elements: ${merges.length} loop vars vs ${results.length} body results`);
      }
      results.forEach((r, i) => {
        const next = applyOp(g, 'NextIteration', { data: r }, {}).output(0);
        g._updateInput((merges[i] as Output).op, 1, next);
      });
      return switches.map((s) => applyOp(g, 'Exit', { data: s[0] as Output }, {}).output(0));
    } finally {
      g._opHooks.pop();
      void scope;
    }
  });
}
