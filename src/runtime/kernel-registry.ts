/**
 * The kernel registry: op type -> kernel. Built-in kernels come from `kernels/index.ts` (a plain
 * table, nothing registers itself on import); {@link registerKernel} adds or overrides kernels for
 * every session created afterwards (and sessions already open, on their next plan compilation).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { FileStore, WritableFileStore } from '../io/types.js';
import type { DType } from '../tensor/dtype.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import type { Attrs } from './attrs.js';
import { builtinKernels } from './kernels/index.js';
import type { ResourceManager } from './resources.js';
import type { RuntimeTensor } from './runtime-tensor.js';

/** What a kernel sees when it runs. */
export interface KernelContext {
  /** The op type, e.g. `'MatMul'`. */
  readonly op: string;
  /** The node's name (for messages). */
  readonly nodeName: string;
  /** The node's attrs (defaults from the OpDef already filled in when the op is known). */
  readonly attrs: Attrs;
  /** Number of data inputs. */
  readonly numInputs: number;
  /** Per-session resources: variables, hash tables, per-node state. */
  readonly resources: ResourceManager;
  /** The session's file store (the `fileStore` session option), for checkpoint and file-reading kernels. */
  readonly fileStore?: FileStore | WritableFileStore;
  /** Input `i` as a runtime value (refs already dereferenced unless the kernel takes refs). */
  input(i: number): RuntimeTensor;
  /** Every input, in order. */
  inputList(): RuntimeTensor[];
  /** The TensorFlow dtype of input `i`. */
  dtype(i: number): DType;
  /** The shape of input `i`. */
  shape(i: number): number[];
  /**
   * Input `i` as a tfjs tensor. Exact: float32/int32/bool as they are; int8/uint8/int16/uint16
   * widened to int32 (the dtype is still `dtype(i)`). Anything else throws InvalidArgument.
   * Tensors created here are disposed after the kernel unless returned.
   */
  tf(i: number): tf.Tensor;
  /** Input `i` as a host value (read synchronously from the backend when it lives there; read-only). */
  host(i: number): TensorValue;
  /** Integer input `i` as JS numbers (checked), e.g. shapes, axes, indices. */
  ints(i: number): number[];
  /** Runs a function from the graph's library (or a nested call) and returns its outputs. */
  callFunction(name: string, inputs: RuntimeTensor[], attrs?: Readonly<Record<string, unknown>>): Promise<RuntimeTensor[]>;
  /** Per-node persistent state for this session (created on first use), e.g. a random generator. */
  nodeState<T>(create: () => T): T;
}

/**
 * A kernel's result: one value per output, in output order. `undefined` marks an output that
 * produced no value (a dead tensor; only control-flow kernels do this).
 */
export type KernelResult = RuntimeTensor | (RuntimeTensor | undefined)[];

/** A kernel function. Return a Promise only when the kernel must do I/O (save/restore, calls). */
export type KernelFn = (ctx: KernelContext) => KernelResult | Promise<KernelResult>;

/** A kernel with options. */
export interface KernelSpec {
  /** The computation. */
  readonly compute: KernelFn;
  /** Input indices that receive reference edges as refs (not their values), or `'all'`. */
  readonly refInputs?: readonly number[] | 'all';
  /** Input indices that may be uninitialized reference variables (IsVariableInitialized). */
  readonly allowUninitialized?: boolean;
}

const userKernels = new Map<string, KernelSpec>();
let builtin: ReadonlyMap<string, KernelSpec> | undefined;
let generation = 0;

function toSpec(k: KernelFn | KernelSpec): KernelSpec {
  return typeof k === 'function' ? { compute: k } : k;
}

/**
 * Registers (or replaces) the kernel for an op type. Applies to every session's next plan.
 *
 * @example
 * registerKernel('MyOp', (ctx) => fromTf(tf.neg(ctx.tf(0))));
 */
export function registerKernel(opType: string, kernel: KernelFn | KernelSpec): void {
  userKernels.set(opType, toSpec(kernel));
  generation++;
}

/** Removes a kernel registered with {@link registerKernel} (built-ins come back). */
export function unregisterKernel(opType: string): boolean {
  generation++;
  return userKernels.delete(opType);
}

function builtins(): ReadonlyMap<string, KernelSpec> {
  builtin ??= builtinKernels();
  return builtin;
}

/** The kernel for an op type: a registered one first, then the built-in, else undefined. */
export function getKernel(opType: string): KernelSpec | undefined {
  return userKernels.get(opType) ?? builtins().get(opType);
}

/** Op types that have a kernel (registered or built-in), sorted. */
export function registeredOps(): string[] {
  return [...new Set([...builtins().keys(), ...userKernels.keys()])].sort();
}

/** @internal Changes whenever the registry changes (plans cache kernel lookups per generation). */
export function kernelGeneration(): number {
  return generation;
}
